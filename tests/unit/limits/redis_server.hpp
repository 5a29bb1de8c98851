#pragma once
// Redis peers for the limits tests. RedisServer: a throwaway redis-server on 127.0.0.1 and a
// free port, without persistence, in a temporary directory, stopped (SIGTERM, then SIGKILL)
// and deleted at the end, and killed by the kernel if the test binary dies first. FakeRedis:
// a server on a raw socket, for what no real Redis sends (silence, garbage, huge replies).
//
// Header-only: tests/CMakeLists.txt compiles only *_test.cpp files.

#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "net/asio.hpp"

/// Starts a RedisServer into `var` (with `password` required when not empty), or skips the
/// test saying why — or fails it when RAMPART_REQUIRE_REDIS=1 (CI, where Redis must be there).
#define RAMPART_REDIS_SERVER_OR_SKIP(var, password)                                          \
  std::string var##_reason;                                                                  \
  auto var = ::rampart::limits::testing_support::RedisServer::start(var##_reason, password); \
  if (!var) {                                                                                \
    if (::rampart::limits::testing_support::redis_required()) {                              \
      FAIL() << var##_reason;                                                                \
    }                                                                                        \
    GTEST_SKIP() << var##_reason;                                                            \
  }

namespace rampart::limits::testing_support {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

inline bool redis_required() {
  const char* value = std::getenv("RAMPART_REQUIRE_REDIS");
  return value != nullptr && std::string(value) == "1";
}

/// A port nobody listens on right now; start() tries another if the server cannot bind it.
inline int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  if (fd >= 0) {
    close(fd);
  }
  return port;
}

/// Sends `commands` on one new blocking connection (2 s timeouts) and returns the last reply
/// as text: a string, status or error as sent, an integer in decimal, "(nil)"; "" when there
/// was no reply. hiredis' own reply objects: a second opinion next to rampart's reader.
inline std::string send_commands(int port, const std::vector<std::vector<std::string>>& commands) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval timeout{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return "";
  }
  std::string bytes;
  for (const auto& words : commands) {
    std::vector<const char*> argv;
    std::vector<size_t> lengths;
    for (const auto& word : words) {
      argv.push_back(word.data());
      lengths.push_back(word.size());
    }
    char* command = nullptr;
    int size = redisFormatCommandArgv(&command, static_cast<int>(argv.size()), argv.data(),
                                      lengths.data());
    bytes.append(command, static_cast<size_t>(size));
    redisFreeCommand(command);
  }
  std::string last;
  size_t answered = 0;
  redisReader* reader = redisReaderCreate();
  if (send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size())) {
    char buffer[4096];
    while (answered < commands.size()) {
      void* reply = nullptr;
      if (redisReaderGetReply(reader, &reply) != REDIS_OK) {
        break;
      }
      if (reply == nullptr) {
        ssize_t n = recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0 || redisReaderFeed(reader, buffer, static_cast<size_t>(n)) != REDIS_OK) {
          break;
        }
        continue;
      }
      auto* r = static_cast<redisReply*>(reply);
      last = r->type == REDIS_REPLY_INTEGER ? std::to_string(r->integer)
             : r->type == REDIS_REPLY_NIL   ? "(nil)"
             : r->str != nullptr            ? std::string(r->str, r->len)
                                            : "";
      freeReplyObject(reply);
      ++answered;
    }
  }
  redisReaderFree(reader);
  close(fd);
  return answered == commands.size() ? last : "";
}

/// A redis-server of the test's own.
class RedisServer {
 public:
  /// A running server, requiring `password` when it is not empty; nullptr and `reason` when
  /// redis-server is not installed or does not start within 10 s.
  static std::unique_ptr<RedisServer> start(std::string& reason, const std::string& password,
                                            std::vector<std::string> extra = {}) {
    std::unique_ptr<RedisServer> server(new RedisServer());
    server->binary_ = find_binary();
    if (server->binary_.empty()) {
      reason = "redis-server is not installed (not on PATH nor /usr/bin/redis-server)";
      return nullptr;
    }
    std::string dir = (std::filesystem::temp_directory_path() / "rampart-redis-XXXXXX").string();
    if (mkdtemp(dir.data()) == nullptr) {
      reason = "cannot make a temporary directory for redis-server";
      return nullptr;
    }
    server->dir_ = dir;
    server->password_ = password;
    server->extra_ = std::move(extra);
    for (int attempt = 0; attempt < 3; ++attempt) {  // another process may take the port
      server->port_ = free_port();
      if (server->launch(reason)) {
        return server;
      }
    }
    return nullptr;
  }

  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;
  ~RedisServer() {
    stop();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  int port() const { return port_; }

  /// Sends `signal` (SIGKILL: a crash) and waits for the end, with SIGKILL after 5 s.
  void stop(int signal = SIGTERM) {
    if (pid_ <= 0) {
      return;
    }
    kill(pid_, signal);
    const auto deadline = Clock::now() + 5s;
    int status = 0;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (Clock::now() > deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(5ms);
    }
    pid_ = -1;
  }

  /// Stops it if it runs and starts it again on the same port, empty.
  bool restart(std::string& reason) {
    stop();
    return launch(reason);
  }

  /// send_commands(), after AUTH when the server has a password.
  std::string command(std::vector<std::vector<std::string>> commands) const {
    if (!password_.empty()) {
      commands.insert(commands.begin(), {"AUTH", password_});
    }
    return send_commands(port_, commands);
  }

 private:
  RedisServer() = default;

  static std::string find_binary() {
    if (const char* path = std::getenv("PATH")) {
      std::string dirs = path;
      for (size_t start = 0; start <= dirs.size();) {
        size_t end = std::min(dirs.find(':', start), dirs.size());
        std::string candidate = dirs.substr(start, end - start) + "/redis-server";
        if (end > start && access(candidate.c_str(), X_OK) == 0) {
          return candidate;
        }
        start = end + 1;
      }
    }
    return access("/usr/bin/redis-server", X_OK) == 0 ? "/usr/bin/redis-server" : "";
  }

  bool launch(std::string& reason) {
    std::vector<std::string> words = {binary_,  "--port",       std::to_string(port_),
                                      "--bind", "127.0.0.1",    "--save",
                                      "",       "--appendonly", "no",
                                      "--dir",  dir_,           "--daemonize",
                                      "no"};
    if (!password_.empty()) {
      words.insert(words.end(), {"--requirepass", password_});
    }
    words.insert(words.end(), extra_.begin(), extra_.end());
    // Made before fork(): the child may only make async-signal-safe calls.
    std::vector<char*> argv;
    for (auto& word : words) {
      argv.push_back(word.data());
    }
    argv.push_back(nullptr);
    const std::string log = dir_ + "/redis.log";
    int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    const pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);  // no server left behind by a crashed test binary
      if (getppid() != parent) {
        _exit(1);
      }
      dup2(log_fd, STDOUT_FILENO);
      dup2(log_fd, STDERR_FILENO);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(log_fd);
    if (pid < 0) {
      reason = "cannot fork redis-server";
      return false;
    }
    pid_ = pid;
    const auto deadline = Clock::now() + 10s;
    while (Clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        reason = "redis-server exited: " + log_tail(log);
        return false;
      }
      auto answer = send_commands(port_, {{"PING"}});
      if (answer == "PONG" || answer.starts_with("NOAUTH")) {
        return true;  // NOAUTH: up, and wants the password
      }
      std::this_thread::sleep_for(20ms);
    }
    reason = "redis-server did not answer PING within 10 s: " + log_tail(log);
    stop(SIGKILL);
    return false;
  }

  static std::string log_tail(const std::string& path) {
    std::ifstream in(path);
    std::string line;
    std::string tail;
    for (std::string next; std::getline(in, next);) {
      if (!next.empty()) {
        tail = line.empty() ? next : line + " | " + next;
        line = next;
      }
    }
    return tail.empty() ? "no output" : tail;
  }

  std::string binary_;
  std::string dir_;
  std::string password_;
  std::vector<std::string> extra_;  ///< more redis-server arguments (cluster mode)
  int port_ = 0;
  pid_t pid_ = -1;
};

/// A server on a raw socket in the test's io_context. On each connection it waits for the
/// first bytes of a command, sends `reply` (nothing at all when empty), then, when
/// `endless` is set, 64 KiB blocks of 'x' until the peer goes; and never answers again.
class FakeRedis {
 public:
  FakeRedis(net::asio::io_context& io, std::string reply, bool endless = false)
      : shared_(std::make_shared<Shared>(io, std::move(reply), endless)) {
    net::asio::co_spawn(io, accept(shared_), net::asio::detached);
  }
  ~FakeRedis() {
    net::error_code ignored;
    shared_->acceptor.close(ignored);
  }
  int port() const { return shared_->acceptor.local_endpoint().port(); }
  int connections() const { return shared_->connections; }
  std::size_t bytes_sent() const { return shared_->bytes_sent; }

 private:
  struct Shared {
    Shared(net::asio::io_context& io, std::string reply, bool endless)
        : acceptor(io, {net::asio::ip::make_address("127.0.0.1"), 0}),
          reply(std::move(reply)),
          endless(endless) {}
    net::Acceptor acceptor;
    std::string reply;
    bool endless;
    int connections = 0;
    std::size_t bytes_sent = 0;
  };

  static net::Task<void> accept(std::shared_ptr<Shared> shared) {
    for (;;) {
      auto [ec, socket] = co_await shared->acceptor.async_accept(net::use_tuple);
      if (ec) {
        co_return;
      }
      ++shared->connections;
      net::asio::co_spawn(shared->acceptor.get_executor(), serve(shared, std::move(socket)),
                          net::asio::detached);
    }
  }

  static net::Task<void> serve(std::shared_ptr<Shared> shared, net::Socket socket) {
    char buffer[4096];
    auto [read_ec, n] = co_await socket.async_read_some(net::asio::buffer(buffer), net::use_tuple);
    net::error_code ec = read_ec;
    if (!ec && !shared->reply.empty()) {
      auto [reply_ec, reply_sent] =
          co_await net::asio::async_write(socket, net::asio::buffer(shared->reply), net::use_tuple);
      ec = reply_ec;
      shared->bytes_sent += reply_sent;
    }
    const std::string block(64 * 1024, 'x');
    while (!ec && shared->endless) {
      auto [block_ec, block_sent] =
          co_await net::asio::async_write(socket, net::asio::buffer(block), net::use_tuple);
      ec = block_ec;
      shared->bytes_sent += block_sent;
    }
    while (!ec) {  // hold the connection, answer nothing
      auto [hold_ec, ignored] =
          co_await socket.async_read_some(net::asio::buffer(buffer), net::use_tuple);
      ec = hold_ec;
    }
  }

  std::shared_ptr<Shared> shared_;
};

/// Runs `io` until `done()` or for `limit`; whether `done()`.
template <typename Done>
bool run_until(net::asio::io_context& io, std::chrono::milliseconds limit, Done done) {
  const auto deadline = Clock::now() + limit;
  while (!done() && Clock::now() < deadline) {
    if (io.stopped()) {
      io.restart();
    }
    io.run_one_for(5ms);
  }
  return done();
}

}  // namespace rampart::limits::testing_support
