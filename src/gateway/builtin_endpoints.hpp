#pragma once
// SPEC §4's endpoints on the main listener: /health, /health/live, /health/ready. Answered by
// the routing stage, before any route: never proxied, never rate limited.

#include <optional>

#include "config/config.hpp"
#include "http/exchange.hpp"
#include "observe/health_board.hpp"

namespace rampart::gateway {

/// True for a path that is one of the built-in endpoints.
bool is_builtin_path(std::string_view path);

/// What /health/ready reports besides the upstreams: each check only when it exists.
struct ReadinessChecks {
  std::optional<bool> store;  ///< the store's last answer; down: not ready
  std::optional<bool> redis;  ///< every worker's Redis connection up; down: degraded (200)
};

/// Answers a built-in endpoint into exchange.reply (or a 405 problem).
void answer_builtin(http::Exchange& exchange, const config::Config& config,
                    const observe::HealthBoard& health, const ReadinessChecks& checks);

}  // namespace rampart::gateway
