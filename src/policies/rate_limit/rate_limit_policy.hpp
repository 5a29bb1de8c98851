#pragma once
// SPEC §3 step 8: each request of a limited route is counted per identity (API key > JWT sub >
// client IP, as the auth stage left it) against the route's policy — its client tier's rates
// when it has them — with the sliding-window counter. Over the limit: 429 rate_limited with
// Retry-After. Every response of the route carries RateLimit-Limit/-Remaining/-Reset for the
// tightest rate (draft-ietf-httpapi-ratelimit-headers), refused or not.

#include <memory>
#include <string>

#include "limits/local_limiter.hpp"
#include "policies/policy.hpp"
#include "policies/rate_limit/config.hpp"

namespace rampart::policies {

inline constexpr std::string_view kRateLimitedLabels[] = {"route"};
inline const observe::CounterFamily kRateLimited{
    "rampart_rate_limited_total", "Requests refused by a rate limit (429), by route.",
    kRateLimitedLabels};

class RateLimitPolicy final : public Policy {
 public:
  /// `key` names the counters: the policy's name, or "route:<name>" for an inline list, so
  /// that routes sharing a named policy share its counts.
  RateLimitPolicy(std::string key, LimitPolicy policy, std::shared_ptr<limits::LocalLimiter> local)
      : key_(std::move(key)), policy_(std::move(policy)), local_(std::move(local)) {}

  bool has_response_hook() const override { return true; }
  Verdict on_request(http::Exchange& exchange, PolicySlot* slot) const override;
  void on_response(http::Exchange& exchange, PolicySlot* slot) const override;
  const observe::CounterFamily* refusal_counter() const override { return &kRateLimited; }

 private:
  std::string key_;
  LimitPolicy policy_;
  std::shared_ptr<limits::LocalLimiter> local_;
};

}  // namespace rampart::policies
