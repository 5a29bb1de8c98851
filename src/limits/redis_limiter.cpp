#include "limits/redis_limiter.hpp"

#include <algorithm>
#include <charconv>

#include "observe/log.hpp"

namespace rampart::limits {

namespace {

// sliding_window.cpp's advance() and take(), in Lua: windows start at the identity's first
// request; floor(previous * (period - elapsed) / period) + current + 1 <= limit lets one in;
// all rates must agree, and only then is the request counted in each. Lua numbers are
// doubles: exact while limit * period_ms stays below 2^53 (a billion a day would not).
//
// The windows are one string of packed doubles (start, previous, current per rate) written
// with SET ... PX: two redis.call()s per decision. Each call costs Redis ~1.8 us of CPU, so
// the first layout (a hash read with HMGET, written with HSET and PEXPIRE, field names built
// per call) cost 9.8 us per decision against 6.4 us now (redis-benchmark, EVALSHA pipelined,
// 100,000 identities; a script that only returns costs 1.4 us).
//
// A script call may decide several requests of one identity at once (ARGV[3], the count: the
// rate limit gathers the decisions for one key made in one turn of a worker's event loop):
// each is decided in turn, at the same `now`, exactly as that many calls would; the windows
// are read and written once. Redis's cost is per call, not per request: a hot client's
// requests share it (docs/policies/rate_limit.md).
constexpr std::string_view kScript = R"lua(
local key = KEYS[1]
local now = tonumber(ARGV[1])
local n = tonumber(ARGV[2])
local count = tonumber(ARGV[3])
local unpack_, floor = struct.unpack, math.floor
-- A value of another shape (another rate count) starts the windows afresh.
local raw = redis.call('GET', key)
if raw and #raw ~= 24 * n then
  raw = nil
end
local s, p, c, limit, period = {}, {}, {}, {}, {}
local pos = 1
for i = 1, n do
  limit[i] = tonumber(ARGV[2 + 2 * i])
  period[i] = tonumber(ARGV[3 + 2 * i])
  s[i], p[i], c[i] = 0, 0, 0
  if raw then
    s[i], p[i], c[i], pos = unpack_('<ddd', raw, pos)
  end
end
local out = {}
local at = 0
for r = 1, count do
  local allowed = 1
  for i = 1, n do
    if s[i] == 0 or now >= s[i] + period[i] then
      if s[i] ~= 0 and now < s[i] + 2 * period[i] and c[i] > 0 then
        p[i] = c[i]
        s[i] = s[i] + period[i]
      else
        p[i] = 0
        s[i] = now
      end
      c[i] = 0
    end
    if floor(p[i] * (period[i] - (now - s[i])) / period[i]) + c[i] + 1 > limit[i] then
      allowed = 0
    end
  end
  out[at + 1] = allowed
  at = at + 1
  for i = 1, n do
    if allowed == 1 then
      c[i] = c[i] + 1
    end
    out[at + 1], out[at + 2], out[at + 3] = s[i], p[i], c[i]
    at = at + 3
  end
end
local packed = {}
local ttl = 1
for i = 1, n do
  packed[i] = struct.pack('<ddd', s[i], p[i], c[i])
  local left = s[i] + 2 * period[i] - now
  if left > ttl then
    ttl = left
  end
end
redis.call('SET', key, table.concat(packed), 'PX', ttl)
return out
)lua";

}  // namespace

const RedisScript& sliding_window_script() {
  static const RedisScript script = make_script(std::string(kScript));
  return script;
}

std::string redis_key(std::string_view policy, std::string_view identity) {
  std::string key;
  assign_redis_key(key, policy, identity);
  return key;
}

void assign_redis_key(std::string& key, std::string_view policy, std::string_view identity) {
  key.assign("rampart:rl2:{");
  key += policy;
  key += '|';  // a policy's name has no '|': the first one separates
  key += identity;
  key += '}';
}

ScriptArgs::ScriptArgs(std::span<const Rate> rates, std::int64_t now_ms, std::size_t count) {
  const std::size_t n = std::min(rates.size(), kMaxRatesPerPolicy);
  add(now_ms);
  add(static_cast<std::int64_t>(n));
  add(static_cast<std::int64_t>(count));
  for (std::size_t i = 0; i < n; ++i) {
    add(static_cast<std::int64_t>(rates[i].limit));
    add(rates[i].period.count() * 1000);
  }
}

void ScriptArgs::add(std::int64_t value) {
  char* text = text_[words_.size()];
  auto end = std::to_chars(text, text + sizeof text_[0], value).ptr;
  words_.emplace_back(text, static_cast<std::size_t>(end - text));
}

std::optional<LimitDecision> decision_from_reply(const RedisReply& reply,
                                                 std::span<const Rate> rates, std::int64_t now_ms,
                                                 std::size_t index, std::size_t count) {
  const std::size_t n = std::min(rates.size(), kMaxRatesPerPolicy);
  const std::size_t stride = 1 + 3 * n;
  if (reply.kind != RedisReplyKind::array || reply.elements.size() != count * stride ||
      index >= count) {
    return std::nullopt;
  }
  const auto mine = std::span(reply.elements).subspan(index * stride, stride);
  for (const auto& e : mine) {
    if (e.kind != RedisReplyKind::integer || e.integer < 0) {
      return std::nullopt;
    }
  }
  LimitDecision out;
  out.allowed = mine[0].integer == 1;
  for (std::size_t i = 0; i < n; ++i) {
    Window w;
    w.start_ms = mine[1 + 3 * i].integer;
    w.previous = static_cast<std::uint64_t>(mine[2 + 3 * i].integer);
    w.current = static_cast<std::uint64_t>(mine[3 + 3 * i].integer);
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

RedisRouter& RedisBackend::router(net::asio::io_context& io) {
  std::lock_guard lock(mutex_);
  for (auto& [owner, router] : routers_) {
    if (owner == &io) {
      return *router;
    }
  }
  auto& seed = add_connection(io, url_);
  routers_.emplace_back(&io, std::make_unique<RedisRouter>(*this, io, seed));
  return *routers_.back().second;
}

RedisConnection& RedisBackend::node(net::asio::io_context& io, const std::string& host,
                                    std::uint16_t port) {
  RedisUrl url = url_;
  url.host = host;
  url.port = port;
  url.db = 0;  // a Cluster has no other
  const bool v6 = host.find(':') != std::string::npos;
  url.display = "redis://" + std::string(url.password.empty() ? "" : ":***@") +
                (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
  std::lock_guard lock(mutex_);
  return add_connection(io, std::move(url));
}

RedisConnection& RedisBackend::add_connection(net::asio::io_context& io, RedisUrl url) {
  auto conn =
      std::make_unique<RedisConnection>(io, std::move(url), kConnectTimeout, kCommandTimeout);
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
  routers_.clear();  // they refer to connections_
  connections_.clear();
}

}  // namespace rampart::limits
