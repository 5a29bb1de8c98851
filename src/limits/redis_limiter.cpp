#include "limits/redis_limiter.hpp"

#include <algorithm>

#include "observe/log.hpp"

namespace rampart::limits {

namespace {

// sliding_window.cpp's advance() and take(), in Lua: windows start at the identity's first
// request; floor(previous * (period - elapsed) / period) + current + 1 <= limit lets one in;
// all rates must agree, and only then is the request counted in each. Lua numbers are
// doubles: exact while limit * period_ms stays below 2^53 (a billion a day would not).
constexpr std::string_view kScript = R"lua(
local key = KEYS[1]
local now = tonumber(ARGV[1])
local n = tonumber(ARGV[2])
local fields = {}
for i = 1, n do
  fields[#fields + 1] = 's' .. i
  fields[#fields + 1] = 'p' .. i
  fields[#fields + 1] = 'c' .. i
end
local stored = redis.call('HMGET', key, unpack(fields))
local start, prev, cur, limit, period = {}, {}, {}, {}, {}
local allowed = 1
local ttl = 0
for i = 1, n do
  limit[i] = tonumber(ARGV[1 + 2 * i])
  period[i] = tonumber(ARGV[2 + 2 * i])
  local s = tonumber(stored[3 * i - 2]) or 0
  local p = tonumber(stored[3 * i - 1]) or 0
  local c = tonumber(stored[3 * i]) or 0
  if s == 0 or now >= s + period[i] then
    if s ~= 0 and now < s + 2 * period[i] and c > 0 then
      p = c
      s = s + period[i]
    else
      p = 0
      s = now
    end
    c = 0
  end
  start[i], prev[i], cur[i] = s, p, c
  local used = math.floor(p * (period[i] - (now - s)) / period[i]) + c
  if used + 1 > limit[i] then
    allowed = 0
  end
end
local out = {allowed}
local values = {}
for i = 1, n do
  if allowed == 1 then
    cur[i] = cur[i] + 1
  end
  values[#values + 1] = 's' .. i
  values[#values + 1] = start[i]
  values[#values + 1] = 'p' .. i
  values[#values + 1] = prev[i]
  values[#values + 1] = 'c' .. i
  values[#values + 1] = cur[i]
  out[#out + 1] = start[i]
  out[#out + 1] = prev[i]
  out[#out + 1] = cur[i]
  ttl = math.max(ttl, start[i] + 2 * period[i] - now)
end
redis.call('HSET', key, unpack(values))
redis.call('PEXPIRE', key, math.max(ttl, 1))
return out
)lua";

}  // namespace

const RedisScript& sliding_window_script() {
  static const RedisScript script = make_script(std::string(kScript));
  return script;
}

std::string redis_key(std::string_view policy, std::string_view identity) {
  std::string key = "rampart:rl:{";
  key += policy;
  key += '|';  // a policy's name has no '|': the first one separates
  key += identity;
  key += '}';
  return key;
}

std::vector<std::string> script_args(std::span<const Rate> rates, std::int64_t now_ms) {
  const std::size_t n = std::min(rates.size(), kMaxRatesPerPolicy);
  std::vector<std::string> args;
  args.reserve(2 + 2 * n);
  args.push_back(std::to_string(now_ms));
  args.push_back(std::to_string(n));
  for (std::size_t i = 0; i < n; ++i) {
    args.push_back(std::to_string(rates[i].limit));
    args.push_back(std::to_string(rates[i].period.count() * 1000));
  }
  return args;
}

std::optional<LimitDecision> decision_from_reply(const RedisReply& reply,
                                                 std::span<const Rate> rates, std::int64_t now_ms) {
  const std::size_t n = std::min(rates.size(), kMaxRatesPerPolicy);
  if (reply.kind != RedisReplyKind::array || reply.elements.size() != 1 + 3 * n) {
    return std::nullopt;
  }
  for (const auto& e : reply.elements) {
    if (e.kind != RedisReplyKind::integer || e.integer < 0) {
      return std::nullopt;
    }
  }
  LimitDecision out;
  out.allowed = reply.elements[0].integer == 1;
  for (std::size_t i = 0; i < n; ++i) {
    Window w;
    w.start_ms = reply.elements[1 + 3 * i].integer;
    w.previous = static_cast<std::uint64_t>(reply.elements[2 + 3 * i].integer);
    w.current = static_cast<std::uint64_t>(reply.elements[3 + 3 * i].integer);
    if (w.start_ms > now_ms) {
      w.start_ms = now_ms;  // another instance's clock ahead of ours: never a negative elapsed
    }
    // After the script: an allowed request is already counted, so peek() says what remains.
    auto d = peek(w, rates[i], std::max(now_ms, w.start_ms));
    if (!out.allowed && d.allowed) {
      d.retry_after_s = 0;  // this rate was not the one refusing
    }
    const auto& best = out.window;
    const bool tighter = out.allowed ? d.remaining < best.remaining
                                     : (!d.allowed && (best.allowed || best.retry_after_s == 0 ||
                                                       d.retry_after_s > best.retry_after_s));
    if (i == 0 || tighter) {
      out.tightest = i;
      out.window = d;
    }
  }
  return out;
}

RedisBackend::RedisBackend(RedisUrl url) : url_(std::move(url)) {}

RedisBackend::~RedisBackend() { stop(); }

RedisConnection& RedisBackend::connection(net::asio::io_context& io) {
  std::lock_guard lock(mutex_);
  for (auto& [owner, conn] : connections_) {
    if (owner == &io) {
      return *conn;
    }
  }
  auto conn = std::make_unique<RedisConnection>(io, url_, kConnectTimeout, kCommandTimeout);
  conn->on_state_change = [this](bool up) { state_changed(up); };
  down_.fetch_add(1);
  connections_.emplace_back(&io, std::move(conn));
  return *connections_.back().second;
}

bool RedisBackend::healthy() const {
  std::lock_guard lock(mutex_);
  return !connections_.empty() && down_.load() == 0;
}

void RedisBackend::state_changed(bool up) {
  down_.fetch_add(up ? -1 : 1);
  const bool healthy = down_.load() == 0;
  bool expected = !healthy;
  // One line per change of the whole backend's state, not one per worker.
  if (logged_healthy_.compare_exchange_strong(expected, healthy)) {
    observe::EventLog::write(healthy ? config::LogLevel::info : config::LogLevel::warn,
                             "redis_health", [&](http::JsonWriter& j) {
                               j.field("redis", url_.display);
                               j.key("healthy");
                               j.raw(healthy ? "true" : "false");
                               if (!healthy) {
                                 j.field("effect", "rate limits decided by each instance alone");
                               }
                             });
  }
}

void RedisBackend::note_fallback(const RedisConnection& conn) {
  bool expected = true;
  if (conn.failures() > 0 && logged_healthy_.compare_exchange_strong(expected, false)) {
    observe::EventLog::write(config::LogLevel::warn, "redis_health", [&](http::JsonWriter& j) {
      j.field("redis", url_.display);
      j.key("healthy");
      j.raw("false");
      j.field("error", conn.last_error());
      j.field("effect", "rate limits decided by each instance alone");
    });
  }
}

void RedisBackend::stop() {
  std::lock_guard lock(mutex_);
  for (auto& [owner, conn] : connections_) {
    conn->on_state_change = nullptr;
    conn->close();
  }
  connections_.clear();
}

}  // namespace rampart::limits
