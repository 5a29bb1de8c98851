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

#include "http/ids.hpp"
#include "http/problem.hpp"

namespace rampart::admin {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
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

void AdminServer::set_store(const config::StoreLocation& where) {
  if (!keys_ || keys_->location().display != where.display ||
      keys_->location().path != where.path || keys_->location().conninfo != where.conninfo) {
    keys_ = std::make_shared<KeysApi>(where);
  }
}

namespace {

/// Runs one keys call on the store thread; the caller's coroutine resumes on its own thread.
asio::awaitable<AdminAnswer> call_keys_api(std::shared_ptr<KeysApi> api, bhttp::verb method,
                                           std::string path, std::string body) {
  co_return api->handle(method, path, body);
}

}  // namespace

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
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(16 * 1024);
    parser.body_limit(1024 * 1024);
    stream.expires_after(std::chrono::seconds(30));
    auto [ec, n] = co_await bhttp::async_read(stream, buffer, parser, kUseTuple);
    if (ec) {
      break;
    }
    auto& request = parser.get();
    bhttp::response<bhttp::string_body> response;
    response.version(11);
    response.keep_alive(request.keep_alive());
    auto target = std::string_view(request.target());
    auto path = target.substr(0, target.find('?'));

    auto problem = [&](http::ProblemCode code, std::string_view detail) {
      std::string id;
      http::append_uuid_v4(id);
      auto p = http::Problem::of(code, detail);
      response.result(static_cast<unsigned>(p.status));
      response.set(bhttp::field::content_type, "application/problem+json");
      response.set(bhttp::field::cache_control, "no-store");
      response.set("X-Request-ID", id);
      response.body().clear();
      http::append_problem_body(p, id, response.body());
    };

    if (path == "/metrics") {
      if (request.method() != bhttp::verb::get && request.method() != bhttp::verb::head) {
        problem(http::ProblemCode::method_not_allowed, "/metrics answers GET");
        response.set(bhttp::field::allow, "GET, HEAD");
      } else {
        response.result(bhttp::status::ok);
        response.set(bhttp::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
        response.body() = metrics_();
      }
    } else if (!bearer_matches(request[bhttp::field::authorization], api_key_)) {
      problem(http::ProblemCode::unauthorized, "the admin API needs the admin key");
      response.set(bhttp::field::www_authenticate, "Bearer");
    } else if (keys_ && KeysApi::handles(path)) {
      auto answer = co_await asio::co_spawn(
          store_thread_,
          call_keys_api(keys_, request.method(), std::string(path), std::move(request.body())),
          asio::use_awaitable);
      if (answer.problem) {
        std::string id;
        http::append_uuid_v4(id);
        response.result(static_cast<unsigned>(answer.problem->status));
        response.set(bhttp::field::content_type, "application/problem+json");
        response.set("X-Request-ID", id);
        http::append_problem_body(*answer.problem, id, response.body());
        if (!answer.allow.empty()) {
          response.set(bhttp::field::allow, answer.allow);
        }
      } else {
        response.result(answer.status);
        if (!answer.json.empty()) {
          response.set(bhttp::field::content_type, "application/json");
          response.body() = std::move(answer.json);
        }
      }
      // A new key is in the body once, and a list is nobody's to cache.
      response.set(bhttp::field::cache_control, "no-store");
    } else {
      problem(http::ProblemCode::not_found, "no such admin endpoint");
    }
    response.set("X-Content-Type-Options", "nosniff");
    response.prepare_payload();
    auto [write_ec, written] = co_await bhttp::async_write(stream, response, kUseTuple);
    if (write_ec || !response.keep_alive()) {
      break;
    }
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

}  // namespace rampart::admin
