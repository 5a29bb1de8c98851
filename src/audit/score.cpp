#include "audit/score.hpp"

#include <cmath>

#include "audit/catalog.hpp"

namespace rampart::audit {

int severity_weight(Severity severity) {
  switch (severity) {
    case Severity::critical:
      return 10;
    case Severity::high:
      return 6;
    case Severity::medium:
      return 3;
    case Severity::low:
      return 1;
  }
  return 1;
}

int category_weight(Category category) {
  switch (category) {
    case Category::security:
      return 50;
    case Category::reliability:
      return 30;
    case Category::observability:
      return 20;
  }
  return 0;
}

Scores compute_scores(const std::vector<Check>& checks) {
  std::array<int, 3> decided{};
  std::array<int, 3> failed{};
  bool critical = false;
  for (const auto& check : checks) {
    if (check.outcome != Outcome::pass && check.outcome != Outcome::fail) {
      continue;  // undecided and not-applicable checks are not scored
    }
    const auto& info = check_info(check.id);
    int c = static_cast<int>(info.category);
    int w = severity_weight(info.severity);
    decided[c] += w;
    if (check.outcome == Outcome::fail) {
      failed[c] += w;
      critical = critical || info.severity == Severity::critical;
    }
  }
  Scores scores;
  double weighted = 0;
  int weights = 0;
  for (int c = 0; c < 3; ++c) {
    if (decided[c] == 0) {
      continue;
    }
    double value = 100.0 * (decided[c] - failed[c]) / decided[c];
    scores.by_category[c] = static_cast<int>(std::lround(value));
    int cw = category_weight(static_cast<Category>(c));
    weighted += value * cw;
    weights += cw;
  }
  if (weights > 0) {
    int overall = static_cast<int>(std::lround(weighted / weights));
    if (critical && overall > kCriticalCap) {
      overall = kCriticalCap;
      scores.capped = true;
    }
    scores.overall = overall;
  }
  return scores;
}

}  // namespace rampart::audit
