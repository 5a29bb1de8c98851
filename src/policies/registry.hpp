#pragma once
// The one list of policies (h2o's explicit configurator list, not static self-registration):
// which exist, in which stage order, which route key each reads, and how each is built.

#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "limits/local_limiter.hpp"
#include "limits/redis_limiter.hpp"
#include "policies/auth/key_directory.hpp"
#include "policies/jwt/jwks_source.hpp"
#include "policies/policy.hpp"
#include "policies/webhook/replay_marks.hpp"

namespace rampart::policies {

/// What policies share for as long as the process runs, owned by the serve process and kept
/// across reloads: things that are not per config (a store connection, background threads).
struct Services {
  std::shared_ptr<KeyDirectory> keys;  ///< the store's API keys; null where there is no store
  /// Fetches the JWT issuers' JWKS; null where nothing fetches (then no issuer may have one).
  std::shared_ptr<jwt::JwksFetcher> jwks = nullptr;
  /// The local rate-limit table, kept across reloads (counts survive a SIGHUP).
  std::shared_ptr<limits::LocalLimiter> limiter = nullptr;
  /// The Redis shared by the instances (`redis:`); null without one.
  std::shared_ptr<limits::RedisBackend> redis = nullptr;
  /// The store's webhook replay marks; null where there is no store.
  std::shared_ptr<ReplayMarks> replays = nullptr;
};

/// One kind of policy, as the pipeline builder knows it.
struct PolicyType {
  enum class Scope : std::uint8_t {
    global,  ///< built once per config; its request hook runs for every request, before routing
    route,   ///< built per route; runs once the route is matched
  };
  std::string_view stage;  ///< its name in logs, metrics and docs
  Scope scope = Scope::route;
  /// The route key it reads with its own reader (an empty key: none).
  config::RouteKeyReader route_key;
  /// Builds it for a config (global: `route` is null) or for one route; returns null when the
  /// policy has nothing to do there (the route does not set its key).
  std::function<std::unique_ptr<Policy>(const config::Config& config,
                                        const config::RouteConfig* route, const Services& services)>
      build;
  /// The top-level section it reads with its own reader (an empty key: none).
  config::RouteKeyReader section_key = {};
  /// A check across sections, run once the whole config is read (null: none).
  std::function<void(const config::Config&, config::ProblemList&)> check = nullptr;
};

/// The policies in stage order (SPEC §3): global ones first, then the route stages. Response
/// hooks run the list backwards, so the first (hygiene) has the last word on every response.
const std::vector<PolicyType>& registry();

/// The route keys of `types`, for config::LoadOptions.
std::vector<config::RouteKeyReader> route_keys(const std::vector<PolicyType>& types);
/// The same for the registry.
std::vector<config::RouteKeyReader> route_keys();
/// The top-level sections of the registry's policies, for config::LoadOptions.
std::vector<config::RouteKeyReader> section_keys();
/// LoadOptions with the registry's route keys and sections: how serve, check and the store
/// commands load a config.
config::LoadOptions load_options();

}  // namespace rampart::policies
