#pragma once
// Runs the probes in their fixed order within the audit's bounds and builds the Report.

#include <optional>
#include <string>
#include <variant>

#include "audit/options.hpp"
#include "audit/report.hpp"

namespace rampart::audit {

/// Why no report could be made: the URL's host does not resolve or refuses connections.
struct Unreachable {
  std::string message;
};

/// The report, or Unreachable. A service that accepts the connection and then resets it or
/// never answers still gets a report (its checks undecided).
std::variant<Report, Unreachable> run_audit(const AuditOptions& options);

}  // namespace rampart::audit
