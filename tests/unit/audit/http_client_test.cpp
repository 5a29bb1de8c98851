// The client's bounds on a real loopback socket: a peer that never answers, one that sends
// an endless body, one that resets, a closed port; and the session's request budget and its
// giving up after failures in a row.

#include "audit/http_client.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <functional>
#include <thread>
#include <vector>

#include "audit/session.hpp"

namespace rampart::audit {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using std::chrono::milliseconds;

/// A one-behaviour TCP peer on 127.0.0.1, serving every connection in its own thread.
class Peer {
 public:
  explicit Peer(std::function<void(tcp::socket&)> behaviour)
      : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        behaviour_(std::move(behaviour)) {
    thread_ = std::thread([this] {
      while (!stop_) {
        tcp::socket socket(io_);
        boost::system::error_code ec;
        acceptor_.accept(socket, ec);
        if (ec || stop_) {
          return;
        }
        workers_.emplace_back([b = behaviour_, s = std::move(socket)]() mutable { b(s); });
      }
    });
  }
  ~Peer() {
    stop_ = true;
    boost::system::error_code ignored;
    tcp::socket poke(io_);
    poke.connect(acceptor_.local_endpoint(), ignored);  // wakes accept()
    thread_.join();
    for (auto& worker : workers_) {
      worker.join();  // each ends when the client side closes
    }
  }
  Target target() const {
    return *parse_target("http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()))
                .target;
  }

 private:
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::function<void(tcp::socket&)> behaviour_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> workers_;  ///< only the accept thread touches it until the join
  std::thread thread_;
};

void read_a_little(tcp::socket& s) {
  char buf[4096];
  boost::system::error_code ec;
  s.read_some(asio::buffer(buf), ec);
}

/// Never answers: reads until the client gives up and closes.
void hold(tcp::socket& s) {
  char buf[4096];
  boost::system::error_code ec;
  while (!ec) {
    s.read_some(asio::buffer(buf), ec);
  }
}

TEST(HttpClient, APeerThatNeverAnswersTimesOutOnTime) {
  Peer peer([](tcp::socket& s) { hold(s); });
  HttpClient client(peer.target());
  ASSERT_FALSE(client.resolve());
  auto r = client.send(ProbeRequest{"GET", "/"}, milliseconds(300));
  EXPECT_EQ(r.transport, Transport::timeout);
  EXPECT_FALSE(r.answered());
  EXPECT_GE(r.elapsed, milliseconds(290));
  EXPECT_LT(r.elapsed, milliseconds(1500));
}

TEST(HttpClient, AnEndlessBodyIsReadToOneMebibyteAndKeptToSixtyFourKibibytes) {
  Peer peer([](tcp::socket& s) {
    read_a_little(s);
    std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n";
    boost::system::error_code ec;
    asio::write(s, asio::buffer(head), ec);
    std::string piece(64 * 1024, 'x');
    while (!ec) {
      asio::write(s, asio::buffer(piece), ec);
    }
  });
  HttpClient client(peer.target());
  ASSERT_FALSE(client.resolve());
  auto r = client.send(ProbeRequest{"GET", "/"}, milliseconds(5000));
  ASSERT_TRUE(r.answered()) << r.error;
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body.size(), kKeptBodyBytes);
  EXPECT_TRUE(r.body_truncated);
  EXPECT_LT(r.elapsed, milliseconds(4000));
}

TEST(HttpClient, AResetIsAClosedConnectionAndAClosedPortIsRefused) {
  Target closed_port;
  {
    Peer peer([](tcp::socket& s) {
      s.set_option(asio::socket_base::linger(true, 0));
      s.close();
    });
    HttpClient client(peer.target());
    ASSERT_FALSE(client.resolve());
    auto r = client.send(ProbeRequest{"GET", "/"}, milliseconds(2000));
    EXPECT_EQ(r.transport, Transport::closed) << r.error;
    closed_port = peer.target();
  }
  HttpClient client(closed_port);
  ASSERT_FALSE(client.resolve());
  auto r = client.send(ProbeRequest{"GET", "/"}, milliseconds(2000));
  EXPECT_EQ(r.transport, Transport::refused) << r.error;
}

TEST(ProbeSession, RefusesBeyondTheRequestBudget) {
  Peer peer([](tcp::socket& s) {
    read_a_little(s);
    std::string answer = "HTTP/1.1 204 No Content\r\n\r\n";
    boost::system::error_code ec;
    asio::write(s, asio::buffer(answer), ec);
  });
  HttpClient client(peer.target());
  ASSERT_FALSE(client.resolve());
  AuditOptions options;
  options.max_requests = 3;
  ProbeSession session(client, options);
  for (int i = 0; i < 3; ++i) {
    auto r = session.send(ProbeRequest{"GET", "/"});
    ASSERT_TRUE(r && r->answered());
    EXPECT_EQ(r->status, 204u);
  }
  EXPECT_FALSE(session.send(ProbeRequest{"GET", "/"}));
  EXPECT_NE(session.why_not().find("request budget spent"), std::string::npos);
  EXPECT_EQ(session.requests_sent(), 3u);
}

TEST(ProbeSession, GivesUpAfterFailuresInARowButNotForAnExpectedSlowAnswer) {
  Peer peer([](tcp::socket& s) { hold(s); });
  HttpClient client(peer.target());
  ASSERT_FALSE(client.resolve());
  AuditOptions options;
  ProbeSession session(client, options);
  for (int i = 0; i < 4; ++i) {  // expected timeouts (--slow) do not count
    auto r = session.send(ProbeRequest{"GET", "/slow"}, milliseconds(60), /*may_be_slow=*/true);
    ASSERT_TRUE(r);
  }
  for (int i = 0; i < kFailuresBeforeGivingUp; ++i) {
    ASSERT_TRUE(session.send(ProbeRequest{"GET", "/"}, milliseconds(60)));
  }
  EXPECT_FALSE(session.send(ProbeRequest{"GET", "/"}, milliseconds(60)));
  EXPECT_NE(session.why_not().find("stopped answering"), std::string::npos);
}

TEST(ProbeSession, RefusesOnceTheTimeBudgetIsSpent) {
  Peer peer([](tcp::socket& s) { hold(s); });
  HttpClient client(peer.target());
  ASSERT_FALSE(client.resolve());
  AuditOptions options;
  options.timeout = milliseconds(400);
  ProbeSession session(client, options);
  auto r = session.send(ProbeRequest{"GET", "/"});  // asks for 3 s, gets the 400 ms left
  ASSERT_TRUE(r);
  EXPECT_EQ(r->transport, Transport::timeout);
  EXPECT_LT(r->elapsed, milliseconds(1000));
  EXPECT_FALSE(session.send(ProbeRequest{"GET", "/"}));
  EXPECT_NE(session.why_not().find("time budget spent"), std::string::npos);
}

}  // namespace
}  // namespace rampart::audit
