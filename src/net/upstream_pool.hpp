#pragma once
// Keep-alive connections to one upstream, owned by one worker (no lock). The cap on open
// connections (upstreams.*.max_connections) is shared by all workers through one atomic,
// touched only when a connection opens or closes, never per request.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <vector>

#include "net/asio.hpp"

namespace rampart::net {

/// One open connection to an upstream. Closing it (destruction) releases its slot.
class UpstreamConnection {
 public:
  UpstreamConnection(asio::io_context& ioc, std::shared_ptr<std::atomic<std::size_t>> open_count)
      : socket(ioc.get_executor()), open_count_(std::move(open_count)) {}
  ~UpstreamConnection() { open_count_->fetch_sub(1, std::memory_order_relaxed); }
  UpstreamConnection(const UpstreamConnection&) = delete;
  UpstreamConnection& operator=(const UpstreamConnection&) = delete;

  Socket socket;
  bool reused = false;  ///< served a request before: it may have been closed by the upstream
  std::chrono::steady_clock::time_point idle_since;

 private:
  std::shared_ptr<std::atomic<std::size_t>> open_count_;
};

class UpstreamPool {
 public:
  UpstreamPool(asio::io_context& ioc, tcp::endpoint endpoint, std::size_t max_connections,
               std::shared_ptr<std::atomic<std::size_t>> open_count)
      : ioc_(ioc), endpoint_(endpoint), max_connections_(max_connections),
        open_count_(std::move(open_count)) {}

  const tcp::endpoint& endpoint() const { return endpoint_; }

  /// An idle pooled connection (most recently used first), or null.
  std::unique_ptr<UpstreamConnection> take_idle() {
    while (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      if (c->socket.is_open()) {
        return c;
      }
    }
    return nullptr;
  }
  /// A new unconnected connection, or null when max_connections are open.
  std::unique_ptr<UpstreamConnection> open_new() {
    if (open_count_->fetch_add(1, std::memory_order_relaxed) >= max_connections_) {
      open_count_->fetch_sub(1, std::memory_order_relaxed);
      return nullptr;
    }
    return std::make_unique<UpstreamConnection>(ioc_, open_count_);
  }
  void give_back(std::unique_ptr<UpstreamConnection> c, std::chrono::steady_clock::time_point now) {
    c->reused = true;
    c->idle_since = now;
    idle_.push_back(std::move(c));
  }
  /// Closes connections idle for longer than `max_idle` (the upstream may drop them anyway).
  void prune(std::chrono::steady_clock::time_point now, std::chrono::steady_clock::duration max_idle) {
    std::erase_if(idle_, [&](const auto& c) { return now - c->idle_since > max_idle; });
  }
  void clear() { idle_.clear(); }

 private:
  asio::io_context& ioc_;
  tcp::endpoint endpoint_;
  std::size_t max_connections_;
  std::shared_ptr<std::atomic<std::size_t>> open_count_;
  std::vector<std::unique_ptr<UpstreamConnection>> idle_;
};

}  // namespace rampart::net
