#pragma once
// The scores: 0-100 per category and overall, from the checks that were decided. The formula
// is documented in docs/audit.md; a test pins each of its rules.

#include <array>
#include <optional>
#include <vector>

#include "audit/check.hpp"

namespace rampart::audit {

/// A failed check costs its weight; critical issues dominate as in the field reports.
int severity_weight(Severity severity);
/// The share of each category in the overall score (security 50, reliability 30,
/// observability 20), renormalised over the categories that have a score.
int category_weight(Category category);
/// Any critical finding caps the overall score here: such a service is not production-ready.
inline constexpr int kCriticalCap = 49;

/// Scores; a category (or the whole) with no decided check has none.
struct Scores {
  std::array<std::optional<int>, 3> by_category;  ///< indexed by Category
  std::optional<int> overall;
  bool capped = false;  ///< the overall score was lowered to kCriticalCap

  const std::optional<int>& of(Category c) const { return by_category[static_cast<int>(c)]; }
};

Scores compute_scores(const std::vector<Check>& checks);

}  // namespace rampart::audit
