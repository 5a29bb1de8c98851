#pragma once
// Keep-alive connections to one upstream, owned by one worker (no lock). The cap
// (upstreams.*.max_connections) counts connections in use by all workers together through
// one shared atomic: two relaxed adds per request, the only shared write on the request path.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "net/asio.hpp"

namespace rampart::net {

/// One open connection to an upstream. While a request uses it, it holds one of the
/// upstream's max_connections slots; idle in the pool it holds none (like nginx's max_conns).
class UpstreamConnection {
 public:
  UpstreamConnection(asio::io_context& ioc, std::shared_ptr<std::atomic<std::size_t>> in_use)
      : socket(ioc.get_executor()), in_use_(std::move(in_use)) {}
  ~UpstreamConnection() { release_slot(); }
  UpstreamConnection(const UpstreamConnection&) = delete;
  UpstreamConnection& operator=(const UpstreamConnection&) = delete;

  Socket socket;
  bool reused = false;  ///< served a request before: it may have been closed by the upstream
  std::chrono::steady_clock::time_point idle_since;

  /// Closes the socket and gives back the max_connections slot at once: a connection a
  /// deadline cut must not keep its slot until the coroutine using it unwinds.
  void close() {
    error_code ignored;
    socket.close(ignored);
    release_slot();
  }

 private:
  friend class UpstreamPool;
  void release_slot() {
    if (holds_slot_) {
      holds_slot_ = false;
      in_use_->fetch_sub(1, std::memory_order_relaxed);
    }
  }

  std::shared_ptr<std::atomic<std::size_t>> in_use_;
  bool holds_slot_ = false;
  std::uint64_t idle_generation_ = 0;  ///< which stay in the pool a watch belongs to
  bool watched_ = false;
};

/// The idle connections of one upstream in one worker. An idle connection is watched: an
/// upstream that sends anything on it (stray bytes, a late body after HEAD or 204) or closes
/// it has it dropped at once, and acquire() checks once more, so a request is never answered
/// with bytes that belong to no request of its own. The watch starts at the worker's next
/// tick (watch_idle), so that a connection reused at once, as under load, pays only the check
/// (a watch set and cancelled per request cost ~450 instructions, 4% of a request).
class UpstreamPool : public std::enable_shared_from_this<UpstreamPool> {
 public:
  UpstreamPool(asio::io_context& ioc, tcp::endpoint endpoint, std::size_t max_connections,
               std::shared_ptr<std::atomic<std::size_t>> in_use)
      : ioc_(ioc),
        endpoint_(endpoint),
        max_connections_(max_connections),
        in_use_(std::move(in_use)) {}

  const tcp::endpoint& endpoint() const { return endpoint_; }

  /// A connection for one request: the most recently used idle one (open), or, when `fresh`
  /// or none is idle, a new unconnected one. Null when max_connections are in use.
  std::unique_ptr<UpstreamConnection> acquire(bool fresh) {
    if (in_use_->fetch_add(1, std::memory_order_relaxed) >= max_connections_) {
      in_use_->fetch_sub(1, std::memory_order_relaxed);
      return nullptr;
    }
    std::unique_ptr<UpstreamConnection> c;
    while (!fresh && !c && !idle_.empty()) {
      c = std::move(idle_.back());
      idle_.pop_back();
      if (c->watched_) {
        c->watched_ = false;
        ++c->idle_generation_;  // its watch, if still pending or queued, no longer applies
        error_code ignored;
        c->socket.cancel(ignored);
      }
      if (!is_quiet(c->socket)) {
        c.reset();
      }
    }
    if (!c) {
      c = std::make_unique<UpstreamConnection>(ioc_, in_use_);
    }
    c->holds_slot_ = true;
    return c;
  }
  void give_back(std::unique_ptr<UpstreamConnection> c, std::chrono::steady_clock::time_point now) {
    c->release_slot();
    c->reused = true;
    c->idle_since = now;
    idle_.push_back(std::move(c));
  }
  /// Starts watching the connections that have been idle since before `since`.
  void watch_idle(std::chrono::steady_clock::time_point since) {
    for (auto& c : idle_) {
      if (!c->watched_ && c->idle_since < since) {
        watch(*c);
      }
    }
  }
  /// Closes connections idle for longer than `max_idle` (the upstream may drop them anyway).
  void prune(std::chrono::steady_clock::time_point now,
             std::chrono::steady_clock::duration max_idle) {
    std::erase_if(idle_, [&](const auto& c) { return now - c->idle_since > max_idle; });
  }
  void clear() { idle_.clear(); }

 private:
  /// No byte waiting and not closed by the upstream: one non-blocking peek. The watch alone
  /// is not enough: the reactor is edge-triggered and a wait does not look at the socket
  /// first, so bytes that arrived between the response's last read and the watch would go
  /// unnoticed.
  static bool is_quiet(Socket& socket);
  /// Drops the connection from the pool when it becomes readable while idle.
  void watch(UpstreamConnection& c);

  asio::io_context& ioc_;
  tcp::endpoint endpoint_;
  std::size_t max_connections_;
  std::shared_ptr<std::atomic<std::size_t>> in_use_;
  std::vector<std::unique_ptr<UpstreamConnection>> idle_;
};

}  // namespace rampart::net
