#pragma once
// SPEC §3 step 8: each request of a limited route is counted per identity (API key > JWT sub >
// client IP, as the auth stage left it) against the route's policy — its client tier's rates
// when it has them — with the sliding-window counter. Over the limit: 429 rate_limited with
// Retry-After. Every response of the route carries RateLimit-Limit/-Remaining/-Reset for the
// tightest rate (draft-ietf-httpapi-ratelimit-headers), refused or not. With `redis:` the
// counts live in Redis (one script call per key and turn of the event loop, awaited on the
// worker's own connection); when Redis cannot answer in time the decision is made locally.

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
struct RedisBatch;

/// One request's Redis decision under way: the batch that carries it, and its place there.
struct RedisDecision {
  http::Exchange* exchange = nullptr;
  net::PendingWait* wait = nullptr;
  RedisBatch* batch = nullptr;
  std::size_t index = 0;
};

/// The decisions for one key gathered in one turn of a worker's event loop, made by one call
/// of the script (which decides them in turn, as that many calls would). Redis's cost is per
/// call: ~5 us of its CPU, against ~0.2 us per request decided within one. Kept in place
/// until its reply (or its absence) is in; reused.
struct RedisBatch final : limits::RedisCall {
  /// The most decisions one call makes: bounds the script's run and its reply.
  static constexpr std::size_t kMaxDecisions = 32;

  const RateLimitPolicy* policy = nullptr;
  RateLimitSlot* slot = nullptr;  ///< null once orphaned by its slot's end (deletes itself)
  const std::vector<limits::Rate>* rates = nullptr;
  std::int64_t now_ms = 0;
  std::chrono::steady_clock::time_point sent;
  bool in_flight = false;  ///< sent, its done not yet called
  bool followed_moved = false;
  std::string key;
  std::array<std::string_view, 1> keys;
  std::optional<limits::ScriptArgs> args;
  std::vector<RedisDecision*> members;  ///< null: taken back at its policy deadline
};

/// A worker's way to Redis, when there is one.
struct RateLimitSlot final : PolicySlot {
  ~RateLimitSlot() override;

  limits::RedisRouter* redis = nullptr;
  net::asio::io_context* io = nullptr;
  observe::WorkerMetrics* metrics = nullptr;
  /// rampart_rate_limit_decisions_total{backend}, counted on every request of the route.
  std::uint64_t* decided_local = nullptr;
  std::uint64_t* decided_redis = nullptr;
  std::uint64_t* decided_fallback = nullptr;
  /// Every RedisDecision and RedisBatch made on this worker, and those not under way: as many
  /// as requests waited at once, and no allocation per decision.
  std::vector<std::unique_ptr<RedisDecision>> decisions;
  std::vector<RedisDecision*> idle_decisions;
  std::vector<std::unique_ptr<RedisBatch>> batches;
  std::vector<RedisBatch*> idle_batches;
  std::vector<RedisBatch*> gathering;  ///< batches whose call is not sent yet (this turn's)
  std::string key;                     ///< scratch: a request's key, to find its batch
  /// False once the slot is gone: a batch's send, posted to the end of the turn, checks it.
  std::shared_ptr<bool> alive = std::make_shared<bool>(true);
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
  /// The script's reply (or why there is none) made the decision of member `index` of `batch`,
  /// with Redis's counts or locally.
  Verdict decide(RedisBatch& batch, std::size_t index, http::Exchange& exchange,
                 const limits::RedisReply& reply) const;
  /// At the end of the turn: the batch's call goes to Redis.
  static void send(RedisBatch& batch);
  /// RedisCall::done: follows a MOVED once, else decides each member and resumes its request.
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
