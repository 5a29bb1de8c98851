#pragma once
// The request path built from one Config (SPEC §3), immutable and shared by every worker.
// Policies sit in fixed stages, not in config order: request id before routing, route
// policies after it, response hooks in reverse. A reload builds a new Pipeline.

#include <memory>
#include <vector>

#include "config/config.hpp"
#include "gateway/policy.hpp"
#include "gateway/router.hpp"

namespace rampart::gateway {

class Pipeline {
 public:
  explicit Pipeline(std::shared_ptr<const config::Config> config);

  const config::Config& config() const { return *config_; }
  const std::shared_ptr<const config::Config>& config_ptr() const { return config_; }
  const Router& router() const { return router_; }

  /// Stage 2 (before routing): runs on every request, built-in endpoints included.
  Verdict on_request_before_routing(Exchange& exchange) const;
  /// Stages 5-9 for the matched route.
  Verdict on_request_for_route(Exchange& exchange, std::size_t route_index) const;
  /// Every response hook, last stage first. Runs for proxied and for rampart's own answers.
  void on_response(Exchange& exchange) const;

 private:
  std::shared_ptr<const config::Config> config_;
  Router router_;
  std::vector<std::unique_ptr<Policy>> before_routing_;
  std::vector<std::vector<std::unique_ptr<Policy>>> per_route_;  ///< by route index
};

}  // namespace rampart::gateway
