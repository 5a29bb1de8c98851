#pragma once
// SPEC §2 `concurrency:`: the last route stage before the proxy (a request refused by an
// earlier stage never takes a slot). A request that finds a free slot takes it with no wait;
// otherwise it queues (Verdict::pending, awaited on its worker's executor while the worker
// serves others) until a slot is handed to it or queue_timeout passes: 503 overloaded with
// Retry-After. The slot is an ExchangeHold: the connection drops it when the response is done,
// whichever way the request ends.

#include <memory>
#include <string>

#include "policies/concurrency/concurrency_limiter.hpp"
#include "policies/concurrency/config.hpp"
#include "policies/policy.hpp"

namespace rampart::policies {

inline constexpr std::string_view kOverloadedLabels[] = {"route"};
inline const observe::CounterFamily kOverloaded{
    "rampart_overloaded_total",
    "Requests refused by a route's concurrency limit (503 overloaded: queue full or "
    "queue_timeout), by route.",
    kOverloadedLabels};
inline const observe::CounterFamily kRouteInFlight{
    "rampart_route_in_flight",
    "Requests of a route with a concurrency limit that hold a slot now (this instance).",
    kOverloadedLabels, true};

class ConcurrencyPolicy final : public Policy {
 public:
  ConcurrencyPolicy(std::string route, const ConcurrencySettings& settings)
      : route_(std::move(route)),
        settings_(settings),
        limiter_(std::make_shared<ConcurrencyLimiter>(settings.max, settings.queue)) {}

  std::unique_ptr<PolicySlot> make_slot(net::WorkerContext& worker) const override;
  Verdict on_request(http::Exchange& exchange, PolicySlot* slot) const override;
  net::Task<Verdict> wait(http::Exchange& exchange, PolicySlot* slot) const override;
  const observe::CounterFamily* refusal_counter() const override { return &kOverloaded; }

  const ConcurrencyLimiter& limiter() const { return *limiter_; }

 private:
  Verdict overloaded(http::Exchange& exchange, std::string_view reason) const;

  std::string route_;
  ConcurrencySettings settings_;
  std::shared_ptr<ConcurrencyLimiter> limiter_;
};

}  // namespace rampart::policies
