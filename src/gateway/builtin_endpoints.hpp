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

/// Answers a built-in endpoint into exchange.reply (or a 405 problem). `store_healthy`: the
/// store's last answer, when there is a store.
void answer_builtin(http::Exchange& exchange, const config::Config& config,
                    const observe::HealthBoard& health, std::optional<bool> store_healthy);

}  // namespace rampart::gateway
