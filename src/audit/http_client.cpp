#include "audit/http_client.hpp"

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstring>
#include <memory>

#include "audit/tls_check.hpp"

namespace rampart::audit {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;

namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x | 0x20) == (y | 0x20);
         });
}

/// The state the writer, the reader and the deadline share for one exchange.
struct Exchange {
  Exchange(asio::io_context& io, asio::ssl::context& tls) : stream(io, tls), deadline(io) {}
  asio::ssl::stream<tcp::socket> stream;  ///< over http://, only its next_layer() is used
  tcp::socket& socket() { return stream.next_layer(); }
  asio::steady_timer deadline;
  ProbeResponse response;
  bool timed_out = false;
  bool connected = false;
  bool reader_done = false;
  bool tls_failed = false;
  beast::error_code write_error;
  beast::error_code read_error;
};

Transport classify(const beast::error_code& ec) {
  if (ec == asio::error::connection_refused) {
    return Transport::refused;
  }
  if (ec == asio::error::connection_reset || ec == asio::error::eof ||
      ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message ||
      ec == asio::error::broken_pipe) {
    return Transport::closed;
  }
  return Transport::error;
}

template <class Stream>
asio::awaitable<void> write_request(std::shared_ptr<Exchange> ex, Stream& stream,
                                    const ProbeRequest& request, const Target& target) {
  bhttp::request<bhttp::string_body> req;
  req.method_string(request.method);
  req.target(request.target);
  req.version(11);
  req.set(bhttp::field::host, target.host_header());
  req.set(bhttp::field::user_agent, "rampart-audit");
  req.set(bhttp::field::connection, "close");
  for (const auto& [name, value] : request.headers) {
    req.insert(name, value);
  }
  if (request.filler_bytes == 0) {
    req.body() = request.body;
    if (!request.body.empty() || request.method == "POST" || request.method == "PUT" ||
        request.method == "PATCH") {
      req.prepare_payload();
    }
    auto [ec, n] = co_await bhttp::async_write(stream, req, kNoThrow);
    ex->write_error = ec;
    ex->response.body_bytes_sent = request.body.size();
    co_return;
  }
  // Streamed filler: the head first, then 64 KiB pieces until the server answers or hangs up.
  req.set(bhttp::field::content_length, std::to_string(request.filler_bytes));
  bhttp::request_serializer<bhttp::string_body> head(req);
  auto [ec, n] = co_await bhttp::async_write_header(stream, head, kNoThrow);
  if (ec) {
    ex->write_error = ec;
    co_return;
  }
  static const std::string kPiece(64 * 1024, 'a');
  std::size_t sent = 0;
  while (sent < request.filler_bytes && !ex->reader_done) {
    std::size_t size = std::min(kPiece.size(), request.filler_bytes - sent);
    auto [wec, written] = co_await asio::async_write(stream, asio::buffer(kPiece, size), kNoThrow);
    sent += written;
    if (wec) {
      ex->write_error = wec;
      break;
    }
  }
  ex->response.body_bytes_sent = sent;
}

template <class Stream>
asio::awaitable<void> read_response(std::shared_ptr<Exchange> ex, Stream& stream,
                                    bool head_request) {
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::buffer_body> parser;
  parser.header_limit(64 * 1024);
  parser.body_limit(boost::none);
  parser.skip(head_request);
  auto [ec, n] = co_await bhttp::async_read_header(stream, buffer, parser, kNoThrow);
  if (ec) {
    ex->read_error = ec;
    co_return;
  }
  auto& head = parser.get();
  ex->response.status = head.result_int();
  ex->response.reason = std::string(head.reason());
  for (const auto& field : head) {
    ex->response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  std::array<char, 16 * 1024> chunk;
  std::size_t read_total = 0;
  while (!parser.is_done()) {
    parser.get().body().data = chunk.data();
    parser.get().body().size = chunk.size();
    auto [bec, bn] = co_await bhttp::async_read(stream, buffer, parser, kNoThrow);
    std::size_t got = chunk.size() - parser.get().body().size;
    read_total += got;
    std::size_t room = kKeptBodyBytes - std::min(kKeptBodyBytes, ex->response.body.size());
    ex->response.body.append(chunk.data(), std::min(room, got));
    if (got > room) {
      ex->response.body_truncated = true;
    }
    if (bec == bhttp::error::need_buffer) {
      bec = {};
    }
    if (bec) {
      ex->read_error = bec;
      break;
    }
    if (read_total >= kMaxReadBodyBytes) {
      ex->response.body_truncated = true;
      break;
    }
  }
}

template <class Stream>
asio::awaitable<void> exchange_on(std::shared_ptr<Exchange> ex, Stream& stream,
                                  const ProbeRequest& request, const Target& target) {
  auto executor = co_await asio::this_coro::executor;
  // The reader runs alongside the writer: a server may answer (413, 401) before the body ends.
  asio::co_spawn(
      executor,
      [ex, &stream, head = request.method == "HEAD"]() -> asio::awaitable<void> {
        co_await read_response(ex, stream, head);
        ex->reader_done = true;
        ex->deadline.cancel();
        beast::error_code ignored;
        ex->socket().close(ignored);  // also ends a writer stuck on a full send buffer
      },
      asio::detached);
  co_await write_request(ex, stream, request, target);
}

asio::awaitable<void> run_exchange(std::shared_ptr<Exchange> ex, const ProbeRequest& request,
                                   const Target& target, tcp::resolver::results_type endpoints) {
  // One address after the other, by hand: after the deadline has closed the socket, a range
  // connect would open it again for the next address ("localhost": ::1, then 127.0.0.1)
  // with no deadline left.
  beast::error_code ec = asio::error::host_not_found;
  for (const auto& entry : endpoints) {
    if (ex->timed_out) {
      break;
    }
    beast::error_code ignored;
    ex->socket().close(ignored);
    auto [attempt] = co_await ex->socket().async_connect(entry.endpoint(), kNoThrow);
    ec = attempt;
    if (!ec) {
      break;
    }
  }
  if (ec) {
    ex->read_error = ec;
    ex->deadline.cancel();
    co_return;
  }
  ex->connected = true;
  ex->socket().set_option(tcp::no_delay(true), ec);
  if (!target.https()) {
    co_await exchange_on(ex, ex->socket(), request, target);
    co_return;
  }
  // The probes look at the application even behind a bad certificate; whether the
  // certificate is valid is the TLS check's question (tls_check.cpp), asked once.
  set_server_name(ex->stream.native_handle(), target.host);
  auto [handshake_ec] =
      co_await ex->stream.async_handshake(asio::ssl::stream_base::client, kNoThrow);
  if (handshake_ec) {
    ex->read_error = handshake_ec;
    ex->tls_failed = true;
    ex->deadline.cancel();
    co_return;
  }
  co_await exchange_on(ex, ex->stream, request, target);
}

}  // namespace

const std::string* ProbeResponse::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) {
      return &value;
    }
  }
  return nullptr;
}

HttpClient::HttpClient(Target target)
    : target_(std::move(target)), probe_tls_(asio::ssl::context::tls_client) {
  probe_tls_.set_verify_mode(asio::ssl::verify_none);
}

Handshake HttpClient::handshake(asio::ssl::context& context, bool verify,
                                std::chrono::steady_clock::duration timeout) {
  return tls_handshake(io_, endpoints_, target_, context, verify, timeout);
}

std::optional<std::string> HttpClient::resolve() {
  tcp::resolver resolver(io_);
  beast::error_code ec;
  endpoints_ = resolver.resolve(target_.host, std::to_string(target_.port),
                                tcp::resolver::numeric_service, ec);
  if (ec || endpoints_.empty()) {
    return "cannot resolve " + target_.host + ": " + ec.message();
  }
  return std::nullopt;
}

ProbeResponse HttpClient::send(const ProbeRequest& request,
                               std::chrono::steady_clock::duration timeout) {
  auto started = std::chrono::steady_clock::now();
  auto ex = std::make_shared<Exchange>(io_, probe_tls_);
  ex->deadline.expires_after(timeout);
  ex->deadline.async_wait([ex](const beast::error_code& ec) {
    if (!ec) {
      ex->timed_out = true;
      beast::error_code ignored;
      ex->socket().close(ignored);
    }
  });
  asio::co_spawn(io_, run_exchange(ex, request, target_, endpoints_), asio::detached);
  io_.restart();
  io_.run();

  ProbeResponse response = std::move(ex->response);
  response.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  if (response.status != 0) {
    response.transport = Transport::ok;  // an answer, even if the body was cut short
  } else if (ex->timed_out) {
    response.transport = Transport::timeout;
    response.error =
        "no answer within " +
        std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count()) +
        " ms";
  } else {
    const auto& ec = ex->read_error ? ex->read_error : ex->write_error;
    response.transport = classify(ec);
    response.error = ec ? ec.message() : "no response";
    if (ex->tls_failed) {
      response.error = "TLS handshake: " + response.error;
    }
    if (!ex->connected && response.transport != Transport::refused) {
      response.error = "connect: " + response.error;
    }
  }
  return response;
}

}  // namespace rampart::audit
