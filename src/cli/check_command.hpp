#pragma once
// `rampart check [--env production]` (SPEC §1): load and validate the config, print `ok` or
// every problem found, one a line.

#include <optional>
#include <string>

namespace rampart::cli {

/// Returns the exit status: 0 valid ("ok" on stdout), 1 invalid config or bad --env value
/// (problems on stderr), 2 internal failure. `env_override` is "production" or "development".
/// `report`: after "ok", a scored Markdown report of the config (docs/audit.md); an invalid
/// config prints its problems as without it.
int run_check(const std::string& config_path, const std::optional<std::string>& env_override,
              bool report = false);

}  // namespace rampart::cli
