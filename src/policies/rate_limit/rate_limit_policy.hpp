#pragma once
// SPEC §3 step 8: each request of a limited route is counted per identity (API key > JWT sub >
// client IP, as the auth stage left it) against the route's policy — its client tier's rates
// when it has them — with the sliding-window counter. Over the limit: 429 rate_limited with
// Retry-After. Every response of the route carries RateLimit-Limit/-Remaining/-Reset for the
// tightest rate (draft-ietf-httpapi-ratelimit-headers), refused or not. With `redis:` the
// counts live in Redis (one script per decision, awaited on the worker's own connection);
// when Redis cannot answer in time the decision is made locally at once.

#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "limits/local_limiter.hpp"
#include "limits/redis_limiter.hpp"
#include "policies/policy.hpp"
#include "policies/rate_limit/config.hpp"

namespace rampart::policies {

inline constexpr std::string_view kRateLimitedLabels[] = {"route"};
inline const observe::CounterFamily kRateLimited{
    "rampart_rate_limited_total", "Requests refused by a rate limit (429), by route.",
    kRateLimitedLabels};
inline constexpr std::string_view kDecisionLabels[] = {"backend"};
inline const observe::CounterFamily kRateLimitDecisions{
    "rampart_rate_limit_decisions_total",
    "Rate-limit decisions by where they were made: local (no redis configured), redis, or "
    "local_fallback (redis configured but not answering in time).",
    kDecisionLabels};

inline constexpr std::string_view kRedisErrorLabels[] = {"kind"};
inline const observe::CounterFamily kRedisErrors{
    "rampart_redis_errors_total",
    "Rate-limit decisions Redis did not answer usefully, by kind (timeout, unavailable, error, "
    "bad_reply); each was decided locally.",
    kRedisErrorLabels};

class RateLimitPolicy;
struct RateLimitSlot;

/// One Redis decision under way: its call and what the call points into, kept in place until
/// the reply (or its absence) is in. Reused: a worker keeps those it made in its slot.
struct RedisDecision final : limits::RedisCall {
  const RateLimitPolicy* policy = nullptr;
  RateLimitSlot* slot = nullptr;
  http::Exchange* exchange = nullptr;
  net::PendingWait* wait = nullptr;
  limits::RedisConnection* conn = nullptr;  ///< where the call was sent
  const std::vector<limits::Rate>* rates = nullptr;
  std::int64_t now_ms = 0;
  std::chrono::steady_clock::time_point sent;
  bool followed_moved = false;
  std::string key;
  std::array<std::string_view, 1> keys;
  std::optional<limits::ScriptArgs> args;
};

/// A worker's way to Redis, when there is one.
struct RateLimitSlot final : PolicySlot {
  limits::RedisRouter* redis = nullptr;
  observe::WorkerMetrics* metrics = nullptr;
  /// rampart_rate_limit_decisions_total{backend}, counted on every request of the route.
  std::uint64_t* decided_local = nullptr;
  std::uint64_t* decided_redis = nullptr;
  std::uint64_t* decided_fallback = nullptr;
  /// Every RedisDecision made on this worker, and those not under way: as many as requests
  /// waited at once, and no allocation per decision.
  std::vector<std::unique_ptr<RedisDecision>> decisions;
  std::vector<RedisDecision*> idle_decisions;
};

class RateLimitPolicy final : public Policy {
 public:
  /// `key` names the counters: the policy's name, or "route:<name>" for an inline list, so
  /// that routes sharing a named policy share its counts. `redis` may be null.
  RateLimitPolicy(std::string key, LimitPolicy policy, std::shared_ptr<limits::LocalLimiter> local,
                  std::shared_ptr<limits::RedisBackend> redis)
      : key_(std::move(key)),
        policy_(std::move(policy)),
        local_(std::move(local)),
        redis_(std::move(redis)) {}

  bool has_response_hook() const override { return true; }
  std::unique_ptr<PolicySlot> make_slot(net::WorkerContext& worker) const override;
  Verdict on_request(http::Exchange& exchange, PolicySlot* slot) const override;
  bool start_wait(http::Exchange& exchange, PolicySlot* slot,
                  net::PendingWait& wait) const override;
  void on_response(http::Exchange& exchange, PolicySlot* slot) const override;
  const observe::CounterFamily* refusal_counter() const override { return &kRateLimited; }

 private:
  /// The local table decides; `decisions` is the backend's decision counter.
  Verdict decide_locally(http::Exchange& exchange, std::uint64_t& decisions) const;
  /// The script's reply (or why there is none) made a decision, with Redis's or locally.
  Verdict decide(RedisDecision& d, const limits::RedisReply& reply) const;
  /// RedisCall::done: follows a MOVED once, else decides and resumes the request.
  static void on_reply(limits::RedisCall& call, const limits::RedisReply& reply);
  /// PendingWait::cancel, at the policy deadline: decides locally, as a Redis timeout.
  static bool on_deadline(net::PendingWait& wait);
  /// Headers, and the 429 when refused.
  Verdict apply(http::Exchange& exchange, const std::vector<limits::Rate>& rates,
                const limits::LimitDecision& decision) const;

  std::string key_;
  LimitPolicy policy_;
  std::shared_ptr<limits::LocalLimiter> local_;
  std::shared_ptr<limits::RedisBackend> redis_;
};

}  // namespace rampart::policies
