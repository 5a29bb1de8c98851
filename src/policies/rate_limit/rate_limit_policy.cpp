#include "policies/rate_limit/rate_limit_policy.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <chrono>

namespace rampart::policies {

namespace {

/// Wall-clock time: instances sharing Redis compare their windows on the same clock.
std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::uint64_t* decision_counter(observe::WorkerMetrics& metrics, std::string_view backend) {
  const std::string_view labels[] = {backend};
  return &metrics.counter(kRateLimitDecisions, labels);
}

/// Appends "<name><n>\r\n": fmt's format string costs ~1,000 instructions for three lines.
void append_field(std::string& out, std::string_view name, std::uint64_t n) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
  out += name;
  out.append(digits, end);
  out += "\r\n";
}

}  // namespace

std::unique_ptr<PolicySlot> RateLimitPolicy::make_slot(net::WorkerContext& worker) const {
  auto slot = std::make_unique<RateLimitSlot>();
  slot->metrics = &worker.metrics;
  worker.metrics.declare(kRateLimitDecisions);
  slot->decided_local = decision_counter(worker.metrics, "local");
  if (redis_) {
    slot->decided_redis = decision_counter(worker.metrics, "redis");
    slot->decided_fallback = decision_counter(worker.metrics, "local_fallback");
    worker.metrics.declare(kRedisErrors);
    slot->redis = &redis_->router(worker.io);
    // Its reconnect and deadline timers would keep the worker's event loop alive at exit.
    worker.at_stop([redis = slot->redis] { redis->close(); });
  }
  return slot;
}

Verdict RateLimitPolicy::apply(http::Exchange& exchange, const std::vector<limits::Rate>& rates,
                               const limits::LimitDecision& decision) const {
  const auto& rate = rates[decision.tightest];
  auto& headers = exchange.limit_headers;
  headers.clear();
  append_field(headers, "RateLimit-Limit: ", rate.limit);
  append_field(headers, "RateLimit-Remaining: ", decision.window.remaining);
  append_field(headers, "RateLimit-Reset: ",
               static_cast<std::uint64_t>(std::max<std::int64_t>(0, decision.window.reset_s)));
  if (decision.allowed) {
    return Verdict::next;
  }
  exchange.rate_limited = true;
  const auto retry_after = std::max<std::int64_t>(1, decision.window.retry_after_s);
  fmt::format_to(std::back_inserter(exchange.reply.headers), "Retry-After: {}\r\n", retry_after);
  auto problem = http::Problem::of(http::ProblemCode::rate_limited,
                                   fmt::format("limit {} exceeded", rate.text));
  problem.retry_after = static_cast<std::uint32_t>(retry_after);
  return respond(exchange, std::move(problem));
}

Verdict RateLimitPolicy::decide_locally(http::Exchange& exchange, std::uint64_t& decisions) const {
  const auto& rates = policy_.rates_for(exchange.tier);
  ++decisions;
  return apply(exchange, rates, local_->take(key_, exchange.identity, rates, now_ms()));
}

Verdict RateLimitPolicy::on_request(http::Exchange& exchange, PolicySlot* slot_base) const {
  auto& slot = *static_cast<RateLimitSlot*>(slot_base);
  if (!slot.redis) {
    return decide_locally(exchange, *slot.decided_local);
  }
  if (!slot.redis->ready()) {
    redis_->note_fallback(slot.redis->seed());
    return decide_locally(exchange, *slot.decided_fallback);
  }
  return Verdict::pending;
}

bool RateLimitPolicy::start_wait(http::Exchange& exchange, PolicySlot* slot_base,
                                 net::PendingWait& wait) const {
  auto& slot = *static_cast<RateLimitSlot*>(slot_base);
  if (slot.idle_decisions.empty()) {
    slot.decisions.push_back(std::make_unique<RedisDecision>());
    slot.idle_decisions.push_back(slot.decisions.back().get());
  }
  RedisDecision& d = *slot.idle_decisions.back();
  slot.idle_decisions.pop_back();
  d.policy = this;
  d.slot = &slot;
  d.exchange = &exchange;
  d.wait = &wait;
  d.rates = &policy_.rates_for(exchange.tier);
  d.now_ms = now_ms();
  d.sent = std::chrono::steady_clock::now();
  d.followed_moved = false;
  limits::assign_redis_key(d.key, key_, exchange.identity);
  d.keys[0] = d.key;
  d.args.emplace(*d.rates, d.now_ms);
  d.done = &on_reply;
  wait.cancel = &on_deadline;
  wait.context = &d;
  d.conn = &slot.redis->pick(d.key);
  d.conn->send(d, limits::sliding_window_script(), d.keys, d.args->words());
  return true;
}

void RateLimitPolicy::on_reply(limits::RedisCall& call, const limits::RedisReply& reply) {
  auto& d = static_cast<RedisDecision&>(call);
  if (!d.followed_moved) {
    if (auto* node = d.slot->redis->moved(reply)) {
      // A Cluster node that no longer (or never) owned the slot: once more, where it lives.
      d.followed_moved = true;
      if (node->ready()) {
        d.conn = node;
        node->send(d, limits::sliding_window_script(), d.keys, d.args->words());
        return;
      }
      limits::RedisReply coming_up;  // its connection is coming up
      coming_up.kind = limits::RedisReplyKind::unavailable;
      on_reply(call, coming_up);
      return;
    }
  }
  auto& wait = *d.wait;
  wait.outcome = static_cast<std::uint8_t>(d.policy->decide(d, reply));
  d.slot->idle_decisions.push_back(&d);
  wait.resume();  // last: the request goes on from here
}

bool RateLimitPolicy::on_deadline(net::PendingWait& wait) {
  auto& d = *static_cast<RedisDecision*>(wait.context);
  if (!limits::RedisConnection::cancel(d)) {
    return false;  // its reply is in: on_reply resumes the request
  }
  // As a Redis timeout: decided locally and counted; the request goes on with it (SPEC §2: a
  // rate limit past the policy deadline decides locally, it is never a 503).
  limits::RedisReply cancelled;
  cancelled.kind = limits::RedisReplyKind::timeout;
  wait.outcome = static_cast<std::uint8_t>(d.policy->decide(d, cancelled));
  d.slot->idle_decisions.push_back(&d);
  return true;
}

Verdict RateLimitPolicy::decide(RedisDecision& d, const limits::RedisReply& reply) const {
  auto& slot = *d.slot;
  auto& exchange = *d.exchange;
  if (auto decision = limits::decision_from_reply(reply, *d.rates, d.now_ms)) {
    slot.metrics->redis_round_trip.observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - d.sent).count());
    ++*slot.decided_redis;
    return apply(exchange, *d.rates, *decision);
  }
  using Kind = limits::RedisReplyKind;
  const std::string_view kind[] = {reply.kind == Kind::timeout       ? "timeout"
                                   : reply.kind == Kind::unavailable ? "unavailable"
                                   : reply.kind == Kind::error       ? "error"
                                                                     : "bad_reply"};
  slot.metrics->add(kRedisErrors, kind);
  redis_->note_fallback(slot.redis->seed());
  return decide_locally(exchange, *slot.decided_fallback);
}

void RateLimitPolicy::on_response(http::Exchange& exchange, PolicySlot* /*slot*/) const {
  exchange.response_extra_headers += exchange.limit_headers;
}

}  // namespace rampart::policies
