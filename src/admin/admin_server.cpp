#include "admin/admin_server.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include "gateway/problem.hpp"
#include "policies/request_id/request_id_policy.hpp"

namespace rampart::admin {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

bool bearer_matches(std::string_view authorization, std::string_view key) {
  constexpr std::string_view kBearer = "Bearer ";
  if (key.empty() || authorization.size() < kBearer.size() ||
      !beast::iequals(authorization.substr(0, kBearer.size()), kBearer)) {
    return false;
  }
  auto given = authorization.substr(kBearer.size());
  // Comparing digests keeps the time independent of where, and whether, the lengths differ.
  unsigned char a[SHA256_DIGEST_LENGTH], b[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(given.data()), given.size(), a);
  SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), b);
  return CRYPTO_memcmp(a, b, sizeof a) == 0;
}

AdminServer::AdminServer(asio::io_context& ioc, MetricsSource metrics)
    : ioc_(ioc), acceptor_(ioc), metrics_(std::move(metrics)) {}

void AdminServer::bind(const config::ListenAddress& listen) {
  tcp::endpoint endpoint(asio::ip::make_address(listen.host), listen.port);
  boost::system::error_code ec;
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) {
    acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    acceptor_.bind(endpoint, ec);
  }
  if (!ec) {
    acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    throw std::system_error(
        ec, fmt::format("cannot listen on {}:{} (admin.listen)", listen.host, listen.port));
  }
}

void AdminServer::start() { asio::co_spawn(ioc_, accept_loop(), asio::detached); }

void AdminServer::stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

asio::awaitable<void> AdminServer::accept_loop() {
  while (acceptor_.is_open()) {
    auto [ec, socket] = co_await acceptor_.async_accept(kUseTuple);
    if (ec) {
      if (!acceptor_.is_open()) {
        break;
      }
      continue;
    }
    asio::co_spawn(ioc_, serve(std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> AdminServer::serve(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(16 * 1024);
    parser.body_limit(1024 * 1024);
    stream.expires_after(std::chrono::seconds(30));
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, kUseTuple);
    if (ec) {
      break;
    }
    auto& request = parser.get();
    http::response<http::string_body> response;
    response.version(11);
    response.keep_alive(request.keep_alive());
    auto target = std::string_view(request.target());
    auto path = target.substr(0, target.find('?'));

    auto problem = [&](gateway::ProblemCode code, std::string_view detail) {
      std::string id;
      policies::append_uuid_v4(id);
      auto p = gateway::Problem::of(code, detail);
      response.result(static_cast<unsigned>(p.status));
      response.set(http::field::content_type, "application/problem+json");
      response.set(http::field::cache_control, "no-store");
      response.set("X-Request-ID", id);
      response.body().clear();
      gateway::append_problem_body(p, id, response.body());
    };

    if (path == "/metrics") {
      if (request.method() != http::verb::get && request.method() != http::verb::head) {
        problem(gateway::ProblemCode::method_not_allowed, "/metrics answers GET");
        response.set(http::field::allow, "GET, HEAD");
      } else {
        response.result(http::status::ok);
        response.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
        response.body() = metrics_();
      }
    } else if (!bearer_matches(request[http::field::authorization], api_key_)) {
      problem(gateway::ProblemCode::unauthorized, "the admin API needs the admin key");
      response.set(http::field::www_authenticate, "Bearer");
    } else {
      problem(gateway::ProblemCode::not_found, "no such admin endpoint");
    }
    response.set("X-Content-Type-Options", "nosniff");
    response.prepare_payload();
    auto [write_ec, written] = co_await http::async_write(stream, response, kUseTuple);
    if (write_ec || !response.keep_alive()) {
      break;
    }
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

}  // namespace rampart::admin
