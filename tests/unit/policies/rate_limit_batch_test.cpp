// The Redis rate limit's batches: the decisions of one key made in one turn of a worker's event
// loop share one script call, and stay exact; a decision taken back at its deadline before the
// call is not counted in Redis; a slot that ends while its call is under way leaves nothing
// behind (the ASan build checks). Against a real redis-server (skipped, saying why, without).

#include <gtest/gtest.h>

#include <array>
#include <regex>

#include "../limits/redis_server.hpp"
#include "policies/rate_limit/rate_limit_policy.hpp"

namespace rampart::policies {
namespace {

using namespace limits::testing_support;
using namespace std::chrono_literals;

/// EVALSHA and EVAL calls the server has served (INFO commandstats).
std::uint64_t script_calls(const RedisServer& server) {
  const std::string info = server.command({{"INFO", "commandstats"}});
  std::uint64_t calls = 0;
  static const std::regex kCalls(R"(cmdstat_(evalsha|eval):calls=(\d+))");
  for (std::sregex_iterator it(info.begin(), info.end(), kCalls), end; it != end; ++it) {
    calls += std::stoull((*it)[2]);
  }
  return calls;
}

struct Harness {
  explicit Harness(int port) {
    std::string error;
    auto url = limits::parse_redis_url("redis://127.0.0.1:" + std::to_string(port), error);
    EXPECT_TRUE(url) << error;
    backend = std::make_shared<limits::RedisBackend>(*url);
    LimitPolicy limits{"batch", {limits::Rate{10, 60s, "10/minute"}}, {}};
    policy = std::make_unique<RateLimitPolicy>("batch", limits,
                                               std::make_shared<limits::LocalLimiter>(), backend);
    slot = policy->make_slot(worker);
    run_until(io, 3s, [&] { return backend->healthy(); });
  }
  ~Harness() {
    slot.reset();
    backend->stop();
    io.run_for(100ms);
  }

  /// Starts `n` decisions for one client in this turn; each resumes into `outcomes`.
  void start(std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      auto& e = exchanges[used];
      auto& w = waits[used];
      e.identity = "ip:192.0.2.7";
      ASSERT_EQ(policy->on_request(e, slot.get()), Verdict::pending);
      ASSERT_TRUE(policy->start_wait(e, slot.get(), w));
      w.async_resumed([this, &w] { outcomes.push_back(static_cast<Verdict>(w.outcome)); });
      ++used;
    }
  }

  net::asio::io_context io;
  observe::WorkerMetrics metrics;
  net::WorkerContext worker{io, metrics, [](std::function<void()> f) { f(); }};
  std::shared_ptr<limits::RedisBackend> backend;
  std::unique_ptr<RateLimitPolicy> policy;
  std::unique_ptr<PolicySlot> slot;
  std::array<http::Exchange, 32> exchanges;
  std::array<net::PendingWait, 32> waits;
  std::size_t used = 0;
  std::vector<Verdict> outcomes;
};

TEST(RateLimitRedisBatch, OneClientsRequestsInOneTurnShareOneScriptCallAndStayExact) {
  RAMPART_REDIS_SERVER_OR_SKIP(server, "");
  Harness h(server->port());
  ASSERT_TRUE(h.backend->healthy());
  h.start(1);  // loads the script
  ASSERT_TRUE(run_until(h.io, 3s, [&] { return h.outcomes.size() == 1; }));
  const auto before = script_calls(*server);
  h.start(14);
  ASSERT_TRUE(run_until(h.io, 3s, [&] { return h.outcomes.size() == 15; }));
  EXPECT_EQ(script_calls(*server) - before, 1U);
  // In order: 10 in the minute, the rest refused with their Retry-After.
  for (std::size_t i = 0; i < 15; ++i) {
    EXPECT_EQ(h.outcomes[i], i < 10 ? Verdict::next : Verdict::respond) << i;
  }
  EXPECT_EQ(h.exchanges[9].limit_headers.find("RateLimit-Remaining: 0\r\n") != std::string::npos,
            true)
      << h.exchanges[9].limit_headers;
  EXPECT_TRUE(h.exchanges[10].rate_limited);
}

TEST(RateLimitRedisBatch, ADecisionTakenBackBeforeTheCallIsNotCountedInRedis) {
  RAMPART_REDIS_SERVER_OR_SKIP(server, "");
  Harness h(server->port());
  ASSERT_TRUE(h.backend->healthy());
  h.start(10);
  // The deadline of the third passes before the turn ends: decided locally, at once.
  auto& third = h.waits[2];
  ASSERT_TRUE(third.cancel(third));
  EXPECT_EQ(static_cast<Verdict>(third.outcome), Verdict::next);
  ASSERT_TRUE(run_until(h.io, 3s, [&] { return h.outcomes.size() == 9; }));
  // Redis counted 9: one more of this client passes there, the next does not.
  h.start(2);
  ASSERT_TRUE(run_until(h.io, 3s, [&] { return h.outcomes.size() == 11; }));
  EXPECT_EQ(h.outcomes[9], Verdict::next);
  EXPECT_EQ(h.outcomes[10], Verdict::respond);
}

TEST(RateLimitRedisBatch, ASlotThatEndsWithItsCallUnderWayLeavesNothingBehind) {
  RAMPART_REDIS_SERVER_OR_SKIP(server, "");
  {
    Harness h(server->port());
    ASSERT_TRUE(h.backend->healthy());
    h.start(3);
    h.io.poll();  // the batch is sent, its reply not read
    for (std::size_t i = 0; i < 3; ++i) {
      h.waits[i].cancel(h.waits[i]);
    }
    h.slot.reset();
    h.io.run_for(200ms);  // the reply comes, for no one
  }
  {
    Harness h(server->port());
    ASSERT_TRUE(h.backend->healthy());
    h.start(3);  // its send is posted: the slot ends first
    for (std::size_t i = 0; i < 3; ++i) {
      h.waits[i].cancel(h.waits[i]);
    }
    h.slot.reset();
    h.io.run_for(100ms);
  }
}

}  // namespace
}  // namespace rampart::policies
