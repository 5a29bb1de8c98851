#include "limits/sliding_window.hpp"

#include <algorithm>

namespace rampart::limits {

namespace {

std::int64_t ceil_seconds(std::int64_t ms) { return std::max<std::int64_t>(1, (ms + 999) / 1000); }

}  // namespace

void advance(Window& window, const Rate& rate, std::int64_t now_ms) {
  const std::int64_t period = rate.period.count() * 1000;
  if (window.start_ms != 0 && now_ms < window.start_ms + period) {
    return;
  }
  if (window.start_ms != 0 && now_ms < window.start_ms + 2 * period && window.current > 0) {
    window.previous = window.current;  // the window just ended weighs on this one
    window.start_ms += period;
  } else {
    // Fresh, or idle for a whole window: windows start at this request, so a client's burst
    // of N+1 falls in one window and gets exactly N, wherever the clock is.
    window.previous = 0;
    window.start_ms = now_ms;
  }
  window.current = 0;
}

WindowDecision peek(const Window& window, const Rate& rate, std::int64_t now_ms) {
  // The estimate is floor(previous * (period - elapsed) / period) + current, and one more
  // request fits when estimate + 1 <= limit. The floor matters: with it a steady overload
  // passes N per period, without it N - 1 (the previous window never weighs quite zero).
  // Integers only: at most 1e9 * 8.64e7 < 2^63.
  const auto period = static_cast<std::uint64_t>(rate.period.count()) * 1000;
  const auto elapsed = static_cast<std::uint64_t>(now_ms - window.start_ms);
  const std::uint64_t used = window.previous * (period - elapsed) / period + window.current;
  WindowDecision d;
  d.reset_s = ceil_seconds(static_cast<std::int64_t>(period - elapsed));
  d.allowed = used + 1 <= rate.limit;
  d.remaining = used >= rate.limit ? 0 : rate.limit - used;
  if (d.allowed) {
    return d;
  }
  // When will floor(previous * (period - e) / period) + current + 1 <= limit hold? Within
  // this window the previous count weighs less as e grows; once current alone fills the
  // limit, only the next window helps.
  std::int64_t wait_ms = 0;
  if (window.current < rate.limit && window.previous > 0) {
    // previous * (period - e) <= (limit - current) * period - 1
    const std::uint64_t room = (rate.limit - window.current) * period - 1;
    wait_ms = static_cast<std::int64_t>(period - elapsed - room / window.previous);
  } else {
    // Next window: previous' = current; need current * (period - e) <= limit * period - 1.
    const std::uint64_t room = rate.limit * period - 1;
    const std::uint64_t max_left = window.current > 0 ? room / window.current : period;
    wait_ms = static_cast<std::int64_t>(period - elapsed) +
              static_cast<std::int64_t>(period - std::min(period, max_left));
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
