// Rate-limit decisions on a real three-node Redis Cluster (made by the test: CLUSTER
// ADDSLOTSRANGE and MEET), through one worker's RedisRouter seeded with one node: every key
// ends on the node that owns its slot, learned from MOVED; and the slot function against the
// cluster's own CLUSTER KEYSLOT.
#include "limits/redis_cluster.hpp"

#include <gtest/gtest.h>

#include "limits/redis_limiter.hpp"
#include "redis_server.hpp"

namespace rampart::limits {
namespace {

using namespace testing_support;
using namespace std::chrono_literals;
namespace asio = net::asio;

TEST(RedisClusterSlot, IsRedisCrc16OfTheHashTag) {
  // crc16("123456789") is 0x31C3 for XMODEM, the check value Redis' crc16.c gives.
  EXPECT_EQ(key_slot("123456789"), 0x31C3 & 16383);
  EXPECT_EQ(key_slot("{123456789}.anything"), key_slot("123456789"));
  EXPECT_EQ(key_slot("a{}b"), key_slot("a{}b"));  // an empty tag: the whole key
  EXPECT_NE(key_slot("a{}b{c}"), key_slot("c"));  // only the first '{' counts
  EXPECT_EQ(key_slot("x{c}y{d}"), key_slot("c"));
  EXPECT_EQ(key_slot("no tag{"), key_slot("no tag{"));
  EXPECT_EQ(key_slot("rampart:rl2:{p|key:x}"), key_slot("p|key:x"));
}

TEST(RedisClusterSlot, MovedRepliesAreReadStrictly) {
  auto to = parse_moved("MOVED 3999 127.0.0.1:6381");
  ASSERT_TRUE(to);
  EXPECT_EQ(to->slot, 3999);
  EXPECT_EQ(to->host, "127.0.0.1");
  EXPECT_EQ(to->port, 6381);
  to = parse_moved("MOVED 1 ::1:7000");
  ASSERT_TRUE(to);
  EXPECT_EQ(to->host, "::1");
  to = parse_moved("MOVED 1 [::1]:7000");
  ASSERT_TRUE(to);
  EXPECT_EQ(to->host, "::1");
  to = parse_moved("MOVED 16383 :7000");  // the answering node's own address
  ASSERT_TRUE(to);
  EXPECT_EQ(to->host, "");
  for (const char* bad :
       {"MOVED", "MOVED 16384 a:1", "MOVED -1 a:1", "MOVED 1 a:0", "MOVED 1 a:65536", "MOVED 1 a",
        "MOVED x a:1", "ASK 1 a:1", "MOVED 1 a b:1", "MOVED 1 a/b:1", "ERR x"}) {
    EXPECT_FALSE(parse_moved(bad)) << bad;
  }
}

struct Cluster {
  std::vector<std::unique_ptr<RedisServer>> nodes;
  std::vector<int> bus_ports;
  std::string reason;

  bool start() {
    for (int i = 0; i < 3; ++i) {
      // The bus port is chosen too: by default it is the port + 10000, past 65535 for a
      // port above 55535, where the server would not start.
      bus_ports.push_back(free_port());
      auto node = RedisServer::start(
          reason, "",
          {"--cluster-enabled", "yes", "--cluster-port", std::to_string(bus_ports.back())});
      if (!node) {
        return false;
      }
      nodes.push_back(std::move(node));
    }
    const int ranges[3][2] = {{0, 5460}, {5461, 10922}, {10923, 16383}};
    for (int i = 0; i < 3; ++i) {
      nodes[i]->command({{"CLUSTER", "ADDSLOTSRANGE", std::to_string(ranges[i][0]),
                          std::to_string(ranges[i][1])}});
    }
    for (int i = 1; i < 3; ++i) {
      nodes[0]->command({{"CLUSTER", "MEET", "127.0.0.1", std::to_string(nodes[i]->port()),
                          std::to_string(bus_ports[i])}});
    }
    const auto deadline = Clock::now() + 20s;
    while (Clock::now() < deadline) {
      bool ok = true;
      for (auto& node : nodes) {
        ok = ok &&
             node->command({{"CLUSTER", "INFO"}}).find("cluster_state:ok") != std::string::npos;
      }
      if (ok) {
        return true;
      }
      std::this_thread::sleep_for(50ms);
    }
    reason = "the test's cluster did not reach cluster_state:ok within 20 s";
    return false;
  }
};

TEST(RedisCluster, DecisionsReachTheNodeThatOwnsTheirSlot) {
  Cluster cluster;
  if (!cluster.start()) {
    if (redis_required()) {
      FAIL() << cluster.reason;
    }
    GTEST_SKIP() << cluster.reason;
  }
  // The slot function agrees with the cluster's own.
  for (const std::string key :
       {"rampart:rl2:{api|ip:10.0.0.1}", "rampart:rl2:{route:x|key:AbCdEfGh}", "foo", "{}x"}) {
    EXPECT_EQ(cluster.nodes[0]->command({{"CLUSTER", "KEYSLOT", key}}),
              std::to_string(key_slot(key)))
        << key;
  }

  asio::io_context io;
  std::string error;
  auto url =
      parse_redis_url("redis://127.0.0.1:" + std::to_string(cluster.nodes[0]->port()), error);
  ASSERT_TRUE(url) << error;
  RedisBackend backend(*url);
  RedisRouter& router = backend.router(io);
  ASSERT_TRUE(run_until(io, 3s, [&] { return router.ready(); }));

  const std::vector<Rate> rates = {Rate{3, std::chrono::seconds(60), "3/minute"}};
  auto decide = [&](const std::string& key) {
    std::optional<RedisReply> reply;
    asio::co_spawn(
        io,
        [&]() -> net::Task<void> {
          const std::array<std::string_view, 1> keys{key};
          const ScriptArgs args(rates, 1'700'000'000'000);
          auto answer = co_await router.pick(key).eval(sliding_window_script(), keys, args.words());
          if (auto* node = router.moved(answer)) {
            if (node->ready()) {
              answer = co_await node->eval(sliding_window_script(), keys, args.words());
            } else {
              answer.kind = RedisReplyKind::unavailable;
            }
          }
          reply = std::move(answer);
        },
        asio::detached);
    EXPECT_TRUE(run_until(io, 3s, [&] { return reply.has_value(); }));
    return reply.value_or(RedisReply{});
  };

  int redirected_while_connecting = 0;
  for (int i = 0; i < 60; ++i) {
    const auto key = redis_key("api", "ip:10.0.0." + std::to_string(i));
    int allowed = 0;
    for (int n = 0; n < 4; ++n) {
      auto reply = decide(key);
      // A node's first MOVED finds its connection still coming up: that one is local.
      for (int retry = 0; reply.kind == RedisReplyKind::unavailable && retry < 100; ++retry) {
        ++redirected_while_connecting;
        run_until(io, 10ms, [] { return false; });
        reply = decide(key);
      }
      auto decision = decision_from_reply(reply, rates, 1'700'000'000'000);
      ASSERT_TRUE(decision) << key << ": " << reply.text;
      allowed += decision->allowed ? 1 : 0;
    }
    EXPECT_EQ(allowed, 3) << key;  // 3/minute: exact, on whichever node the key lives
  }
  EXPECT_LE(redirected_while_connecting, 100);
  // Every node holds some of the keys: each was reached, not only the seed.
  for (auto& node : cluster.nodes) {
    EXPECT_NE(node->command({{"DBSIZE"}}), "0");
  }
  EXPECT_TRUE(backend.healthy());
  router.close();
  backend.stop();
}

}  // namespace
}  // namespace rampart::limits
