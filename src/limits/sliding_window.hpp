#pragma once
// The sliding-window counter (SPEC §3 step 8): the count in the last period is estimated as
// the current window's count plus the previous window's, weighted by how much of it the
// sliding period still covers. Windows start at an identity's first request (and again after
// a whole idle window), so a fresh client's burst of N+1 gets exactly N; at a steady rate
// above N the estimate keeps what passes to N per period. Two counters per identity and
// limit, integer arithmetic only, so the Redis script computes the same.

#include <cstdint>

#include "limits/rate.hpp"

namespace rampart::limits {

/// One identity's counts for one rate.
struct Window {
  std::int64_t start_ms = 0;  ///< the current window's start; 0: never used
  std::uint64_t current = 0;
  std::uint64_t previous = 0;
};

/// What one request came to against one rate.
struct WindowDecision {
  bool allowed = false;
  std::uint64_t remaining = 0;     ///< peek: requests that fit now; take: after this one
  std::int64_t reset_s = 0;        ///< seconds until the current window ends (at least 1)
  std::int64_t retry_after_s = 0;  ///< refused: whole seconds until one would pass (at least 1)
};

/// Moves `window` to `now_ms` (a new fixed window shifts current into previous).
void advance(Window& window, const Rate& rate, std::int64_t now_ms);
/// Whether one more request fits at `now_ms` (window already advanced), and what remains.
WindowDecision peek(const Window& window, const Rate& rate, std::int64_t now_ms);

/// advance + peek + count it when allowed: one request's decision against one rate.
WindowDecision take(Window& window, const Rate& rate, std::int64_t now_ms);

}  // namespace rampart::limits
