#include "observe/health_checker.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "observe/log.hpp"

namespace rampart::observe {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

void HealthChecker::start(const config::Config& config,
                          const std::vector<tcp::endpoint>& endpoints) {
  auto generation = ++generation_;
  for (std::size_t i = 0; i < config.upstreams.size(); ++i) {
    const auto& upstream = config.upstreams[i];
    if (upstream.health) {
      asio::co_spawn(ioc_, check_loop(upstream, endpoints[i], generation), asio::detached);
    }
  }
}

asio::awaitable<void> HealthChecker::check_loop(config::UpstreamConfig upstream,
                                                tcp::endpoint endpoint, std::uint64_t generation) {
  asio::steady_timer timer(ioc_);
  while (generation == generation_) {
    bool healthy = co_await check_once(upstream, endpoint);
    if (generation != generation_) {
      break;
    }
    if (board_->set(upstream.name, healthy)) {
      EventLog::write(healthy ? config::LogLevel::info : config::LogLevel::warn, "upstream_health",
                      [&](http::JsonWriter& j) {
                        j.field("upstream", upstream.name);
                        j.field("healthy", healthy);
                      });
    }
    timer.expires_after(upstream.health->interval);
    co_await timer.async_wait(kUseTuple);
  }
}

asio::awaitable<bool> HealthChecker::check_once(const config::UpstreamConfig& upstream,
                                                const tcp::endpoint& endpoint) {
  // Shared with the deadline handler, which may run after this coroutine has returned.
  auto socket_ptr = std::make_shared<tcp::socket>(ioc_);
  auto& socket = *socket_ptr;
  asio::steady_timer deadline(ioc_);
  deadline.expires_after(upstream.health->timeout);
  deadline.async_wait([socket_ptr](const boost::system::error_code& ec) {
    if (!ec) {
      boost::system::error_code ignored;
      socket_ptr->close(ignored);
    }
  });
  auto [connect_ec] = co_await socket.async_connect(endpoint, kUseTuple);
  if (connect_ec) {
    deadline.cancel();
    co_return false;
  }
  std::string request = "GET " + upstream.health->path +
                        " HTTP/1.1\r\nHost: " + upstream.host_header +
                        "\r\nUser-Agent: rampart-health\r\nConnection: close\r\n\r\n";
  auto [write_ec, written] = co_await asio::async_write(socket, asio::buffer(request), kUseTuple);
  char buf[512];
  std::size_t have = 0;
  while (!write_ec && have < 12) {
    auto [read_ec, n] =
        co_await socket.async_read_some(asio::buffer(buf + have, sizeof buf - have), kUseTuple);
    if (read_ec) {
      break;
    }
    have += n;
  }
  deadline.cancel();
  boost::system::error_code ignored;
  socket.close(ignored);
  // "HTTP/1.x NNN"
  if (have < 12 || std::string_view(buf, 5) != "HTTP/") {
    co_return false;
  }
  int status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
  co_return status >= 200 && status < 400;
}

}  // namespace rampart::observe
