// The Redis script against the local sliding window (sliding_window.cpp), decision by decision:
// the two must agree on every request, or instances sharing Redis would count differently
// from one alone. Runs against a real redis-server (skipped, saying why, without one).
#include "limits/redis_limiter.hpp"

#include <gtest/gtest.h>

#include <random>

#include "limits/sliding_window.hpp"
#include "redis_server.hpp"

namespace rampart::limits {
namespace {

using namespace testing_support;
using namespace std::chrono_literals;
namespace asio = net::asio;

Rate rate(std::uint64_t limit, std::chrono::seconds period) {
  return Rate{limit, period, std::to_string(limit) + "/" + std::to_string(period.count()) + "s"};
}

/// A connection to the test's server, ready (or as far as it got in 3 s).
std::unique_ptr<RedisConnection> connect(asio::io_context& io, int port) {
  std::string error;
  auto url = parse_redis_url("redis://127.0.0.1:" + std::to_string(port), error);
  EXPECT_TRUE(url) << error;
  auto conn = std::make_unique<RedisConnection>(io, url.value_or(RedisUrl{}), 1s, 2s);
  run_until(io, 3s, [&] { return conn->ready(); });
  return conn;
}

/// `count` decisions of one key through one call of the real script, as the policy makes a
/// batch of them.
std::vector<std::optional<LimitDecision>> decide_batch(asio::io_context& io, RedisConnection& c,
                                                       const std::string& key,
                                                       std::span<const Rate> rates,
                                                       std::int64_t now, std::size_t count) {
  std::optional<RedisReply> reply;
  asio::co_spawn(
      io,
      [&]() -> net::Task<void> {
        const std::array<std::string_view, 1> keys{key};
        const ScriptArgs args(rates, now, count);
        reply = co_await c.eval(sliding_window_script(), keys, args.words());
      },
      asio::detached);
  EXPECT_TRUE(run_until(io, 3s, [&] { return reply.has_value(); }));
  std::vector<std::optional<LimitDecision>> out;
  for (std::size_t i = 0; i < count; ++i) {
    out.push_back(reply ? decision_from_reply(*reply, rates, now, i, count) : std::nullopt);
  }
  return out;
}

/// One decision through the real script, as the policy makes it.
std::optional<LimitDecision> decide(asio::io_context& io, RedisConnection& c,
                                    const std::string& key, std::span<const Rate> rates,
                                    std::int64_t now) {
  return decide_batch(io, c, key, rates, now, 1)[0];
}

/// The local arithmetic for the same requests: every rate must allow, and only then is the
/// request counted in each.
struct LocalModel {
  std::vector<Window> windows;
  bool take(std::span<const Rate> rates, std::int64_t now) {
    windows.resize(rates.size());
    bool allowed = true;
    for (std::size_t i = 0; i < rates.size(); ++i) {
      advance(windows[i], rates[i], now);
      allowed = allowed && peek(windows[i], rates[i], now).allowed;
    }
    if (allowed) {
      for (auto& w : windows) {
        ++w.current;
      }
    }
    return allowed;
  }
};

TEST(RedisSlidingWindow, AgreesWithTheLocalTableOnEveryDecision) {
  RAMPART_REDIS_SERVER_OR_SKIP(server, "");
  asio::io_context io;
  auto conn = connect(io, server->port());
  ASSERT_TRUE(conn->ready()) << conn->last_error();
  RedisConnection& c = *conn;

  const std::vector<std::vector<Rate>> policies = {
      {rate(5, 1s)},
      {rate(10, 60s)},
      {rate(3, 2s), rate(7, 10s)},
      {rate(1, 1s), rate(2, 3s), rate(3, 5s), rate(4, 7s), rate(5, 11s), rate(6, 13s), rate(7, 17s),
       rate(8, 19s)},
  };
  std::mt19937_64 random(20261130);
  int decisions = 0;
  int refusals = 0;
  for (std::size_t p = 0; p < policies.size(); ++p) {
    const auto& rates = policies[p];
    LocalModel model;
    std::int64_t now = 1'700'000'000'000 + static_cast<std::int64_t>(p) * 7;
    const std::string key = redis_key("p" + std::to_string(p), "ip:192.0.2.1");
    for (int i = 0; i < 400; ++i) {
      // Bursts, steps inside a window, and gaps past one and two periods of the first rate.
      const std::int64_t period_ms = rates[0].period.count() * 1000;
      switch (random() % 6) {
        case 0:
          now += static_cast<std::int64_t>(random() % (2 * period_ms + 1));
          break;
        case 1:
          now += period_ms + static_cast<std::int64_t>(random() % 3) - 1;
          break;
        case 2:
          now += static_cast<std::int64_t>(random() % 50);
          break;
        default:
          break;  // the same millisecond
      }
      // One call decides 1 to 4 requests in turn, as the policy's batches of one key do.
      const std::size_t count = random() % 3 == 0 ? 1 + random() % 4 : 1;
      const auto got = decide_batch(io, c, key, rates, now, count);
      for (std::size_t j = 0; j < count; ++j) {
        const bool expected = model.take(rates, now);
        ASSERT_TRUE(got[j].has_value()) << "policy " << p << " request " << i << "." << j;
        ASSERT_EQ(got[j]->allowed, expected)
            << "policy " << p << " request " << i << "." << j << " of " << count << " at " << now;
        ++decisions;
        refusals += expected ? 0 : 1;
      }
    }
  }
  // Both kinds of answer were compared, many times.
  EXPECT_GT(refusals, 100);
  EXPECT_GT(decisions - refusals, 100);
  c.close();
}

TEST(RedisSlidingWindow, TheKeyExpiresTwoLongestPeriodsAfterItsWindowStarts) {
  RAMPART_REDIS_SERVER_OR_SKIP(server, "");
  asio::io_context io;
  auto conn = connect(io, server->port());
  ASSERT_TRUE(conn->ready()) << conn->last_error();
  RedisConnection& c = *conn;
  const std::vector<Rate> rates = {rate(5, 1s), rate(50, 30s)};
  const std::string key = redis_key("ttl", "key:abc");
  ASSERT_TRUE(decide(io, c, key, rates, 1'700'000'000'000).has_value());
  RedisReply pttl;
  bool done = false;
  const RedisScript ask = make_script("return redis.call('PTTL', KEYS[1])");
  asio::co_spawn(
      io,
      [&]() -> net::Task<void> {
        const std::array<std::string_view, 1> keys{key};
        pttl = co_await c.eval(ask, keys, {});
        done = true;
      },
      asio::detached);
  ASSERT_TRUE(run_until(io, 3s, [&] { return done; }));
  ASSERT_EQ(pttl.kind, RedisReplyKind::integer);
  EXPECT_GT(pttl.integer, 59'000);
  EXPECT_LE(pttl.integer, 60'000);
  c.close();
}

}  // namespace
}  // namespace rampart::limits
