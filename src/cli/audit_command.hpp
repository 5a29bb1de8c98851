#pragma once
// `rampart audit URL` (SPEC §1, §9; docs/audit.md): probe a running service from outside and
// print a scored readiness report.

#include <optional>
#include <string>
#include <vector>

namespace rampart::cli {

/// The command line as given; run_audit checks every value before any request is sent.
struct AuditArgs {
  std::string url;
  std::string format = "md";
  std::optional<std::string> out;
  std::vector<std::string> private_paths;
  std::optional<std::string> webhook;
  std::optional<int> fail_under;
  long long max_requests = 300;
  std::optional<double> rate;
  std::string timeout = "15s";
  std::vector<std::string> health;
  bool expect_unready = false;
  std::optional<std::string> slow;
  std::optional<std::string> ca;
};

/// 0: report printed (or written to --out); 1: a bad argument, an unreachable URL, or an
/// overall score below --fail-under; 2 is left to main's internal-failure handler.
int run_audit(const AuditArgs& args);

}  // namespace rampart::cli
