#include "policies/rate_limit/config.hpp"

#include "config/names.hpp"
#include "limits/local_limiter.hpp"

namespace rampart::policies {

namespace {

/// A list of rates: at least one, at most kMaxRatesPerPolicy, each valid.
std::optional<std::vector<limits::Rate>> read_rates(const config::Field& field,
                                                    config::ProblemList& problems) {
  auto items = config::read_list(field, problems);
  if (!items) {
    return std::nullopt;
  }
  if (items->empty() || items->size() > limits::kMaxRatesPerPolicy) {
    problems.add(field.mark, field.path,
                 "must list 1 to 8 rates, e.g. [\"10/minute\", \"50/hour\"]");
    return std::nullopt;
  }
  std::vector<limits::Rate> rates;
  bool ok = true;
  for (const auto& item : *items) {
    auto text = config::read_string(item, problems);
    if (!text) {
      ok = false;
      continue;
    }
    std::string error;
    if (auto rate = limits::parse_rate(*text, error)) {
      rates.push_back(std::move(*rate));
    } else {
      problems.add(item.mark, item.path, error);
      ok = false;
    }
  }
  return ok ? std::optional(std::move(rates)) : std::nullopt;
}

std::optional<LimitPolicy> read_policy(const std::string& name, const config::Field& field,
                                       config::ProblemList& problems) {
  LimitPolicy policy;
  policy.name = name;
  if (field.node.IsSequence()) {
    auto rates = read_rates(field, problems);
    if (!rates) {
      return std::nullopt;
    }
    policy.rates = std::move(*rates);
    return policy;
  }
  config::MappingReader reader(field, problems, {"limits", "tiers"});
  if (!reader.is_mapping()) {
    return std::nullopt;
  }
  auto limits_field = reader.require(
      "limits", "needs limits, e.g. limits: [\"10/minute\"] (or write the list directly)");
  if (!limits_field) {
    return std::nullopt;
  }
  auto rates = read_rates(*limits_field, problems);
  if (!rates) {
    return std::nullopt;
  }
  policy.rates = std::move(*rates);
  if (auto tiers = reader.get("tiers")) {
    auto entries = config::read_entries(*tiers, problems);
    if (!entries) {
      return std::nullopt;
    }
    for (auto& [tier, tier_field] : *entries) {
      if (auto tier_rates = read_rates(tier_field, problems)) {
        policy.tiers.emplace_back(tier, std::move(*tier_rates));
      }
    }
  }
  return policy;
}

}  // namespace

const std::vector<limits::Rate>& LimitPolicy::rates_for(std::string_view tier) const {
  if (!tier.empty()) {
    for (const auto& [name, rates] : tiers) {
      if (name == tier) {
        return rates;
      }
    }
  }
  return rates;
}

const LimitPolicy* RateLimitsSettings::find(std::string_view name) const {
  for (const auto& policy : policies) {
    if (policy.name == name) {
      return &policy;
    }
  }
  return nullptr;
}

std::shared_ptr<const config::PolicySettings> read_rate_limits(const config::Field& field,
                                                               config::ProblemList& problems,
                                                               config::Env /*env*/) {
  auto entries = config::read_entries(field, problems);
  if (!entries) {
    return nullptr;
  }
  auto settings = std::make_shared<RateLimitsSettings>();
  for (auto& [name, policy_field] : *entries) {
    if (!config::is_valid_name(name)) {
      problems.add(policy_field.key_mark, policy_field.path, std::string(config::kNameRule));
      continue;
    }
    if (auto policy = read_policy(name, policy_field, problems)) {
      settings->policies.push_back(std::move(*policy));
    }
  }
  return settings;
}

std::shared_ptr<const config::PolicySettings> read_route_rate_limit(const config::Field& field,
                                                                    config::ProblemList& problems,
                                                                    config::Env /*env*/) {
  auto route = std::make_shared<RouteRateLimit>();
  route->mark = field.mark;
  route->path = field.path;
  if (field.node.IsScalar()) {
    auto name = config::read_string(field, problems);
    if (!name) {
      return nullptr;
    }
    route->policy_name = *name;
    return route;
  }
  if (!field.node.IsSequence()) {
    problems.add(field.mark, field.path,
                 "must name a policy of rate_limits, or list rates inline like [\"5/minute\"]");
    return nullptr;
  }
  auto rates = read_rates(field, problems);
  if (!rates) {
    return nullptr;
  }
  route->inline_policy.rates = std::move(*rates);
  return route;
}

std::shared_ptr<const config::PolicySettings> read_redis_section(const config::Field& field,
                                                                 config::ProblemList& problems,
                                                                 config::Env /*env*/) {
  auto text = config::read_string(field, problems);
  if (!text) {
    return nullptr;
  }
  std::string error;
  auto url = limits::parse_redis_url(*text, error);
  if (!url) {
    problems.add(field.mark, field.path, error);
    return nullptr;
  }
  auto settings = std::make_shared<RedisSettings>();
  settings->url = std::move(*url);
  return settings;
}

void check_rate_limit_references(const config::Config& config, config::ProblemList& problems) {
  const auto* section = config.section(kRateLimitsSection);
  const auto* named = section ? static_cast<const RateLimitsSettings*>(section) : nullptr;
  for (const auto& route : config.routes) {
    const auto* setting = route.setting(kRateLimitKey);
    if (!setting) {
      continue;
    }
    const auto& limit = static_cast<const RouteRateLimit&>(*setting);
    if (!limit.policy_name.empty() && !(named && named->find(limit.policy_name))) {
      problems.add(limit.mark, limit.path,
                   "\"" + limit.policy_name + "\" is not a policy of rate_limits" +
                       (named && !named->policies.empty()
                            ? " (defined: " + named->policies.front().name +
                                  (named->policies.size() > 1 ? ", ..." : "") + ")"
                            : " (there is no rate_limits section)"));
    }
  }
}

}  // namespace rampart::policies
