// concurrency: the queue is FIFO, a slot is handed over on release, queue_timeout and a full
// queue answer 503 overloaded with Retry-After, and every way a request ends gives its slot or
// its place in the queue back.

#include "policies/concurrency/concurrency_policy.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

namespace rampart::policies {
namespace {

namespace asio = boost::asio;

struct Harness {
  explicit Harness(std::size_t max, std::size_t queue, config::Duration timeout) {
    ConcurrencySettings settings;
    settings.max = max;
    settings.queue = queue;
    settings.queue_timeout = timeout;
    policy = std::make_unique<ConcurrencyPolicy>("profiles", settings);
    slot = policy->make_slot(worker);
  }

  Verdict request(http::Exchange& exchange) { return policy->on_request(exchange, slot.get()); }

  /// Awaits the pending exchange's wait() on the io_context; `done` gets its verdict.
  void wait(http::Exchange& exchange, std::vector<std::pair<int, Verdict>>& done, int id) {
    asio::co_spawn(
        io.get_executor(),
        [this, &exchange, &done, id]() -> net::Task<void> {
          done.emplace_back(id, co_await policy->wait(exchange, slot.get()));
        },
        asio::detached);
  }

  asio::io_context io;
  observe::WorkerMetrics metrics;
  net::WorkerContext worker{io, metrics, [](std::function<void()> f) { f(); }};
  std::unique_ptr<ConcurrencyPolicy> policy;
  std::unique_ptr<PolicySlot> slot;
};

TEST(ConcurrencyPolicy, QueueIsFifoAndFullQueueIsRefused) {
  Harness h(1, 2, std::chrono::seconds(5));
  http::Exchange a, b, c, d;
  EXPECT_EQ(h.request(a), Verdict::next);
  EXPECT_EQ(h.request(b), Verdict::pending);
  EXPECT_EQ(h.request(c), Verdict::pending);
  EXPECT_EQ(h.request(d), Verdict::respond);
  ASSERT_TRUE(d.problem);
  EXPECT_EQ(d.problem->code, http::ProblemCode::overloaded);
  EXPECT_EQ(d.problem->reason, "queue_full");
  EXPECT_EQ(d.reply.headers, "Retry-After: 5\r\n");

  std::vector<std::pair<int, Verdict>> done;
  h.wait(c, done, 3);  // c's wait starts first: the order is the queue's, not the waits'
  h.wait(b, done, 2);
  h.io.poll();
  EXPECT_TRUE(done.empty());
  EXPECT_EQ(h.policy->limiter().waiting(), 2u);

  a.hold.reset();  // a's response is done: the slot goes to b
  h.io.poll();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0], std::make_pair(2, Verdict::next));
  EXPECT_EQ(h.policy->limiter().in_flight(), 1u);

  b.hold.reset();
  h.io.poll();
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(done[1], std::make_pair(3, Verdict::next));
  c.hold.reset();
  EXPECT_EQ(h.policy->limiter().in_flight(), 0u);
  EXPECT_EQ(h.policy->limiter().waiting(), 0u);
}

TEST(ConcurrencyPolicy, QueueTimeoutIsOverloaded) {
  Harness h(1, 1, std::chrono::milliseconds(50));
  http::Exchange a, b;
  EXPECT_EQ(h.request(a), Verdict::next);
  EXPECT_EQ(h.request(b), Verdict::pending);
  std::vector<std::pair<int, Verdict>> done;
  const auto start = std::chrono::steady_clock::now();
  h.wait(b, done, 2);
  h.io.run();
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(50));
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].second, Verdict::respond);
  EXPECT_EQ(b.problem->reason, "queue_timeout");
  EXPECT_EQ(b.reply.headers, "Retry-After: 1\r\n");
  b.hold.reset();
  EXPECT_EQ(h.policy->limiter().waiting(), 0u);
  EXPECT_EQ(h.policy->limiter().in_flight(), 1u);  // a's, still
  a.hold.reset();
  EXPECT_EQ(h.policy->limiter().in_flight(), 0u);
}

TEST(ConcurrencyPolicy, NoQueueRefusesAtOnce) {
  Harness h(2, 0, std::chrono::seconds(1));
  http::Exchange a, b, c;
  EXPECT_EQ(h.request(a), Verdict::next);
  EXPECT_EQ(h.request(b), Verdict::next);
  EXPECT_EQ(h.request(c), Verdict::respond);
  a.clear();  // the connection's next request: clear() drops the hold too
  EXPECT_EQ(h.request(c), Verdict::next);
}

TEST(ConcurrencyPolicy, EveryExitGivesTheSlotBack) {
  Harness h(1, 3, std::chrono::seconds(5));
  http::Exchange a, b, c;
  EXPECT_EQ(h.request(a), Verdict::next);
  EXPECT_EQ(h.request(b), Verdict::pending);
  EXPECT_EQ(h.request(c), Verdict::pending);
  // b's client goes away while it waits: its place in the queue goes, nothing is released.
  b.hold.reset();
  EXPECT_EQ(h.policy->limiter().waiting(), 1u);
  EXPECT_EQ(h.policy->limiter().in_flight(), 1u);
  // a ends (an upstream failure, a timeout: the connection drops the hold either way) while
  // c has not started waiting yet: the slot is c's all the same.
  a.hold.reset();
  EXPECT_EQ(h.policy->limiter().in_flight(), 1u);
  std::vector<std::pair<int, Verdict>> done;
  h.wait(c, done, 3);
  h.io.poll();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].second, Verdict::next);
  {
    // A request granted its slot and then destroyed with its connection.
    http::Exchange gone = std::move(c);
  }
  EXPECT_EQ(h.policy->limiter().in_flight(), 0u);
  EXPECT_EQ(h.policy->limiter().waiting(), 0u);
  // The in-flight gauge is back to zero in the worker's counts.
  const auto copy = h.metrics.copy();
  const auto& family = copy.families.at("rampart_route_in_flight");
  EXPECT_TRUE(family.gauge);
  EXPECT_EQ(family.values.at({"profiles"}), 0u);
}

}  // namespace
}  // namespace rampart::policies
