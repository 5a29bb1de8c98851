#pragma once
// `rate_limits:` (named policies) and a route's `rate_limit:` (SPEC §2): a policy is a list of
// rates ("10/minute", "50/hour") with optional `tiers:` overrides; a route names one or lists
// rates inline. A route naming a policy the section lacks is a load error.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/policy_settings.hpp"
#include "limits/rate.hpp"
#include "limits/redis_url.hpp"

namespace rampart::policies {

inline constexpr std::string_view kRateLimitsSection = "rate_limits";
inline constexpr std::string_view kRateLimitKey = "rate_limit";
inline constexpr std::string_view kRedisSection = "redis";

/// `redis:` as read: where rate-limit counts are shared.
struct RedisSettings final : config::PolicySettings {
  limits::RedisUrl url;
};
std::shared_ptr<const config::PolicySettings> read_redis_section(const config::Field& field,
                                                                 config::ProblemList& problems,
                                                                 config::Env env);

/// One policy: its rates, and the rates of each tier that has its own.
struct LimitPolicy {
  std::string name;
  std::vector<limits::Rate> rates;
  std::vector<std::pair<std::string, std::vector<limits::Rate>>> tiers;

  /// The rates for a client of `tier` (its own when the policy has them, else the default).
  const std::vector<limits::Rate>& rates_for(std::string_view tier) const;
};

/// `rate_limits:` as read.
struct RateLimitsSettings final : config::PolicySettings {
  std::vector<LimitPolicy> policies;
  const LimitPolicy* find(std::string_view name) const;
};

/// A route's `rate_limit:`: a policy's name, or an inline policy.
struct RouteRateLimit final : config::PolicySettings {
  std::string policy_name;  ///< empty for an inline list
  LimitPolicy inline_policy;
  YAML::Mark mark;  ///< where the name is written, for a reference to an unknown policy
  std::string path;
};

std::shared_ptr<const config::PolicySettings> read_rate_limits(const config::Field& field,
                                                               config::ProblemList& problems,
                                                               config::Env env);
std::shared_ptr<const config::PolicySettings> read_route_rate_limit(const config::Field& field,
                                                                    config::ProblemList& problems,
                                                                    config::Env env);
/// Every route's named policy exists.
void check_rate_limit_references(const config::Config& config, config::ProblemList& problems);

}  // namespace rampart::policies
