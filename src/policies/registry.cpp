#include "policies/registry.hpp"

#include "policies/auth/auth_policy.hpp"
#include "policies/auth/config.hpp"
#include "policies/body/body_policy.hpp"
#include "policies/body/config.hpp"
#include "policies/concurrency/concurrency_policy.hpp"
#include "policies/concurrency/config.hpp"
#include "policies/cors/config.hpp"
#include "policies/cors/cors_policy.hpp"
#include "policies/headers/config.hpp"
#include "policies/headers/headers_policy.hpp"
#include "policies/hygiene/hygiene_policy.hpp"
#include "policies/rate_limit/config.hpp"
#include "policies/rate_limit/rate_limit_policy.hpp"
#include "policies/redirects/redirect_policy.hpp"
#include "policies/request_id/request_id_policy.hpp"
#include "policies/webhook/config.hpp"
#include "policies/webhook/webhook_policy.hpp"

namespace rampart::policies {

using Scope = PolicyType::Scope;

const std::vector<PolicyType>& registry() {
  // SPEC §3's order (each in src/policies/<name>/, one entry
  // here). headers comes last among the route stages: auth must see the client's Authorization, not
  // one a route sets for its upstream.
  static const std::vector<PolicyType> types = {
      {"hygiene",
       Scope::global,
       {},
       [](const config::Config& config, const config::RouteConfig*,
          const Services&) -> std::unique_ptr<Policy> {
         return std::make_unique<HygienePolicy>(config.env == config::Env::production);
       }},
      {"request_id",
       Scope::global,
       {},
       [](const config::Config&, const config::RouteConfig*, const Services&)
           -> std::unique_ptr<Policy> { return std::make_unique<RequestIdPolicy>(); }},
      {"cors",
       Scope::route,
       {kCorsKey, read_cors},
       [](const config::Config& config, const config::RouteConfig* route,
          const Services&) -> std::unique_ptr<Policy> {
         // A route's own cors: replaces the global one whole; `cors: off` turns it off.
         const auto* own = route->setting(kCorsKey);
         const auto* settings = own ? own : config.section(kCorsKey);
         if (!settings || static_cast<const CorsSettings&>(*settings).off) {
           return nullptr;
         }
         return std::make_unique<CorsPolicy>(static_cast<const CorsSettings&>(*settings));
       },
       {kCorsKey, read_cors}},
      {"webhook",
       Scope::route,
       {kWebhookKey, read_webhook},
       [](const config::Config&, const config::RouteConfig* route,
          const Services& services) -> std::unique_ptr<Policy> {
         const auto* settings = route->setting(kWebhookKey);
         if (!settings) {
           return nullptr;
         }
         if (!services.replays) {
           throw std::logic_error("a webhook route needs the store's replay marks");
         }
         return std::make_unique<WebhookPolicy>(static_cast<const WebhookSettings&>(*settings),
                                                services.replays);
       }},
      {"auth",
       Scope::route,
       {},
       [](const config::Config& config, const config::RouteConfig* route,
          const Services& services) -> std::unique_ptr<Policy> {
         if (route->auth == config::AuthMode::none) {
           return nullptr;
         }
         if (!services.keys) {
           throw std::logic_error("a route with auth needs the store's keys (Services::keys)");
         }
         static const AuthSettings defaults;
         const auto* section = config.section(kAuthSection);
         const auto& settings = section ? static_cast<const AuthSettings&>(*section) : defaults;
         // Built per route: each route's slot caches the tokens it verified.
         auto jwt = settings.jwt_issuers.empty() ? nullptr
                                                 : std::make_shared<const jwt::TokenVerifier>(
                                                       settings.jwt_issuers, services.jwks.get());
         return std::make_unique<AuthPolicy>(route->auth, settings, services.keys, std::move(jwt));
       },
       {kAuthSection, read_auth_section}},
      {"rate_limit",
       Scope::route,
       {kRateLimitKey, read_route_rate_limit},
       [](const config::Config& config, const config::RouteConfig* route,
          const Services& services) -> std::unique_ptr<Policy> {
         const auto* setting = route->setting(kRateLimitKey);
         if (!setting) {
           return nullptr;
         }
         if (!services.limiter) {
           throw std::logic_error("a route with rate_limit needs Services::limiter");
         }
         const auto& limit = static_cast<const RouteRateLimit&>(*setting);
         if (limit.policy_name.empty()) {
           return std::make_unique<RateLimitPolicy>("route:" + route->name, limit.inline_policy,
                                                    services.limiter, services.redis);
         }
         const auto& named =
             static_cast<const RateLimitsSettings&>(*config.section(kRateLimitsSection));
         return std::make_unique<RateLimitPolicy>(limit.policy_name, *named.find(limit.policy_name),
                                                  services.limiter, services.redis);
       },
       {kRateLimitsSection, read_rate_limits},
       check_rate_limit_references},
      {"body",
       Scope::route,
       {kBodyKey, read_body},
       [](const config::Config&, const config::RouteConfig* route,
          const Services&) -> std::unique_ptr<Policy> {
         const auto* settings = route->setting(kBodyKey);
         return settings ? std::make_unique<BodyPolicy>(static_cast<const BodySettings&>(*settings))
                         : nullptr;
       }},
      // Last before the proxy: a request another stage refuses never takes a slot.
      {"concurrency",
       Scope::route,
       {kConcurrencyKey, read_concurrency},
       [](const config::Config&, const config::RouteConfig* route,
          const Services&) -> std::unique_ptr<Policy> {
         const auto* settings = route->setting(kConcurrencyKey);
         return settings ? std::make_unique<ConcurrencyPolicy>(
                               route->name, static_cast<const ConcurrencySettings&>(*settings))
                         : nullptr;
       }},
      {"headers",
       Scope::route,
       {kHeadersKey, read_headers},
       [](const config::Config&, const config::RouteConfig* route,
          const Services&) -> std::unique_ptr<Policy> {
         const auto* settings = route->setting(kHeadersKey);
         return settings ? std::make_unique<HeadersPolicy>(
                               static_cast<const HeadersSettings&>(*settings))
                         : nullptr;
       }},
      // After headers: response hooks run backwards, so this one sees the upstream's fields
      // before a route's response_add (a Location it sets stays as written).
      {"redirects",
       Scope::route,
       {},
       [](const config::Config& config, const config::RouteConfig* route,
          const Services&) -> std::unique_ptr<Policy> {
         if (!route->rewrite_redirects) {
           return nullptr;
         }
         return std::make_unique<RedirectPolicy>(*route, config.upstreams[route->upstream_index]);
       }},
  };
  return types;
}

std::vector<config::RouteKeyReader> route_keys(const std::vector<PolicyType>& types) {
  std::vector<config::RouteKeyReader> keys;
  for (const auto& type : types) {
    if (!type.route_key.key.empty()) {
      keys.push_back(type.route_key);
    }
  }
  return keys;
}

std::vector<config::RouteKeyReader> route_keys() { return route_keys(registry()); }

std::vector<config::RouteKeyReader> section_keys() {
  // `redis:` belongs to no one stage: rate limits use it today, others may later.
  std::vector<config::RouteKeyReader> keys{{kRedisSection, read_redis_section}};
  for (const auto& type : registry()) {
    if (!type.section_key.key.empty()) {
      keys.push_back(type.section_key);
    }
  }
  return keys;
}

config::LoadOptions load_options() {
  config::LoadOptions options;
  options.route_keys = route_keys();
  options.section_keys = section_keys();
  for (const auto& type : registry()) {
    if (type.check) {
      options.checks.push_back(type.check);
    }
  }
  return options;
}

}  // namespace rampart::policies
