// The pipeline carried out by a real worker over real sockets: a pending policy does not hold
// up the worker, the policy deadline answers 503, and the body phase (413 before a byte is
// read, 100 Continue only after the checks, the upstream gets exactly the bytes the policies
// saw). The test policies come in through a test registry: nothing test-only is in the binary.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <atomic>
#include <thread>

#include "gateway/pipeline.hpp"
#include "net/snapshot.hpp"
#include "net/worker.hpp"
#include "test_policies.hpp"

namespace rampart::gateway {
namespace {

using namespace rampart::testing_policies;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

/// Lets a pending policy go on when a request to another route opens it: the worker must be
/// serving that other request while the first one waits, or the test never ends.
struct Gate {
  std::optional<net::Timer> timer;  ///< only while a request waits, on the worker's thread
  bool opened = false;
  std::atomic<bool> waiting{false};  ///< for the test thread
};

class GatedPolicy final : public Policy {
 public:
  explicit GatedPolicy(std::shared_ptr<Gate> gate) : gate_(std::move(gate)) {}
  Verdict on_request(http::Exchange&, PolicySlot*) const override { return Verdict::pending; }
  net::Task<Verdict> wait(http::Exchange& exchange, PolicySlot*) const override {
    if (!gate_->opened) {
      gate_->timer.emplace(co_await net::asio::this_coro::executor);
      gate_->timer->expires_at(net::Timer::time_point::max());
      gate_->waiting = true;
      co_await gate_->timer->async_wait(net::use_tuple);
      gate_->timer.reset();  // here, on the worker: it must not outlive the worker's io_context
    }
    if (!gate_->opened) {
      co_return Verdict::next;  // cancelled at the deadline
    }
    exchange.reply.content_type = "text/plain";
    exchange.reply.body = "through the gate";
    co_return policies::reply(exchange, 200);
  }

 private:
  std::shared_ptr<Gate> gate_;
};

class OpenGatePolicy final : public Policy {
 public:
  explicit OpenGatePolicy(std::shared_ptr<Gate> gate) : gate_(std::move(gate)) {}
  Verdict on_request(http::Exchange& exchange, PolicySlot*) const override {
    gate_->opened = true;
    if (gate_->timer) {
      gate_->timer->cancel();
    }
    exchange.reply.body = "opened";
    return policies::reply(exchange, 200);
  }

 private:
  std::shared_ptr<Gate> gate_;
};

/// Background work publishing to the workers' slots: the test thread plays a store or JWKS
/// fetcher that learned something new, and hands it to each worker as an immutable value.
struct Publisher {
  std::mutex mutex;
  std::vector<std::function<void(std::shared_ptr<const std::string>)>> subscribers;

  void publish(std::string value) {
    auto snapshot = std::make_shared<const std::string>(std::move(value));
    std::lock_guard lock(mutex);
    for (auto& deliver : subscribers) {
      deliver(snapshot);
    }
  }
};

class PublishedValuePolicy final : public Policy {
 public:
  struct Slot final : PolicySlot {
    std::shared_ptr<const std::string> value = std::make_shared<const std::string>("initial");
  };
  explicit PublishedValuePolicy(std::shared_ptr<Publisher> publisher)
      : publisher_(std::move(publisher)) {}
  std::unique_ptr<PolicySlot> make_slot(net::WorkerContext& worker) const override {
    auto slot = std::make_unique<Slot>();
    std::lock_guard lock(publisher_->mutex);
    publisher_->subscribers.push_back(
        [post = worker.post, raw = slot.get()](std::shared_ptr<const std::string> value) {
          post([raw, value] { raw->value = value; });  // swapped on the worker's own thread
        });
    return slot;
  }
  Verdict on_request(http::Exchange& exchange, PolicySlot* slot) const override {
    exchange.reply.body = *static_cast<Slot*>(slot)->value;
    return policies::reply(exchange, 200);
  }

 private:
  std::shared_ptr<Publisher> publisher_;
};

/// A one-request-per-connection upstream on its own thread that keeps what it received.
class RecordingUpstream {
 public:
  RecordingUpstream() : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    thread_ = std::thread([this] { serve(); });
  }
  ~RecordingUpstream() {
    stopping_ = true;
    tcp::socket poke(io_);
    boost::system::error_code ec;
    poke.connect(acceptor_.local_endpoint(), ec);
    thread_.join();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::string last_request() {
    std::lock_guard lock(mutex_);
    return last_;
  }

 private:
  void serve() {
    while (!stopping_) {
      tcp::socket socket(io_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec || stopping_) {
        return;
      }
      std::string request;
      char buf[65536];
      std::size_t want = std::string::npos;
      while (want == std::string::npos || request.size() < want) {
        auto n = socket.read_some(asio::buffer(buf), ec);
        if (ec) {
          break;
        }
        request.append(buf, n);
        auto end = request.find("\r\n\r\n");
        if (want == std::string::npos && end != std::string::npos) {
          auto cl = request.find("Content-Length: ");
          std::size_t length = cl < end ? std::stoul(request.substr(cl + 16)) : 0;
          want = end + 4 + length;
        }
      }
      {
        std::lock_guard lock(mutex_);
        last_ = request;
      }
      asio::write(socket,
                  asio::buffer(std::string_view(
                      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")),
                  ec);
    }
  }

  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::string last_;
};

/// One worker serving `yaml` with the test registry `types`.
class RunningWorker {
 public:
  RunningWorker(const std::string& yaml, const std::vector<PolicyType>& types) {
    auto result = config::load_config_text(yaml, "test.yaml");
    if (!result.problems.empty()) {
      ADD_FAILURE() << result.problems.front().to_string();
      return;
    }
    auto config = result.config;
    std::vector<net::UpstreamTarget> targets;
    for (const auto& upstream : config->upstreams) {
      targets.push_back({tcp::endpoint(asio::ip::make_address(upstream.host), upstream.port),
                         std::make_shared<std::atomic<std::size_t>>(0)});
    }
    auto pipeline =
        std::make_shared<const Pipeline>(config, std::make_shared<observe::HealthBoard>(), types);
    auto snapshot = std::make_shared<net::Snapshot>(config, pipeline, std::move(targets), 1);
    worker_ = std::make_unique<net::Worker>(0, config::ListenAddress{"127.0.0.1", 0},
                                            std::make_shared<observe::LogSink>("/dev/null"),
                                            connections_, 64 * 1024);
    worker_->bind();
    port_ = worker_->local_endpoint().port();
    worker_->start(std::move(snapshot));
  }
  ~RunningWorker() {
    if (worker_) {
      worker_->stop();
      worker_->join();
    }
  }

  /// Sends `request`; `on_interim` sees what came before the client sends `rest`.
  std::string exchange(std::string_view request, std::string_view rest = {},
                       std::string* interim = nullptr) {
    asio::io_context io;
    tcp::socket socket(io);
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
    timeval timeout{5, 0};
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    asio::write(socket, asio::buffer(request));
    std::string received;
    char buf[65536];
    boost::system::error_code ec;
    if (!rest.empty()) {
      while (received.find("\r\n\r\n") == std::string::npos) {
        auto n = socket.read_some(asio::buffer(buf), ec);
        if (ec) {
          break;
        }
        received.append(buf, n);
      }
      if (interim) {
        *interim = received;
      }
      received.clear();
      asio::write(socket, asio::buffer(rest), ec);
    }
    for (;;) {
      auto n = socket.read_some(asio::buffer(buf), ec);
      if (ec) {
        break;
      }
      received.append(buf, n);
    }
    return received;
  }

 private:
  std::atomic<std::size_t> connections_{0};
  std::unique_ptr<net::Worker> worker_;
  std::uint16_t port_ = 0;
};

std::string config_with_routes(std::uint16_t upstream_port, const std::string& routes) {
  return "admin: {api_key: \"k7Qz2mXv9LpR4tYb8NcW3sHd6FgJ1aE5\"}\n"
         "upstreams:\n  app: {url: \"http://127.0.0.1:" +
         std::to_string(upstream_port) + "\"}\nroutes:\n" + routes;
}

TEST(PipelineOnAWorker, APendingPolicyWaitsWhileTheWorkerServesOthers) {
  auto gate = std::make_shared<Gate>();
  RunningWorker worker(
      config_with_routes(9,
                         "  - {name: gated, match: {path: /gated}, upstream: app, auth: none}\n"
                         "  - {name: open, match: {path: /open}, upstream: app, auth: none}\n"),
      {route_stage("gate", "gated", [&] { return std::make_unique<GatedPolicy>(gate); }),
       route_stage("opener", "open", [&] { return std::make_unique<OpenGatePolicy>(gate); })});
  std::string gated;
  std::thread first([&] {
    gated = worker.exchange("GET /gated HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
  });
  // Until /gated is waiting, /open would find no gate to open: ask until it has been waited on.
  std::string opened;
  for (int i = 0; i < 200 && !gate->waiting; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  opened = worker.exchange("GET /open HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
  first.join();
  EXPECT_THAT(opened, StartsWith("HTTP/1.1 200 OK"));
  EXPECT_THAT(gated, StartsWith("HTTP/1.1 200 OK"));
  EXPECT_THAT(gated, HasSubstr("through the gate"));
}

TEST(PipelineOnAWorker, APolicyPastItsDeadlineIsAnswered503) {
  auto gate = std::make_shared<Gate>();
  RunningWorker worker(
      config_with_routes(9,
                         "  - {name: stuck, match: {path: /stuck}, upstream: app, auth: none,"
                         " policy_timeout: 200ms}\n"),
      {route_stage("gate", "stuck", [&] { return std::make_unique<GatedPolicy>(gate); })});
  auto response = worker.exchange("GET /stuck HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
  EXPECT_THAT(response, StartsWith("HTTP/1.1 503 Service Unavailable"));
  EXPECT_THAT(response, HasSubstr(R"("code":"policy_timeout")"));
  EXPECT_THAT(response, Not(HasSubstr("gate")));  // the stage is for the log, not the client
}

TEST(PipelineOnAWorker, BackgroundWorkReachesAWorkersSlotThroughItsMailbox) {
  auto publisher = std::make_shared<Publisher>();
  RunningWorker worker(
      config_with_routes(9,
                         "  - {name: value, match: {path: /value}, upstream: app, auth: none}\n"),
      {route_stage("published", "value",
                   [&] { return std::make_unique<PublishedValuePolicy>(publisher); })});
  const std::string request = "GET /value HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
  EXPECT_THAT(worker.exchange(request), HasSubstr("initial"));
  publisher->publish("from the background");
  std::string response;
  for (int i = 0; i < 100; ++i) {  // the mailbox is read on the worker's next turn
    response = worker.exchange(request);
    if (response.find("from the background") != std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_THAT(response, HasSubstr("from the background"));
}

class BodyPhase : public ::testing::Test {
 protected:
  BodyPhase()
      : worker_(config_with_routes(upstream_.port(),
                                   "  - {name: post, match: {path: /post}, upstream: app,"
                                   " auth: none}\n"),
                {route_stage("auth", "post", [] { return std::make_unique<RefusingPolicy>(); }),
                 route_stage("body", "post",
                             [this] { return std::make_unique<BodyPolicy>(300000, seen_); })}) {}

  RecordingUpstream upstream_;
  std::string seen_;
  RunningWorker worker_;
};

TEST_F(BodyPhase, ContentLengthOverTheLimitIs413BeforeAByteIsReadOr100Continue) {
  auto response = worker_.exchange(
      "POST /post HTTP/1.1\r\nHost: a\r\nX-Key: 1\r\nContent-Length: 300001\r\n"
      "Expect: 100-continue\r\n\r\n");
  EXPECT_THAT(response, StartsWith("HTTP/1.1 413 Payload Too Large"));
  EXPECT_THAT(response, HasSubstr(R"("code":"payload_too_large")"));
  EXPECT_THAT(response, Not(HasSubstr("100 Continue")));
}

TEST_F(BodyPhase, AChunkedBodyThatOutgrowsTheLimitIs413) {
  std::string chunk = "10000\r\n" + std::string(0x10000, 'x') + "\r\n";
  std::string request =
      "POST /post HTTP/1.1\r\nHost: a\r\nX-Key: 1\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 5; ++i) {
    request += chunk;  // 5 x 64 KiB > 300,000
  }
  request += "0\r\n\r\n";
  auto response = worker_.exchange(request);
  EXPECT_THAT(response, StartsWith("HTTP/1.1 413 Payload Too Large"));
  EXPECT_TRUE(upstream_.last_request().empty());
}

TEST_F(BodyPhase, ContinueIsSentOnlyAfterTheStagesBeforeTheBodyPassed) {
  auto refused = worker_.exchange(
      "POST /post HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_THAT(refused, StartsWith("HTTP/1.1 401 Unauthorized"));
  EXPECT_THAT(refused, HasSubstr("WWW-Authenticate: Bearer\r\n"));
  EXPECT_THAT(refused, Not(HasSubstr("100 Continue")));
  EXPECT_THAT(refused, Not(HasSubstr("missing_test_key")));

  std::string interim;
  auto response = worker_.exchange(
      "POST /post HTTP/1.1\r\nHost: a\r\nX-Key: 1\r\nContent-Length: 5\r\n"
      "Expect: 100-continue\r\nConnection: close\r\n\r\n",
      "hello", &interim);
  EXPECT_EQ(interim, "HTTP/1.1 100 Continue\r\n\r\n");
  EXPECT_THAT(response, StartsWith("HTTP/1.1 200 OK"));
  EXPECT_EQ(seen_, "hello");
  EXPECT_THAT(upstream_.last_request(), HasSubstr("Content-Length: 5\r\n"));
  EXPECT_THAT(upstream_.last_request(), HasSubstr("\r\n\r\nhello"));
}

TEST_F(BodyPhase, TheUpstreamGetsExactlyTheBytesThePoliciesSaw) {
  // Chunked with extensions, and (second) larger than the read buffer: decoded, held whole,
  // and sent with rampart's own Content-Length.
  auto response = worker_.exchange(
      "POST /post HTTP/1.1\r\nHost: a\r\nX-Key: 1\r\nTransfer-Encoding: chunked\r\n"
      "Connection: close\r\n\r\n5;ext=1\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\n\r\n");
  EXPECT_THAT(response, StartsWith("HTTP/1.1 200 OK"));
  EXPECT_EQ(seen_, "hello world");
  auto upstream = upstream_.last_request();
  EXPECT_THAT(upstream, HasSubstr("Content-Length: 11\r\n"));
  EXPECT_THAT(upstream, Not(HasSubstr("chunked")));
  EXPECT_EQ(upstream.substr(upstream.find("\r\n\r\n") + 4), "hello world");

  std::string big(200000, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) {
    big[i] = static_cast<char>('a' + i % 26);
  }
  response = worker_.exchange("POST /post HTTP/1.1\r\nHost: a\r\nX-Key: 1\r\nContent-Length: " +
                              std::to_string(big.size()) + "\r\nConnection: close\r\n\r\n" + big);
  EXPECT_THAT(response, StartsWith("HTTP/1.1 200 OK"));
  EXPECT_EQ(seen_, big);
  upstream = upstream_.last_request();
  EXPECT_EQ(upstream.substr(upstream.find("\r\n\r\n") + 4), big);
}

}  // namespace
}  // namespace rampart::gateway
