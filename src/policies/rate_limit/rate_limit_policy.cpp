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

net::Task<Verdict> RateLimitPolicy::wait(http::Exchange& exchange, PolicySlot* slot_base) const {
  auto& slot = *static_cast<RateLimitSlot*>(slot_base);
  const auto& rates = policy_.rates_for(exchange.tier);
  const auto now = now_ms();
  const std::string key = limits::redis_key(key_, exchange.identity);
  const std::array<std::string_view, 1> keys{key};
  const limits::ScriptArgs args(rates, now);
  const auto sent = std::chrono::steady_clock::now();
  const auto& script = limits::sliding_window_script();
  auto reply = co_await slot.redis->pick(key).eval(script, keys, args.words());
  if (auto* node = slot.redis->moved(reply)) {
    // A Cluster node that no longer (or never) owned the slot: once more, where it lives.
    if (node->ready()) {
      reply = co_await node->eval(script, keys, args.words());
    } else {
      reply.kind = limits::RedisReplyKind::unavailable;  // its connection is coming up
    }
  }
  if (auto decision = limits::decision_from_reply(reply, rates, now)) {
    slot.metrics->redis_round_trip.observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - sent).count());
    ++*slot.decided_redis;
    co_return apply(exchange, rates, *decision);
  }
  using Kind = limits::RedisReplyKind;
  const std::string_view kind[] = {reply.kind == Kind::timeout       ? "timeout"
                                   : reply.kind == Kind::unavailable ? "unavailable"
                                   : reply.kind == Kind::error       ? "error"
                                                                     : "bad_reply"};
  slot.metrics->add(kRedisErrors, kind);
  redis_->note_fallback(slot.redis->seed());
  co_return decide_locally(exchange, *slot.decided_fallback);
}

void RateLimitPolicy::on_response(http::Exchange& exchange, PolicySlot* /*slot*/) const {
  exchange.response_extra_headers += exchange.limit_headers;
}

}  // namespace rampart::policies
