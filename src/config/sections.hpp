#pragma once
// One reader per top-level section of the config file (SPEC §2). Each checks every rule of its
// section, adds a ConfigProblem naming the key path for each one broken, and returns the
// section with defaults where keys are absent or invalid.

#include <vector>

#include "config/config.hpp"
#include "config/mapping_reader.hpp"
#include "config/problem_list.hpp"

namespace rampart::config {

ServerConfig read_server(const Field& field, ProblemList& problems);
AdminConfig read_admin(const Field& field, ProblemList& problems, Env env);
LogConfig read_log(const Field& field, ProblemList& problems);
std::vector<UpstreamConfig> read_upstreams(const Field& field, ProblemList& problems);
/// What the routes reader needs from the rest of the file.
struct RouteContext {
  Env env;
  const ServerConfig& server;
  const std::vector<UpstreamConfig>& upstreams;
  const std::vector<RouteKeyReader>& policy_keys;  ///< the keys policies own
};
std::vector<RouteConfig> read_routes(const Field& field, ProblemList& problems,
                                     const RouteContext& context);

/// The most server.workers may be, and what 0 ("one per core") resolves to at most.
inline constexpr unsigned kMaxWorkers = 256;
/// server.workers as written -> the thread count: 0 is one per core (at least 1, at most
/// kMaxWorkers).
unsigned resolve_workers(unsigned configured);

/// The most server.request_buffer may be: a connection holds up to this much of a body in
/// memory while it buffers it.
inline constexpr std::size_t kMaxRequestBuffer = 1024 * 1024;
/// The most server.body_min_rate may be (bytes per second).
inline constexpr std::size_t kMaxBodyMinRate = std::size_t{1024} * 1024 * 1024;

/// At least 32 characters: guessing one must be out of reach.
inline constexpr std::size_t kMinAdminKeyLength = 32;

}  // namespace rampart::config
