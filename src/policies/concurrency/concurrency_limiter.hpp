#pragma once
// The in-flight count and FIFO queue of one route, shared by every worker of the instance:
// the one place a lock is taken, and only by routes with `concurrency:`. A waiter sleeps on a
// timer of its own worker; a release hands its slot straight to the first waiter (so a
// newcomer cannot overtake the queue) and wakes it on its worker's thread.

#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>

#include "net/asio.hpp"

namespace rampart::policies {

/// One request waiting for a slot, on its worker's executor.
struct ConcurrencyWaiter {
  explicit ConcurrencyWaiter(net::Executor executor) : timer(executor) {}
  net::Timer timer;
  bool granted = false;  ///< guarded by the limiter's mutex: the slot is now this waiter's
};

class ConcurrencyLimiter {
 public:
  ConcurrencyLimiter(std::size_t max, std::size_t queue) : max_(max), queue_limit_(queue) {}

  enum class Admission : std::uint8_t { granted, queued, refused };
  /// A slot at once when one is free and nobody waits; else `waiter` joins the queue, unless
  /// it is full. `waiter` may be null when the caller cannot wait (then: granted or refused).
  Admission admit(const std::shared_ptr<ConcurrencyWaiter>& waiter);
  /// A waiter gives up (queue_timeout, deadline, client gone). True when it was still waiting;
  /// false when it was granted meanwhile, and so holds a slot to release().
  bool abandon(const ConcurrencyWaiter& waiter);
  /// True once a release handed `waiter` a slot.
  bool granted(const ConcurrencyWaiter& waiter) const;
  /// Gives a slot back: to the first waiter, or free.
  void release();

  std::size_t in_flight() const;
  std::size_t waiting() const;

 private:
  const std::size_t max_;
  const std::size_t queue_limit_;
  mutable std::mutex mutex_;
  std::size_t in_flight_ = 0;
  std::deque<std::shared_ptr<ConcurrencyWaiter>> queue_;
};

}  // namespace rampart::policies
