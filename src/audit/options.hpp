#pragma once
// What `rampart audit` was asked to do: the target and the bounds of the probing.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "audit/target.hpp"

namespace rampart::audit {

/// The audit's inputs, checked by the command before an Auditor runs (see docs/audit.md).
struct AuditOptions {
  Target target;
  std::vector<std::string> private_paths;   ///< must refuse a request without credentials
  std::optional<std::string> webhook_path;  ///< must refuse an unsigned event
  std::vector<std::string> health_paths;    ///< empty: /health, /health/live, /health/ready
  bool expect_unready = false;              ///< a dependency is down: readiness must say so
  std::optional<std::string> slow_path;     ///< an endpoint slower than any sane timeout
  std::optional<std::string> ca_file;       ///< trusted besides the system's CAs (https://)
  std::size_t max_requests = 300;
  double rate = 0;  ///< requests per second; 0 = as fast as the service answers
  std::chrono::milliseconds timeout{15000};  ///< the whole audit
};

}  // namespace rampart::audit
