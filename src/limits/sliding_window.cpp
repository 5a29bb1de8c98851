#include "limits/sliding_window.hpp"

#include <algorithm>

namespace rampart::limits {

namespace {

std::int64_t ceil_seconds(std::int64_t ms) { return std::max<std::int64_t>(1, (ms + 999) / 1000); }

}  // namespace

void advance(Window& window, const Rate& rate, std::int64_t now_ms) {
  const std::int64_t period = rate.period.count() * 1000;
  const std::int64_t start = now_ms - now_ms % period;
  if (window.start_ms == start) {
    return;
  }
  window.previous = window.start_ms == start - period ? window.current : 0;
  window.current = 0;
  window.start_ms = start;
}

WindowDecision peek(const Window& window, const Rate& rate, std::int64_t now_ms) {
  // Scaled by the period (ms) so that everything stays integral: the estimate is
  // previous * (period - elapsed) / period + current, and one more request fits when
  // estimate + 1 <= limit. At most 1e9 * 8.64e7 < 2^63.
  const auto period = static_cast<std::uint64_t>(rate.period.count()) * 1000;
  const auto elapsed = static_cast<std::uint64_t>(now_ms - window.start_ms);
  const std::uint64_t weighted_previous = window.previous * (period - elapsed);
  const std::uint64_t used = weighted_previous + window.current * period;
  const std::uint64_t budget = rate.limit * period;
  WindowDecision d;
  d.reset_s = ceil_seconds(static_cast<std::int64_t>(period - elapsed));
  d.allowed = used + period <= budget;
  d.remaining = used >= budget ? 0 : (budget - used) / period;
  if (d.allowed) {
    return d;
  }
  // When will used + period <= budget hold? Within this window the weighted previous count
  // shrinks as elapsed grows; once current alone fills the limit, only the next window helps.
  std::int64_t wait_ms = 0;
  if (window.current + 1 <= rate.limit && window.previous > 0) {
    // previous * (period - e) <= (limit - current - 1) * period
    const std::uint64_t room = (rate.limit - window.current - 1) * period;
    const std::uint64_t max_remaining = room / window.previous;  // period - e at most this
    wait_ms = static_cast<std::int64_t>(period - elapsed - max_remaining);
  } else {
    // Next window: previous' = current, current' = 0; need current * (period - e) <= (limit - 1)
    // * period.
    const std::uint64_t room = (rate.limit - 1) * period;
    const std::uint64_t max_remaining = window.current > 0 ? room / window.current : period;
    wait_ms = static_cast<std::int64_t>(period - elapsed) +
              static_cast<std::int64_t>(period - std::min(period, max_remaining));
  }
  d.retry_after_s = ceil_seconds(wait_ms);
  return d;
}

WindowDecision take(Window& window, const Rate& rate, std::int64_t now_ms) {
  advance(window, rate, now_ms);
  auto d = peek(window, rate, now_ms);
  if (d.allowed) {
    ++window.current;
    --d.remaining;  // allowed means at least this one fitted
  }
  return d;
}

}  // namespace rampart::limits
