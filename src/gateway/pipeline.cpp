#include "gateway/pipeline.hpp"

#include "policies/hygiene/hygiene_policy.hpp"
#include "policies/request_id/request_id_policy.hpp"

namespace rampart::gateway {

Pipeline::Pipeline(std::shared_ptr<const config::Config> config)
    : config_(std::move(config)), router_(config_->routes) {
  // The one explicit list of stages. Later stages (cors, webhook, auth, rate_limit, body)
  // are added per route below as they are built.
  before_routing_.push_back(std::make_unique<policies::RequestIdPolicy>());
  before_routing_.push_back(
      std::make_unique<policies::HygienePolicy>(config_->env == config::Env::production));
  per_route_.resize(config_->routes.size());
}

Verdict Pipeline::on_request_before_routing(Exchange& exchange) const {
  for (const auto& policy : before_routing_) {
    auto verdict = policy->on_request(exchange);
    if (!verdict.is_next()) {
      return verdict;
    }
  }
  return Verdict::next();
}

Verdict Pipeline::on_request_for_route(Exchange& exchange, std::size_t route_index) const {
  for (const auto& policy : per_route_[route_index]) {
    auto verdict = policy->on_request(exchange);
    if (!verdict.is_next()) {
      return verdict;
    }
  }
  return Verdict::next();
}

void Pipeline::on_response(Exchange& exchange) const {
  if (exchange.route != nullptr) {
    auto index = static_cast<std::size_t>(exchange.route - config_->routes.data());
    const auto& route_policies = per_route_[index];
    for (auto it = route_policies.rbegin(); it != route_policies.rend(); ++it) {
      (*it)->on_response(exchange);
    }
  }
  for (auto it = before_routing_.rbegin(); it != before_routing_.rend(); ++it) {
    (*it)->on_response(exchange);
  }
}

}  // namespace rampart::gateway
