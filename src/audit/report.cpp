#include "audit/report.hpp"

#include <algorithm>

#include "audit/catalog.hpp"

namespace rampart::audit {

std::vector<const Check*> checks_with(const Report& report, Outcome outcome) {
  std::vector<const Check*> out;
  for (const auto& check : report.checks) {
    if (check.outcome == outcome) {
      out.push_back(&check);
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const Check* a, const Check* b) {
    const auto& ia = check_info(a->id);
    const auto& ib = check_info(b->id);
    if (ia.severity != ib.severity) {
      return ia.severity < ib.severity;  // critical first
    }
    return ia.category < ib.category;
  });
  return out;
}

}  // namespace rampart::audit
