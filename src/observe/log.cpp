#include "observe/log.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <stdexcept>

namespace rampart::observe {

namespace {
std::mutex g_event_mutex;
std::shared_ptr<LogSink> g_sink;
std::atomic<int> g_level{static_cast<int>(config::LogLevel::info)};

int open_log(const std::string& path) {
  return ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
}
}  // namespace

LogSink::LogSink(std::string path) : path_(std::move(path)) {
  if (path_ != "-") {
    fd_ = open_log(path_);
    if (fd_ < 0) {
      throw std::runtime_error(
          fmt::format("cannot open log file {}: {}", path_, std::strerror(errno)));
    }
  }
}

LogSink::~LogSink() {
  if (fd_ > 2) {
    ::close(fd_);
  }
}

void LogSink::write(std::string_view lines) {
  std::lock_guard lock(mutex_);
  while (!lines.empty()) {
    auto n = ::write(fd_, lines.data(), lines.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return;  // a full disk must not stop the gateway; the lines are dropped
    }
    lines.remove_prefix(static_cast<std::size_t>(n));
  }
}

void LogSink::reopen() {
  if (path_ == "-") {
    return;
  }
  int fd = open_log(path_);
  if (fd < 0) {
    return;
  }
  std::lock_guard lock(mutex_);
  ::close(fd_);
  fd_ = fd;
}

void append_timestamp(std::string& out, std::chrono::system_clock::time_point when) {
  char buf[32];
  out += format_timestamp(buf, when);
}

std::string_view format_timestamp(char* buf, std::chrono::system_clock::time_point when) {
  using namespace std::chrono;
  // gmtime and formatting once per second per thread; each line only adds milliseconds.
  thread_local std::time_t cached_second = -1;
  thread_local char cached_prefix[20];  // "YYYY-MM-DDTHH:MM:SS"
  auto ms = duration_cast<milliseconds>(when.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  if (seconds != cached_second) {
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    std::snprintf(cached_prefix, sizeof cached_prefix, "%04d-%02d-%02dT%02d:%02d:%02d",
                  tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    cached_second = seconds;
  }
  std::memcpy(buf, cached_prefix, 19);
  auto milli = static_cast<int>(ms % 1000);
  buf[19] = '.';
  buf[20] = static_cast<char>('0' + milli / 100);
  buf[21] = static_cast<char>('0' + milli / 10 % 10);
  buf[22] = static_cast<char>('0' + milli % 10);
  buf[23] = 'Z';
  return {buf, 24};
}

std::string_view level_name(config::LogLevel level) {
  switch (level) {
    case config::LogLevel::debug:
      return "debug";
    case config::LogLevel::info:
      return "info";
    case config::LogLevel::warn:
      return "warn";
    case config::LogLevel::error:
      return "error";
  }
  return "info";
}

void EventLog::install(std::shared_ptr<LogSink> sink, config::LogLevel level) {
  std::lock_guard lock(g_event_mutex);
  g_sink = std::move(sink);
  g_level = static_cast<int>(level);
}

void EventLog::set_level(config::LogLevel level) { g_level = static_cast<int>(level); }

std::shared_ptr<LogSink> EventLog::sink() {
  std::lock_guard lock(g_event_mutex);
  return g_sink;
}

bool EventLog::enabled(config::LogLevel level) {
  return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed);
}

void EventLog::write(config::LogLevel level, std::string_view event,
                     const std::function<void(http::JsonWriter&)>& fields) {
  if (!enabled(level)) {
    return;
  }
  std::string line;
  http::JsonWriter json(line);
  json.begin_object();
  std::string ts;
  append_timestamp(ts, std::chrono::system_clock::now());
  json.field("ts", ts);
  json.field("level", level_name(level));
  json.field("event", event);
  if (fields) {
    fields(json);
  }
  json.end_object();
  line += '\n';
  auto s = sink();
  if (s) {
    s->write(line);
  } else {
    ::write(2, line.data(), line.size());
  }
}

}  // namespace rampart::observe
