#pragma once
// JSON-lines logging (SPEC §6). Workers format request lines into their own buffer and hand
// whole batches to the shared LogSink (one write(2) per batch), so the hot path takes no lock;
// lifecycle events from the control thread go straight to the sink.

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "http/json_writer.hpp"

namespace rampart::observe {

/// The log destination: a file opened O_APPEND, or stdout. Thread-safe.
class LogSink {
 public:
  /// "-" is stdout. Throws std::runtime_error naming the file when it cannot be opened.
  explicit LogSink(std::string path);
  ~LogSink();
  LogSink(const LogSink&) = delete;
  LogSink& operator=(const LogSink&) = delete;

  void write(std::string_view lines);
  /// Reopens the file (after logrotate moved it); keeps the old fd on failure.
  void reopen();

 private:
  std::string path_;
  std::mutex mutex_;
  int fd_ = 1;
};

/// Appends the RFC 3339 UTC timestamp with milliseconds, e.g. 2026-11-23T12:00:00.123Z.
void append_timestamp(std::string& out, std::chrono::system_clock::time_point when);
/// The same into `buf` (at least 32 bytes); returns a view of it.
std::string_view format_timestamp(char* buf, std::chrono::system_clock::time_point when);

std::string_view level_name(config::LogLevel level);

/// Process-wide logger for lifecycle events (start, reload, shutdown, health changes).
class EventLog {
 public:
  static void install(std::shared_ptr<LogSink> sink, config::LogLevel level);
  static void set_level(config::LogLevel level);
  static std::shared_ptr<LogSink> sink();
  static bool enabled(config::LogLevel level);

  /// Writes {"ts":…,"level":…,"event":name, <fields>} as one line.
  static void write(config::LogLevel level, std::string_view event,
                    const std::function<void(http::JsonWriter&)>& fields = {});
};

/// One worker's pending lines; flushed when large or on the worker's tick.
class LogBuffer {
 public:
  explicit LogBuffer(std::shared_ptr<LogSink> sink) : sink_(std::move(sink)) {
    buffer_.reserve(kFlushBytes + 4096);
  }
  ~LogBuffer() { flush(); }

  /// The buffer to append one complete line (ending in '\n') to; call committed() after.
  std::string& line_buffer() { return buffer_; }
  void committed() {
    if (buffer_.size() >= kFlushBytes) {
      flush();
    }
  }
  void flush() {
    if (!buffer_.empty() && sink_) {
      sink_->write(buffer_);
    }
    buffer_.clear();
  }

 private:
  static constexpr std::size_t kFlushBytes = 32 * 1024;
  std::shared_ptr<LogSink> sink_;
  std::string buffer_;
};

}  // namespace rampart::observe
