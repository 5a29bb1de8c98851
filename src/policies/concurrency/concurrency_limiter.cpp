#include "policies/concurrency/concurrency_limiter.hpp"

#include <algorithm>

namespace rampart::policies {

ConcurrencyLimiter::Admission ConcurrencyLimiter::admit(
    const std::shared_ptr<ConcurrencyWaiter>& waiter) {
  std::lock_guard lock(mutex_);
  if (in_flight_ < max_ && queue_.empty()) {
    ++in_flight_;
    return Admission::granted;
  }
  if (!waiter || queue_.size() >= queue_limit_) {
    return Admission::refused;
  }
  queue_.push_back(waiter);
  return Admission::queued;
}

bool ConcurrencyLimiter::abandon(const ConcurrencyWaiter& waiter) {
  std::lock_guard lock(mutex_);
  if (waiter.granted) {
    return false;
  }
  auto it =
      std::find_if(queue_.begin(), queue_.end(), [&](const auto& w) { return w.get() == &waiter; });
  if (it != queue_.end()) {
    queue_.erase(it);
  }
  return true;
}

void ConcurrencyLimiter::release() {
  std::shared_ptr<ConcurrencyWaiter> next;
  {
    std::lock_guard lock(mutex_);
    if (queue_.empty()) {
      --in_flight_;
      return;
    }
    next = std::move(queue_.front());
    queue_.pop_front();
    next->granted = true;  // the slot passes over: in_flight_ stays
  }
  // The timer belongs to the waiter's worker: it is cancelled there, never from this thread.
  net::asio::post(next->timer.get_executor(), [next] { next->timer.cancel(); });
}

bool ConcurrencyLimiter::granted(const ConcurrencyWaiter& waiter) const {
  std::lock_guard lock(mutex_);
  return waiter.granted;
}

std::size_t ConcurrencyLimiter::in_flight() const {
  std::lock_guard lock(mutex_);
  return in_flight_;
}

std::size_t ConcurrencyLimiter::waiting() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

}  // namespace rampart::policies
