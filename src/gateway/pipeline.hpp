#pragma once
// SPEC §3's request path as data: the stages built from one Config and the policy registry,
// run for every request in a fixed order, whatever the order of lines in the file. Immutable
// and shared by every worker; a reload builds a new one. The connection asks run() what to do
// and carries it out (net/request_handler.hpp).
//
//   global stages (request_id)          every request, built-in endpoints included
//   routing                             target checks, built-in endpoints, route match
//   route stages (headers; later cors, webhook, auth, rate_limit, body)
//   proxy                               the connection's part
//   response hooks                      the route stages backwards, then the global ones
//                                       backwards: hygiene has the last word

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "gateway/router.hpp"
#include "net/request_handler.hpp"
#include "observe/health_board.hpp"
#include "policies/registry.hpp"

namespace rampart::gateway {

class Pipeline final : public net::RequestHandler {
 public:
  Pipeline(std::shared_ptr<const config::Config> config,
           std::shared_ptr<observe::HealthBoard> health,
           const std::vector<policies::PolicyType>& types = policies::registry(),
           policies::Services services = {});

  const config::Config& config() const { return *config_; }
  const Router& router() const { return router_; }

  std::unique_ptr<net::HandlerState> make_state(net::WorkerContext& worker) const override;
  net::Step run(http::Exchange& exchange, net::HandlerState& state) const override;
  net::Task<void> wait(http::Exchange& exchange, net::HandlerState& state) const override;
  bool start_wait(http::Exchange& exchange, net::HandlerState& state,
                  net::PendingWait& wait) const override;
  void finish_wait(http::Exchange& exchange, net::HandlerState& state,
                   const net::PendingWait& wait) const override;
  void on_response(http::Exchange& exchange, net::HandlerState& state) const override;
  void identify(http::Exchange& exchange) const override;

  /// The stage names of a route's request hooks, in the order they run (for tests and docs).
  std::vector<std::string_view> route_stage_names(std::size_t route_index) const;

 private:
  struct Stage {
    std::string_view name;
    std::unique_ptr<policies::Policy> policy;
    std::size_t slot = 0;  ///< index of its per-worker slot
    bool wants_body = false;
  };
  /// One route's stages in registry order, and which of them have which hook.
  struct RouteStages {
    std::vector<Stage> stages;
    std::vector<std::uint16_t> request;   ///< stages with a request hook, in order
    std::vector<std::uint16_t> response;  ///< stages with a response hook, backwards
    std::size_t body_limit = 0;           ///< the smallest limit of a stage that reads the body
  };
  class State;

  Stage make_stage(const policies::PolicyType& type, std::unique_ptr<policies::Policy> policy);
  const Stage& pending_stage(const http::Exchange& exchange) const;
  /// The pending stage decided `verdict`: refused (counted, or let through under dry_run), or
  /// the next stage is due.
  void decided(http::Exchange& exchange, State& state, policies::Verdict verdict) const;
  /// Stage "routing": target checks, built-in endpoints, route match. True when it answered.
  bool route(http::Exchange& exchange, State& state) const;
  /// A route stage refused: counts it; under dry_run logs and lets the request through
  /// (false), else it is answered (true).
  bool refuse(http::Exchange& exchange, State& state, const Stage& stage) const;
  void begin(http::Exchange& exchange) const;

  std::shared_ptr<const config::Config> config_;
  std::shared_ptr<observe::HealthBoard> health_;
  policies::Services services_;
  Router router_;
  std::vector<Stage> global_;  ///< registry order
  std::vector<std::uint16_t> global_request_;
  std::vector<std::uint16_t> global_response_;  ///< backwards
  std::vector<RouteStages> routes_;             ///< by route index
  std::size_t slot_count_ = 0;
};

}  // namespace rampart::gateway
