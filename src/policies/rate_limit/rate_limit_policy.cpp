#include "policies/rate_limit/rate_limit_policy.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <chrono>
#include <cstring>

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

/// The three RateLimit lines, written into a buffer on the stack and appended once: fmt cost
/// ~1,000 instructions for them, nine appends ~600 (callgrind), this ~150.
void append_limit_lines(std::string& out, std::uint64_t limit, std::uint64_t remaining,
                        std::uint64_t reset) {
  char buffer[3 * (24 + 20 + 2)];
  char* at = buffer;
  const auto line = [&at](std::string_view name, std::uint64_t n) {
    std::memcpy(at, name.data(), name.size());
    at = std::to_chars(at + name.size(), at + name.size() + 20, n).ptr;
    *at++ = '\r';
    *at++ = '\n';
  };
  line("RateLimit-Limit: ", limit);
  line("RateLimit-Remaining: ", remaining);
  line("RateLimit-Reset: ", reset);
  out.append(buffer, static_cast<std::size_t>(at - buffer));
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
    slot->io = &worker.io;
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
  append_limit_lines(
      headers, rate.limit, decision.window.remaining,
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

RateLimitSlot::~RateLimitSlot() {
  *alive = false;
  for (auto& batch : batches) {
    if (batch->in_flight && !limits::RedisConnection::cancel(*batch)) {
      // Its done is on its way through the event loop: it must find the batch, which then
      // deletes itself (on_reply).
      batch->slot = nullptr;
      batch->members.clear();
      batch.release();  // NOLINT(bugprone-unused-return-value): owned by its done now
    }
  }
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
  d.exchange = &exchange;
  d.wait = &wait;
  wait.cancel = &on_deadline;
  wait.context = &d;
  const auto& rates = policy_.rates_for(exchange.tier);
  limits::assign_redis_key(slot.key, key_, exchange.identity);
  // This turn's batch for the same key (a client with many connections), when there is one.
  // Many distinct keys at once (a crowd, or a flood of identities) are not searched far.
  RedisBatch* batch = nullptr;
  for (std::size_t i = 0; i < std::min<std::size_t>(slot.gathering.size(), 16); ++i) {
    auto* b = slot.gathering[slot.gathering.size() - 1 - i];
    if (b->rates == &rates && b->members.size() < RedisBatch::kMaxDecisions && b->key == slot.key) {
      batch = b;
      break;
    }
  }
  if (batch == nullptr) {
    if (slot.idle_batches.empty()) {
      slot.batches.push_back(std::make_unique<RedisBatch>());
      slot.idle_batches.push_back(slot.batches.back().get());
    }
    batch = slot.idle_batches.back();
    slot.idle_batches.pop_back();
    batch->policy = this;
    batch->slot = &slot;
    batch->rates = &rates;
    batch->now_ms = now_ms();
    batch->followed_moved = false;
    batch->key.assign(slot.key);
    batch->keys[0] = batch->key;
    batch->members.clear();
    batch->done = &on_reply;
    slot.gathering.push_back(batch);
    // Sent once the turn's other ready connections have had their say: those of the same
    // client join it.
    net::asio::post(*slot.io, [batch, alive = slot.alive] {
      if (*alive) {
        send(*batch);
      }
    });
  }
  d.batch = batch;
  d.index = batch->members.size();
  batch->members.push_back(&d);
  return true;
}

void RateLimitPolicy::send(RedisBatch& batch) {
  auto& slot = *batch.slot;
  std::erase(slot.gathering, &batch);
  // Members taken back before the call was made are not counted in Redis.
  std::erase(batch.members, nullptr);
  for (std::size_t i = 0; i < batch.members.size(); ++i) {
    batch.members[i]->index = i;
  }
  if (batch.members.empty()) {
    slot.idle_batches.push_back(&batch);
    return;
  }
  batch.args.emplace(*batch.rates, batch.now_ms, batch.members.size());
  batch.sent = std::chrono::steady_clock::now();
  batch.in_flight = true;
  slot.redis->pick(batch.key).send(batch, limits::sliding_window_script(), batch.keys,
                                   batch.args->words());
}

void RateLimitPolicy::on_reply(limits::RedisCall& call, const limits::RedisReply& reply) {
  auto& b = static_cast<RedisBatch&>(call);
  b.in_flight = false;
  if (b.slot == nullptr) {
    delete &b;  // orphaned by its slot's end (~RateLimitSlot)
    return;
  }
  if (!b.followed_moved) {
    if (auto* node = b.slot->redis->moved(reply)) {
      // A Cluster node that no longer (or never) owned the slot: once more, where it lives.
      b.followed_moved = true;
      if (node->ready()) {
        b.in_flight = true;
        node->send(b, limits::sliding_window_script(), b.keys, b.args->words());
        return;
      }
      limits::RedisReply coming_up;  // its connection is coming up
      coming_up.kind = limits::RedisReplyKind::unavailable;
      on_reply(call, coming_up);
      return;
    }
  }
  auto& slot = *b.slot;
  for (std::size_t i = 0; i < b.members.size(); ++i) {
    RedisDecision* d = b.members[i];
    if (d == nullptr) {
      continue;  // taken back at its deadline, and decided then
    }
    auto& wait = *d->wait;
    wait.outcome = static_cast<std::uint8_t>(b.policy->decide(b, i, *d->exchange, reply));
    slot.idle_decisions.push_back(d);
    wait.resume();  // the request goes on from here; it may start another decision
  }
  b.members.clear();
  slot.idle_batches.push_back(&b);
}

bool RateLimitPolicy::on_deadline(net::PendingWait& wait) {
  auto& d = *static_cast<RedisDecision*>(wait.context);
  auto& b = *d.batch;
  b.members[d.index] = nullptr;  // its share of the reply, if one comes, is skipped
  // As a Redis timeout: decided locally and counted; the request goes on with it (SPEC §2: a
  // rate limit past the policy deadline decides locally, it is never a 503).
  limits::RedisReply cancelled;
  cancelled.kind = limits::RedisReplyKind::timeout;
  wait.outcome = static_cast<std::uint8_t>(b.policy->decide(b, d.index, *d.exchange, cancelled));
  b.slot->idle_decisions.push_back(&d);
  return true;
}

Verdict RateLimitPolicy::decide(RedisBatch& b, std::size_t index, http::Exchange& exchange,
                                const limits::RedisReply& reply) const {
  auto& slot = *b.slot;
  if (auto decision =
          limits::decision_from_reply(reply, *b.rates, b.now_ms, index, b.members.size())) {
    slot.metrics->redis_round_trip.observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - b.sent).count());
    ++*slot.decided_redis;
    return apply(exchange, *b.rates, *decision);
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
