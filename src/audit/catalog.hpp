#pragma once
// Every check the audit knows, in one table: id, category, severity, what it means, and the
// fix — the rampart config lines where a gateway can fix it. docs/audit.md mirrors it.

#include <span>
#include <string_view>

#include "audit/check.hpp"

namespace rampart::audit {

/// One row of the catalogue.
struct CheckInfo {
  std::string_view id;
  Category category;
  Severity severity;
  std::string_view title;   ///< the problem, as a finding's headline
  std::string_view fix;     ///< what to do, in words
  std::string_view config;  ///< rampart YAML that fixes it; empty when no gateway can
};

/// The probes' checks (`rampart audit`).
std::span<const CheckInfo> catalog();
/// The config's checks (`rampart check --report`, config_catalog.cpp).
std::span<const CheckInfo> config_catalog();
/// The row for `id` in either table; throws std::out_of_range for an id not in the table (a
/// programming error).
const CheckInfo& check_info(std::string_view id);

}  // namespace rampart::audit
