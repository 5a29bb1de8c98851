#include "limits/redis_connection.hpp"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <algorithm>

#include "redis_server.hpp"

namespace rampart::limits {
namespace {

using namespace testing_support;
namespace asio = net::asio;
using Kind = RedisReplyKind;

// ---- the reply reader, without sockets ----

std::string show(const RedisReply& r) {
  switch (r.kind) {
    case Kind::integer:
      return "i" + std::to_string(r.integer);
    case Kind::string:
      return "s'" + r.text + "'";
    case Kind::status:
      return "+" + r.text;
    case Kind::error:
      return "-" + r.text;
    case Kind::nil:
      return "nil";
    case Kind::array: {
      std::string out = "[";
      for (const auto& e : r.elements) {
        out += show(e) + ",";
      }
      return out + "]";
    }
    default:
      return "?";
  }
}

/// The same rendering of hiredis' own reply objects: the differential check.
std::string show(const redisReply* r) {
  switch (r->type) {
    case REDIS_REPLY_INTEGER:
      return "i" + std::to_string(r->integer);
    case REDIS_REPLY_STRING:
      return "s'" + std::string(r->str, r->len) + "'";
    case REDIS_REPLY_STATUS:
      return "+" + std::string(r->str, r->len);
    case REDIS_REPLY_ERROR:
      return "-" + std::string(r->str, r->len);
    case REDIS_REPLY_NIL:
      return "nil";
    default: {
      std::string out = "[";
      for (size_t i = 0; i < r->elements; ++i) {
        out += show(r->element[i]) + ",";
      }
      return out + "]";
    }
  }
}

/// Feeds `parts` one after another, taking replies after each; "error" ends the list.
std::vector<std::string> read_all(RedisReplyReader& reader, std::vector<std::string_view> parts) {
  std::vector<std::string> out;
  RedisReply reply;
  for (auto part : parts) {
    if (!reader.feed(part.data(), part.size())) {
      return out.push_back("error"), out;
    }
    for (auto r = reader.next(reply); r != RedisReplyReader::Result::need_more;
         r = reader.next(reply)) {
      if (r == RedisReplyReader::Result::protocol_error) {
        return out.push_back("error"), out;
      }
      out.push_back(show(reply));
    }
  }
  return out;
}

// Every reply type, one after another, as a server pipelines them.
const std::string kStream =
    ":42\r\n:-7\r\n+OK\r\n-NOSCRIPT No matching script\r\n$5\r\nhello\r\n$0\r\n\r\n$-1\r\n"
    "$4\r\na\r\nb\r\n*3\r\n:1\r\n:2\r\n:9223372036854775807\r\n*2\r\n*1\r\n$1\r\nx\r\n*-1\r\n"
    "*0\r\n*3\r\n-ERR e\r\n+s\r\n$-1\r\n";

TEST(RedisReplyReader, AgreesWithHiredisAtEverySplit) {
  std::vector<std::string> expected;
  redisReader* hiredis = redisReaderCreate();
  redisReaderFeed(hiredis, kStream.data(), kStream.size());
  for (void* reply = nullptr; redisReaderGetReply(hiredis, &reply) == REDIS_OK && reply;) {
    expected.push_back(show(static_cast<redisReply*>(reply)));
    freeReplyObject(reply);
  }
  redisReaderFree(hiredis);
  ASSERT_EQ(expected.size(), 12u);
  EXPECT_EQ(expected[8], "[i1,i2,i9223372036854775807,]");

  std::string_view all = kStream;
  for (size_t split = 0; split <= all.size(); ++split) {
    RedisReplyReader reader;
    EXPECT_EQ(read_all(reader, {all.substr(0, split), all.substr(split)}), expected) << split;
  }
  std::vector<std::string_view> bytes;
  for (size_t i = 0; i < all.size(); ++i) {
    bytes.push_back(all.substr(i, 1));
  }
  RedisReplyReader reader;
  EXPECT_EQ(read_all(reader, bytes), expected);
}

TEST(RedisReplyReader, BoundsWhatAServerCanMakeItHold) {
  auto repeated = [](std::string_view s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) {
      out += s;
    }
    return out;
  };
  const std::string ok_array = "*1024\r\n" + repeated(":1\r\n", 1024);
  const std::string refused[] = {
      "hello\r\n",                                                     // no reply type byte
      "*1025\r\n",                                                     // too many elements
      "*1000000\r\n",                                                  // refused before any element
      "*-5\r\n",                                                       // a negative count
      "*1024\r\n" + repeated("*8\r\n" + repeated(":1\r\n", 8), 1024),  // values multiplied
      repeated("*1\r\n", 9) + ":1\r\n",  // nested deeper than hiredis' 7 levels
      "*600\r\n" + repeated("$2000\r\n" + std::string(2000, 'x') + "\r\n", 600),  // > 1 MiB
  };
  for (const auto& bytes : refused) {
    RedisReplyReader reader;
    auto out = read_all(reader, {bytes});
    ASSERT_FALSE(out.empty());
    EXPECT_EQ(out.back(), "error") << bytes.substr(0, 20);
    EXPECT_FALSE(reader.error().empty());
    EXPECT_FALSE(reader.feed(":1\r\n", 4));  // stays failed until reset()
    reader.reset();
    EXPECT_EQ(read_all(reader, {":1\r\n"}), std::vector<std::string>{"i1"});
  }
  RedisReplyReader reader;
  EXPECT_EQ(read_all(reader, {ok_array}).size(), 1u);

  // A bulk string announced at 100 MB: refused as soon as more than 1 MiB of it is here.
  ASSERT_TRUE(reader.feed("$100000000\r\n", 12));
  const std::string block(64 * 1024, 'x');
  size_t fed = 0;
  RedisReply reply;
  while (reader.feed(block.data(), block.size()) &&
         reader.next(reply) == RedisReplyReader::Result::need_more) {
    fed += block.size();
    ASSERT_LE(fed, RedisReplyReader::kMaxReplyBytes);
  }
  EXPECT_NE(reader.error().find("1 MiB"), std::string::npos) << reader.error();
}

TEST(RedisScript, Sha1IsWhatRedisUses) {
  // SHA-1 of "return 1", as SCRIPT LOAD answers it.
  EXPECT_EQ(make_script("return 1").sha1, "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
}

// ---- the connection, on real sockets ----

const RedisScript kEcho = make_script("return ARGV[1]");
const RedisScript kArray = make_script("return {1, 2, ARGV[1]+0}");
const RedisScript kSet = make_script("redis.call('SET', KEYS[1], ARGV[1]) return 1");
// Keeps the server busy for ARGV[1] ms, so that commands pile up behind it.
const RedisScript kBusy = make_script(
    "local t0 = redis.call('TIME') local ms = tonumber(ARGV[1]) repeat local t = "
    "redis.call('TIME') until (t[1] - t0[1]) * 1000 + (t[2] - t0[2]) / 1000 >= ms return 1");

struct Call {
  bool done = false;
  RedisReply reply;
  Clock::time_point ended;
};

/// Starts an eval on its own coroutine, like a request would.
void start(asio::io_context& io, RedisConnection& c, const RedisScript& script,
           std::vector<std::string> args, Call& call, std::vector<std::string> keys = {},
           asio::cancellation_slot slot = {}) {
  asio::co_spawn(
      io,
      [&c, &script, &call, args = std::move(args), keys = std::move(keys)]() -> net::Task<void> {
        const std::vector<std::string_view> key_views(keys.begin(), keys.end());
        const std::vector<std::string_view> arg_views(args.begin(), args.end());
        call.reply = co_await c.eval(script, key_views, arg_views);
        call.done = true;
        call.ended = Clock::now();
      },
      asio::bind_cancellation_slot(slot, asio::detached));
}

RedisReply eval(asio::io_context& io, RedisConnection& c, const RedisScript& script,
                std::vector<std::string> args, std::vector<std::string> keys = {}) {
  Call call;
  start(io, c, script, std::move(args), call, std::move(keys));
  EXPECT_TRUE(run_until(io, 3s, [&] { return call.done; }));
  return call.reply;
}

RedisUrl url(std::string text) {
  std::string error;
  auto parsed = parse_redis_url(text, error);
  EXPECT_TRUE(parsed) << error;
  return parsed.value_or(RedisUrl{});
}

std::string local(int port, std::string userinfo = "", std::string path = "") {
  return "redis://" + userinfo + "127.0.0.1:" + std::to_string(port) + path;
}

TEST(RedisConnection, EvalReturnsAnArrayOfIntegers) {
  RAMPART_REDIS_SERVER_OR_SKIP(server, "");
  asio::io_context io;
  RedisConnection c(io, url(local(server->port())), 1s, 2s);
  std::vector<bool> changes;
  c.on_state_change = [&](bool up) { changes.push_back(up); };
  ASSERT_TRUE(run_until(io, 3s, [&] { return c.ready(); })) << c.last_error();
  EXPECT_EQ(changes, std::vector<bool>{true});
  EXPECT_EQ(show(eval(io, c, kArray, {"7"})), "[i1,i2,i7,]");
  EXPECT_EQ(c.round_trips(), 2u);  // NOSCRIPT the first time, then EVAL
  EXPECT_EQ(show(eval(io, c, kArray, {"-3"})), "[i1,i2,i-3,]");
  EXPECT_EQ(c.round_trips(), 3u);
  EXPECT_EQ(c.failures(), 0u);
}

TEST(RedisConnection, NoscriptAfterAFlushOrARestartIsHandled) {
  RAMPART_REDIS_SERVER_OR_SKIP(server, "");
  asio::io_context io;
  RedisConnection c(io, url(local(server->port())), 1s, 2s);
  ASSERT_TRUE(run_until(io, 3s, [&] { return c.ready(); })) << c.last_error();
  EXPECT_EQ(eval(io, c, kEcho, {"a"}).text, "a");
  EXPECT_EQ(server->command({{"SCRIPT", "FLUSH"}}), "OK");
  auto before = c.round_trips();
  EXPECT_EQ(eval(io, c, kEcho, {"b"}).text, "b");
  EXPECT_EQ(c.round_trips(), before + 2);

  std::string reason;
  ASSERT_TRUE(server->restart(reason)) << reason;
  ASSERT_TRUE(run_until(io, 2s, [&] { return !c.ready(); }));
  ASSERT_TRUE(run_until(io, 5s, [&] { return c.ready(); })) << c.last_error();
  EXPECT_EQ(eval(io, c, kEcho, {"c"}).text, "c");
}

TEST(RedisConnection, AThousandConcurrentEvalsArePipelinedAndAnsweredInOrder) {
  RAMPART_REDIS_SERVER_OR_SKIP(server, "");
  asio::io_context io;
  RedisConnection c(io, url(local(server->port())), 1s, 5s);
  ASSERT_TRUE(run_until(io, 3s, [&] { return c.ready(); })) << c.last_error();
  eval(io, c, kEcho, {"warm"});  // loads the script
  const auto before = c.round_trips();
  std::vector<Call> calls(1000);
  for (size_t i = 0; i < calls.size(); ++i) {
    start(io, c, kEcho, {std::to_string(i)}, calls[i]);
  }
  ASSERT_TRUE(run_until(io, 10s, [&] {
    return std::all_of(calls.begin(), calls.end(), [](auto& x) { return x.done; });
  }));
  for (size_t i = 0; i < calls.size(); ++i) {
    EXPECT_EQ(calls[i].reply.text, std::to_string(i));
    if (i > 0) {
      EXPECT_LE(calls[i - 1].ended, calls[i].ended);
    }
  }
  EXPECT_EQ(c.round_trips(), before + 1000);
}

TEST(RedisConnection, AuthenticatesAndNeverShowsThePassword) {
  RAMPART_REDIS_SERVER_OR_SKIP(server, "s3cret-pw");
  asio::io_context io;
  for (auto userinfo : {":s3cret-pw@", "default:s3cret-pw@"}) {
    RedisConnection c(io, url(local(server->port(), userinfo)), 1s, 2s);
    ASSERT_TRUE(run_until(io, 3s, [&] { return c.ready(); })) << c.last_error();
    EXPECT_EQ(eval(io, c, kEcho, {"in"}).text, "in");
    EXPECT_EQ(c.display().find("s3cret"), std::string::npos);
  }
  RedisConnection wrong(io, url(local(server->port(), ":wr0ng-pw@")), 1s, 2s);
  run_until(io, 3s, [&] { return wrong.failures() >= 2; });
  EXPECT_FALSE(wrong.ready());
  EXPECT_GE(wrong.failures(), 2u);
  EXPECT_NE(wrong.last_error().find("AUTH refused"), std::string::npos) << wrong.last_error();
  auto reply = eval(io, wrong, kEcho, {"x"});
  EXPECT_EQ(reply.kind, Kind::unavailable);
  for (const auto& text : {wrong.last_error(), reply.text, wrong.display()}) {
    EXPECT_EQ(text.find("wr0ng"), std::string::npos) << text;
  }
}

TEST(RedisConnection, SelectsTheDatabase) {
  RAMPART_REDIS_SERVER_OR_SKIP(server, "");
  asio::io_context io;
  RedisConnection c(io, url(local(server->port(), "", "/3")), 1s, 2s);
  ASSERT_TRUE(run_until(io, 3s, [&] { return c.ready(); })) << c.last_error();
  EXPECT_EQ(eval(io, c, kSet, {"v3"}, {"rampart:db"}).integer, 1);
  EXPECT_EQ(server->command({{"SELECT", "3"}, {"GET", "rampart:db"}}), "v3");
  EXPECT_EQ(server->command({{"GET", "rampart:db"}}), "(nil)");
}

TEST(RedisConnection, AKilledServerFailsEverythingAtOnceUntilItIsBack) {
  RAMPART_REDIS_SERVER_OR_SKIP(server, "");
  asio::io_context io;
  RedisConnection c(io, url(local(server->port())), 1s, 10s);
  std::vector<bool> changes;
  c.on_state_change = [&](bool up) { changes.push_back(up); };
  ASSERT_TRUE(run_until(io, 3s, [&] { return c.ready(); })) << c.last_error();
  eval(io, c, kBusy, {"0"});
  eval(io, c, kEcho, {"0"});
  std::vector<Call> calls(6);
  start(io, c, kBusy, {"3000"}, calls[0]);
  for (size_t i = 1; i < calls.size(); ++i) {
    start(io, c, kEcho, {"x"}, calls[i]);
  }
  run_until(io, 200ms, [] { return false; });  // all written, the first one running
  const auto killed = Clock::now();
  server->stop(SIGKILL);
  ASSERT_TRUE(run_until(io, 1s, [&] {
    return std::all_of(calls.begin(), calls.end(), [](auto& x) { return x.done; });
  }));
  for (const auto& call : calls) {
    EXPECT_EQ(call.reply.kind, Kind::unavailable);
    EXPECT_LT(call.ended - killed, 500ms);
  }
  EXPECT_FALSE(c.ready());
  EXPECT_EQ(changes, (std::vector<bool>{true, false}));

  // While it is down, an eval fails without waiting for a reconnection (the first is 100 ms
  // away).
  Call down;
  const auto asked = Clock::now();
  start(io, c, kEcho, {"x"}, down);
  ASSERT_TRUE(run_until(io, 50ms, [&] { return down.done; }));
  EXPECT_LT(down.ended - asked, 20ms);
  EXPECT_EQ(down.reply.kind, Kind::unavailable);

  std::string reason;
  ASSERT_TRUE(server->restart(reason)) << reason;
  EXPECT_TRUE(run_until(io, 5s, [&] { return c.ready(); })) << c.last_error();
  EXPECT_EQ(eval(io, c, kEcho, {"back"}).text, "back");
  EXPECT_EQ(changes, (std::vector<bool>{true, false, true}));
}

TEST(RedisConnection, ASilentServerTimesOutAndTheConnectionIsReset) {
  asio::io_context io;
  FakeRedis silent(io, "");
  RedisConnection c(io, url(local(silent.port())), 200ms, 200ms);
  ASSERT_TRUE(run_until(io, 2s, [&] { return c.ready(); })) << c.last_error();
  Call first;
  Call second;
  const auto sent = Clock::now();
  start(io, c, kEcho, {"1"}, first);
  run_until(io, 50ms, [] { return false; });
  start(io, c, kEcho, {"2"}, second);
  ASSERT_TRUE(run_until(io, 2s, [&] { return first.done && second.done; }));
  EXPECT_EQ(first.reply.kind, Kind::timeout);
  EXPECT_EQ(second.reply.kind, Kind::unavailable);
  EXPECT_GE(first.ended - sent, 190ms);
  EXPECT_LT(first.ended - sent, 1s);
  EXPECT_LT(second.ended - first.ended, 20ms);  // failed together
  EXPECT_NE(c.last_error().find("no reply within 200 ms"), std::string::npos) << c.last_error();
  EXPECT_TRUE(run_until(io, 2s, [&] { return silent.connections() >= 2 && c.ready(); }));

  // AUTH never answered: the connect deadline.
  RedisConnection auth(io, url(local(silent.port(), ":zq-pw@")), 200ms, 200ms);
  run_until(io, 3s, [&] { return auth.failures() >= 2; });
  EXPECT_FALSE(auth.ready());
  EXPECT_NE(auth.last_error().find("no connection within 200 ms"), std::string::npos);
}

TEST(RedisConnection, HostileRepliesResetTheConnection) {
  struct Case {
    std::string reply;
    bool endless;
  };
  const Case cases[] = {{"hello world\r\n", false},
                        {"*1000000\r\n", false},
                        {"$100000000\r\n", true},
                        {"+OK\r\n+extra\r\n", false}};  // a reply to no command
  for (const auto& hostile : cases) {
    asio::io_context io;
    FakeRedis fake(io, hostile.reply, hostile.endless);
    RedisConnection c(io, url(local(fake.port())), 500ms, 2s);
    ASSERT_TRUE(run_until(io, 2s, [&] { return c.ready(); })) << c.last_error();
    auto reply = eval(io, c, kEcho, {"x"});
    if (hostile.reply.starts_with("+OK")) {
      EXPECT_EQ(reply.kind, Kind::status);  // the first reply is taken, the extra one is not
    } else {
      EXPECT_EQ(reply.kind, Kind::unavailable) << hostile.reply;
    }
    EXPECT_TRUE(run_until(io, 2s, [&] { return c.failures() >= 1; }));
    EXPECT_NE(c.last_error().find("protocol error"), std::string::npos) << c.last_error();
    EXPECT_TRUE(run_until(io, 2s, [&] { return fake.connections() >= 2; }));  // reconnects
  }
}

TEST(RedisConnection, CancellationEndsTheWaitAndTheFifoStaysInStep) {
  RAMPART_REDIS_SERVER_OR_SKIP(server, "");
  asio::io_context io;
  RedisConnection c(io, url(local(server->port())), 1s, 5s);
  ASSERT_TRUE(run_until(io, 3s, [&] { return c.ready(); })) << c.last_error();
  eval(io, c, kBusy, {"0"});
  eval(io, c, kEcho, {"0"});
  asio::cancellation_signal deadline;
  Call busy;
  Call after;
  start(io, c, kBusy, {"400"}, busy, {}, deadline.slot());
  start(io, c, kEcho, {"after"}, after);
  run_until(io, 50ms, [] { return false; });
  const auto emitted = Clock::now();
  deadline.emit(asio::cancellation_type::terminal);
  ASSERT_TRUE(run_until(io, 1s, [&] { return busy.done; }));
  EXPECT_LT(busy.ended - emitted, 50ms);
  EXPECT_EQ(busy.reply.kind, Kind::timeout);
  EXPECT_EQ(busy.reply.text, "cancelled");
  EXPECT_FALSE(after.done);  // the busy script still runs
  ASSERT_TRUE(run_until(io, 3s, [&] { return after.done; }));
  EXPECT_EQ(after.reply.text, "after");  // the cancelled one's reply was skipped
  EXPECT_EQ(c.failures(), 0u);
  EXPECT_EQ(eval(io, c, kEcho, {"next"}).text, "next");
}

TEST(RedisConnection, CloseAndDestructionEndPendingEvals) {
  asio::io_context io;
  FakeRedis silent(io, "");
  auto c = std::make_unique<RedisConnection>(io, url(local(silent.port())), 200ms, 5s);
  ASSERT_TRUE(run_until(io, 2s, [&] { return c->ready(); }));
  Call call;
  start(io, *c, kEcho, {"1"}, call);
  run_until(io, 20ms, [] { return false; });
  c->close();
  EXPECT_FALSE(c->ready());
  ASSERT_TRUE(run_until(io, 100ms, [&] { return call.done; }));
  EXPECT_EQ(call.reply.kind, Kind::unavailable);
  run_until(io, 300ms, [] { return false; });
  EXPECT_EQ(silent.connections(), 1);  // closed for good

  c = std::make_unique<RedisConnection>(io, url(local(silent.port())), 200ms, 5s);
  ASSERT_TRUE(run_until(io, 2s, [&] { return c->ready(); }));
  Call orphan;
  start(io, *c, kEcho, {"2"}, orphan);
  run_until(io, 20ms, [] { return false; });
  c.reset();
  ASSERT_TRUE(run_until(io, 100ms, [&] { return orphan.done; }));
  EXPECT_EQ(orphan.reply.kind, Kind::unavailable);
}

/// A RedisCall as the rate limit uses it: a fixed object, called back with its reply.
struct Probe : RedisCall {
  int calls = 0;
  RedisReply reply;
  std::vector<std::string_view> args;
  Probe() {
    done = [](RedisCall& call, const RedisReply& reply) {
      auto& p = static_cast<Probe&>(call);
      ++p.calls;
      p.reply = reply;
    };
  }
};

TEST(RedisConnection, SendCallsBackOnceAndNeverFromWithinSend) {
  RAMPART_REDIS_SERVER_OR_SKIP(server, "");
  asio::io_context io;
  RedisConnection c(io, url(local(server->port())), 1s, 5s);
  ASSERT_TRUE(run_until(io, 3s, [&] { return c.ready(); })) << c.last_error();
  Probe first;
  first.args = {"x"};
  c.send(first, kEcho, {}, first.args);  // NOSCRIPT, then EVAL: still one call back
  EXPECT_EQ(first.calls, 0);
  ASSERT_TRUE(run_until(io, 3s, [&] { return first.calls == 1; }));
  EXPECT_EQ(first.reply.text, "x");
  run_until(io, 50ms, [] { return false; });
  EXPECT_EQ(first.calls, 1);
  c.send(first, kEcho, {}, first.args);  // reused once done
  ASSERT_TRUE(run_until(io, 3s, [&] { return first.calls == 2; }));
  EXPECT_FALSE(RedisConnection::cancel(first));  // done already: nothing to take back

  // Taken back while its reply is awaited: never called, and the replies stay in step.
  eval(io, c, kBusy, {"0"});  // loaded: the busy script runs at once, the probe behind it
  // Both sent here, in this order (a coroutine's eval would start only when the loop runs).
  Probe busy;
  busy.args = {"300"};
  c.send(busy, kBusy, {}, busy.args);
  Probe queued;
  queued.args = {"queued"};
  c.send(queued, kEcho, {}, queued.args);
  run_until(io, 30ms, [] { return false; });
  EXPECT_EQ(busy.calls, 0);
  EXPECT_TRUE(RedisConnection::cancel(queued));
  EXPECT_FALSE(RedisConnection::cancel(queued));
  ASSERT_TRUE(run_until(io, 3s, [&] { return busy.calls == 1; }));
  EXPECT_EQ(eval(io, c, kEcho, {"next"}).text, "next");
  EXPECT_EQ(queued.calls, 0);
  EXPECT_EQ(c.failures(), 0u);
}

TEST(RedisConnection, SendWithoutAConnectionEndsUnavailableThroughTheLoop) {
  asio::io_context io;
  const int closed_port = [] {
    asio::io_context scratch;
    asio::ip::tcp::acceptor a(scratch, {asio::ip::make_address("127.0.0.1"), 0});
    return static_cast<int>(a.local_endpoint().port());
  }();
  RedisConnection c(io, url(local(closed_port)), 200ms, 1s);
  Probe probe;
  probe.args = {"x"};
  c.send(probe, kEcho, {}, probe.args);
  EXPECT_EQ(probe.calls, 0);  // never from within send()
  ASSERT_TRUE(run_until(io, 1s, [&] { return probe.calls == 1; }));
  EXPECT_EQ(probe.reply.kind, Kind::unavailable);
}

}  // namespace
}  // namespace rampart::limits
