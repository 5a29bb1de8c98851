#include "policies/registry.hpp"

#include "policies/headers/config.hpp"
#include "policies/headers/headers_policy.hpp"
#include "policies/hygiene/hygiene_policy.hpp"
#include "policies/request_id/request_id_policy.hpp"

namespace rampart::policies {

using Scope = PolicyType::Scope;

const std::vector<PolicyType>& registry() {
  // SPEC §3's order. The route stages still to come go where their step is: cors, webhook,
  // auth, rate_limit, body before headers (each in src/policies/<name>/, one entry here).
  // headers comes last among the route stages: auth must see the client's Authorization, not
  // one a route sets for its upstream.
  static const std::vector<PolicyType> types = {
      {"hygiene",
       Scope::global,
       {},
       [](const config::Config& config, const config::RouteConfig*) -> std::unique_ptr<Policy> {
         return std::make_unique<HygienePolicy>(config.env == config::Env::production);
       }},
      {"request_id",
       Scope::global,
       {},
       [](const config::Config&, const config::RouteConfig*) -> std::unique_ptr<Policy> {
         return std::make_unique<RequestIdPolicy>();
       }},
      {"headers",
       Scope::route,
       {kHeadersKey, read_headers},
       [](const config::Config&, const config::RouteConfig* route) -> std::unique_ptr<Policy> {
         const auto* settings = route->setting(kHeadersKey);
         return settings ? std::make_unique<HeadersPolicy>(
                               static_cast<const HeadersSettings&>(*settings))
                         : nullptr;
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

}  // namespace rampart::policies
