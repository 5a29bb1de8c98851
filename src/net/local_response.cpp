// rampart's own answers (built-in endpoints and problem+json, SPEC §4-5), the client write
// path, and the per-request log line and metrics: the part of ClientConnection that ends a
// request.

#include <boost/beast/http/error.hpp>

#include "http/json_writer.hpp"
#include "net/client_connection.hpp"
#include "net/head_writer.hpp"
#include "net/write_now.hpp"
#include "observe/log.hpp"
#include "observe/request_log.hpp"

namespace rampart::net {

using http::Problem;
using http::ProblemCode;
using Outcome = ClientConnection::Outcome;

namespace {
constexpr std::string_view kProblemJson = "application/problem+json";
}  // namespace

Task<Outcome> ClientConnection::answer_exchange() {
  auto& exchange = state_->exchange;
  if (exchange.problem) {
    co_return co_await answer_problem(std::move(*exchange.problem));
  }
  const bool close = exchange.request.has_body && !exchange.body_read;
  co_return co_await answer(exchange.reply.status, exchange.reply.content_type, exchange.reply.body,
                            close);
}

Task<Outcome> ClientConnection::answer_problem(Problem problem) {
  if (!view_) {
    view_ = worker_.view();
  }
  auto& exchange = state_->exchange;
  if (exchange.request_id.empty()) {
    // Refused before the request-id stage ran (a malformed head): it still gets an id.
    view_->snapshot->handler->identify(exchange);
  }
  state_->body.clear();
  http::append_problem_body(problem, exchange.request_id, state_->body);
  // A request body we did not read would be taken for the next request: close instead.
  bool close = (exchange.request.has_body && !state_->request_parser->is_done()) ||
               problem.status == 400 || problem.status == 413 || problem.status == 414 ||
               problem.status == 431;
  const int status = problem.status;
  exchange.problem = std::move(problem);
  co_return co_await answer(status, kProblemJson, state_->body, close);
}

Task<Outcome> ClientConnection::answer(int status, std::string_view content_type,
                                       std::string_view body, bool close) {
  if (!view_) {
    view_ = worker_.view();
  }
  close = close || closing() || !state_->request_parser->is_header_done() ||
          !state_->request_parser->keep_alive();
  auto& exchange = state_->exchange;
  exchange.response.status = status;
  exchange.response.reason = {};
  exchange.response.headers.clear();
  auto& extra = exchange.response_extra_headers;
  extra.assign(exchange.reply.headers);
  if (exchange.problem) {
    extra += "Cache-Control: no-store\r\n";
  }
  if (view_->handler_state) {
    view_->snapshot->handler->on_response(exchange, *view_->handler_state);
  }
  // The same serializer as proxied responses.
  extra += "Content-Type: ";
  extra += content_type;
  extra += "\r\n";
  write_response_head(state_->head, exchange, Framing::length_of(body.size()), close);

  auto& gather = state_->gather;
  gather.clear();
  gather.push_back(asio::buffer(state_->head));
  if (exchange.request.verb != bhttp::verb::head && !body.empty()) {
    gather.push_back(asio::buffer(body.data(), body.size()));
  }
  if (!write_client_now()) {
    co_await write_client_rest();
  }
  finish_request(state_->exchange.started);
  // The head, and a body read whole: what follows is the next request.
  in_.consume(std::min(head_bytes_ + body_parsed_, in_.size()));
  head_bytes_ = body_parsed_ = body_decoded_ = 0;
  co_return close ? Outcome::close : Outcome::keep_alive;
}

bool ClientConnection::write_client_now() {
  error_code ec;
  state_->exchange.bytes_out += write_now(client_, state_->gather, ec);
  if (ec) {
    client_gone_ = true;
    return false;
  }
  return state_->gather.empty();
}

Task<bool> ClientConnection::write_client_rest() {
  auto& gather = state_->gather;
  error_code ec;
  if (client_gone_) {
    co_return false;
  }
  while (!ec && !gather.empty()) {
    // A client that stops reading must not hold this connection, nor the upstream's, for
    // longer than send_timeout without progress (nginx's send_timeout).
    sending_ = true;
    send_deadline_ = worker_.coarse_now() + view_->snapshot->config().server.send_timeout;
    auto [write_ec, n] = co_await client_.async_write_some(buffer_span(gather), use_tuple);
    sending_ = false;
    ec = write_ec;
    state_->exchange.bytes_out += n;
    consume_buffers(gather, n);
  }
  if (ec) {
    client_gone_ = true;
  }
  co_return !ec;
}

Outcome ClientConnection::finish_abandoned() {
  // nginx's status for a request the client abandoned before the response: logs only.
  constexpr int kClientClosedRequest = 499;
  state_->exchange.response.status = kClientClosedRequest;
  finish_request(state_->exchange.started);
  return Outcome::close;
}

void ClientConnection::finish_request(Clock::time_point started) {
  auto now = Clock::now();
  double seconds = std::chrono::duration<double>(now - started).count();
  int status = state_->exchange.response.status;
  auto& metrics = *view_;
  observe::RouteMetrics* route_metrics = metrics.unrouted_metrics;
  if (state_->exchange.route != nullptr) {
    auto index =
        static_cast<std::size_t>(state_->exchange.route - view_->snapshot->config().routes.data());
    route_metrics = metrics.route_metrics[index];
  }
  bool builtin = state_->exchange.route == nullptr && !state_->exchange.problem &&
                 state_->exchange.request.path.starts_with("/health");
  if (!builtin) {
    route_metrics->count(state_->exchange.request.method, status);
    route_metrics->duration.observe(seconds);
  }

  auto level = builtin ? config::LogLevel::debug
                       : (status >= 500 ? config::LogLevel::error : config::LogLevel::info);
  if (!observe::EventLog::enabled(level)) {
    return;
  }
  observe::append_request_line(worker_.log().line_buffer(), state_->exchange, level, seconds,
                               std::chrono::system_clock::now());
  worker_.log().committed();
}

}  // namespace rampart::net
