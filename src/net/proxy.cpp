// The proxy step (SPEC §3 step 10) and the 5xx replacement of step 11: the part of
// ClientConnection that talks to the upstream. Bodies stream through in buffer-sized pieces,
// forwarded exactly as framed (chunked stays chunked), so nothing is ever buffered whole.

#include <array>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <span>

#include "net/client_connection.hpp"
#include "net/head_writer.hpp"
#include "net/write_now.hpp"
#include "observe/log.hpp"

namespace rampart::net {

using gateway::field;
using gateway::Problem;
using gateway::ProblemCode;
using Outcome = ClientConnection::Outcome;

namespace {

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr std::size_t kMaxUpstreamHeadBytes = 64 * 1024;
constexpr std::size_t kErrorExcerptBytes = 2048;
// nginx's status for a request the client abandoned before the response: logs only.
constexpr int kClientClosedRequest = 499;

}  // namespace

void ClientConnection::build_upstream_head() {
  const auto& config = view_->snapshot->config();
  write_upstream_head(state_->head, state_->exchange,
                      config.upstreams[state_->exchange.route->upstream_index]);
}

void ClientConnection::build_response_head(bool close, bool decoded) {
  state_->exchange.response_extra_headers.clear();
  view_->snapshot->pipeline.on_response(state_->exchange);
  write_response_head(state_->head, state_->exchange, close, decoded);
}

Task<error_code> ClientConnection::connect_upstream(std::size_t upstream_index) {
  const auto& upstream = view_->snapshot->config().upstreams[upstream_index];
  set_deadline(Deadline::upstream, upstream.connect_timeout);
  auto [ec] =
      co_await upstream_->socket.async_connect(view_->pools[upstream_index]->endpoint(), use_tuple);
  if (!ec) {
    upstream_->socket.set_option(tcp::no_delay(true), ec);
  }
  if (!ec) {
    upstream_->socket.non_blocking(true, ec);  // for write_now
  }
  co_return ec;
}

Task<error_code> ClientConnection::stream_request_body(std::size_t initial_body) {
  // A body larger than what came with the head: relay it piece by piece.
  in_.consume(initial_body);
  const auto& config = view_->snapshot->config();
  while (!state_->request_parser->is_done()) {
    set_deadline(Deadline::client, config.server.idle_timeout);
    in_.compact();
    auto [read_ec, got] =
        co_await client_.async_read_some(asio::buffer(in_.write_ptr(), in_.writable()), use_tuple);
    if (read_ec) {
      client_gone_ = true;
      co_return read_ec;
    }
    in_.commit(got);
    state_->exchange.bytes_in += got;
    error_code parse_ec;
    auto used = state_->request_parser->put(asio::buffer(in_.data(), in_.size()), parse_ec);
    if (parse_ec && parse_ec != http::error::need_more) {
      client_gone_ = true;  // a broken body: neither side can continue this exchange
      co_return parse_ec;
    }
    auto [write_ec, written] =
        co_await asio::async_write(upstream_->socket, asio::buffer(in_.data(), used), use_tuple);
    if (write_ec) {
      co_return write_ec;
    }
    in_.consume(used);
  }
  co_return error_code{};
}

Task<error_code> ClientConnection::read_response_head(bool just_sent) {
  worker_.buffers().attach(out_);
  out_.consume(out_.size());  // nothing of an earlier exchange may leak into this one
  state_->response_parser.emplace(state_->exchange.response, state_->body_pieces);
  state_->response_parser->header_limit(kMaxUpstreamHeadBytes);
  state_->response_parser->body_limit(boost::none);
  if (state_->exchange.request.verb == http::verb::head) {
    state_->response_parser->skip(true);
  }
  response_head_bytes_ = 0;
  for (;;) {
    if (out_.size() > response_head_bytes_) {
      error_code ec;
      response_head_bytes_ += state_->response_parser->put(
          asio::buffer(out_.data() + response_head_bytes_, out_.size() - response_head_bytes_), ec);
      if (!ec) {
        int status = state_->exchange.response.status;
        if (status >= 100 && status < 200 && status != 101) {
          // Interim responses (103 Early Hints...) are not relayed: skip to the final one.
          out_.consume(response_head_bytes_);
          out_.compact();
          response_head_bytes_ = 0;
          state_->exchange.response.headers.clear();
          state_->response_parser.emplace(state_->exchange.response, state_->body_pieces);
          state_->response_parser->header_limit(kMaxUpstreamHeadBytes);
          state_->response_parser->body_limit(boost::none);
          continue;
        }
        co_return error_code{};
      }
      if (ec != http::error::need_more || out_.writable() == 0) {
        upstream_protocol_error_ = true;
        co_return ec ? ec : make_error_code(http::error::header_limit);
      }
    }
    error_code ec;
    std::size_t n = 0;
    if (just_sent) {
      // The request went out a moment ago in this same turn of the event loop, so the
      // response can't be there yet, and its readiness can't have been seen and dropped by
      // the reactor: wait for it, then read. async_read_some would first try a read that
      // fails with EAGAIN (Asio 1.81 reads speculatively unless the last read hit EOF).
      auto [wait_ec] = co_await upstream_->socket.async_wait(tcp::socket::wait_read, use_tuple);
      ec = wait_ec;
      if (!ec) {
        n = upstream_->socket.read_some(asio::buffer(out_.write_ptr(), out_.writable()), ec);
        if (ec == asio::error::would_block || ec == asio::error::try_again) {
          continue;  // readiness without data (a spurious wakeup): wait again
        }
      }
      just_sent = false;
    } else {
      auto [read_ec, got] = co_await upstream_->socket.async_read_some(
          asio::buffer(out_.write_ptr(), out_.writable()), use_tuple);
      ec = read_ec;
      n = got;
    }
    if (ec) {
      co_return ec;
    }
    out_.commit(n);
  }
}

Task<Outcome> ClientConnection::proxy(std::size_t route_index) {
  const auto& config = view_->snapshot->config();
  const auto& route = config.routes[route_index];
  const auto upstream_index = route.upstream_index;
  auto& upstream_metrics = *view_->upstream_metrics[upstream_index];
  auto& request = state_->exchange.request;

  if (state_->request_parser->expects_continue() && request.has_body) {
    // The body streams straight on, so tell the client to send it now.
    request.headers.remove(field::expect);
    auto [ec, n] = co_await asio::async_write(client_, asio::buffer(kContinue), use_tuple);
    if (ec) {
      co_return Outcome::close;
    }
  }
  build_upstream_head();
  // From here on the head is in state_->head: the read buffer may be reused.
  in_.consume(head_bytes_);
  head_bytes_ = 0;
  std::size_t initial_body = 0;
  if (request.has_body) {
    state_->request_parser->eager(true);
    error_code ec;
    initial_body = state_->request_parser->put(asio::buffer(in_.data(), in_.size()), ec);
    state_->exchange.bytes_in += initial_body;
    if (ec && ec != http::error::need_more) {
      co_return co_await answer_problem(
          Problem::of(ProblemCode::bad_request, "malformed request body framing"));
    }
  }
  // Only a request held whole in memory can be sent again on a fresh connection.
  const bool replayable = state_->request_parser->is_done();

  for (int attempt = 0;; ++attempt) {
    upstream_started_ = Clock::now();
    upstream_ = view_->pools[upstream_index]->acquire(attempt > 0);
    error_code ec;
    if (!upstream_) {
      ec = make_error_code(asio::error::no_buffer_space);
    } else if (!upstream_->socket.is_open()) {
      ec = co_await connect_upstream(upstream_index);
    }
    if (ec) {
      upstream_.reset();
      upstream_metrics.error(observe::UpstreamErrorKind::connect);
      co_return co_await answer_problem(Problem::of(ProblemCode::upstream_unavailable,
                                                    ec == asio::error::no_buffer_space
                                                        ? "the upstream connection limit is reached"
                                                        : "the upstream service is unreachable"));
    }
    const bool reused = upstream_->reused;
    set_deadline(Deadline::upstream, config.upstreams[upstream_index].timeout);
    auto& outgoing = state_->gather;
    outgoing.assign({asio::buffer(state_->head), asio::buffer(in_.data(), initial_body)});
    std::size_t sent = write_now(upstream_->socket, outgoing, ec);
    // All of it sent now, without waiting: the response is waited for without a read first.
    bool just_sent = !ec && outgoing.empty() && state_->request_parser->is_done();
    if (!ec && !outgoing.empty()) {
      ec = co_await write_rest(upstream_->socket, outgoing, sent);
    }
    if (!ec && !state_->request_parser->is_done()) {
      ec = co_await stream_request_body(initial_body);
    }
    if (!ec) {
      set_deadline(Deadline::upstream, config.upstreams[upstream_index].timeout);
      // The sweep starts watching the client if the upstream takes longer than a tick:
      // fast exchanges pay nothing for disconnect detection.
      watch_pending_ = true;
      watch_retained_bytes_ = replayable ? initial_body : 0;
      ec = co_await read_response_head(just_sent);
    }
    if (!ec) {
      if (replayable) {
        in_.consume(initial_body);
      }
      break;
    }
    const bool nothing_received = out_.empty() && !upstream_protocol_error_;
    upstream_.reset();
    stop_watching_client();
    if (client_gone_) {
      state_->exchange.response.status = kClientClosedRequest;
      finish_request(state_->exchange.started);
      co_return Outcome::close;
    }
    if (reused && attempt == 0 && replayable && nothing_received && !upstream_timed_out_) {
      continue;  // the upstream had closed the pooled connection: try once on a new one
    }
    if (replayable) {
      in_.consume(initial_body);  // sent or not, this body is done with
    }
    if (upstream_timed_out_) {
      upstream_metrics.error(observe::UpstreamErrorKind::timeout);
      co_return co_await answer_problem(Problem::of(ProblemCode::upstream_timeout,
                                                    "the upstream service did not answer in time"));
    }
    upstream_metrics.error(upstream_protocol_error_ ? observe::UpstreamErrorKind::protocol
                                                    : observe::UpstreamErrorKind::reset);
    co_return co_await answer_problem(Problem::of(ProblemCode::upstream_unavailable,
                                                  "the upstream service closed the connection"));
  }

  if (state_->exchange.response.status >= 500) {
    co_return co_await replace_error_response(upstream_index);
  }
  co_return co_await relay_response(route_index);
}

void ClientConnection::release_upstream(std::size_t upstream_index, bool reusable) {
  stop_watching_client();
  auto now = Clock::now();
  double upstream_seconds = std::chrono::duration<double>(now - upstream_started_).count();
  state_->exchange.upstream_ms = upstream_seconds * 1000.0;
  view_->upstream_metrics[upstream_index]->duration.observe(upstream_seconds);
  if (reusable) {
    view_->pools[upstream_index]->give_back(std::move(upstream_), now);
  } else {
    upstream_.reset();
  }
  // What is left is writing to the client: a client that stops reading is cut off like an
  // idle one (nginx's send_timeout).
  set_deadline(Deadline::client, view_->snapshot->config().server.idle_timeout);
}

Task<Outcome> ClientConnection::relay_response(std::size_t route_index) {
  const auto& config = view_->snapshot->config();
  const auto& route = config.routes[route_index];
  auto& upstream_metrics = *view_->upstream_metrics[route.upstream_index];
  auto& parser = *state_->response_parser;

  if (route.stream) {
    // A stream outlives the upstream timeout; max_duration bounds it instead.
    deadline_kind_ = Deadline::stream;
    deadline_ = state_->exchange.started + route.stream->max_duration;
  }
  const bool decoded = state_->exchange.request.version < 11 && parser.chunked();
  const bool close =
      closing() || !state_->request_parser->keep_alive() || parser.need_eof() || decoded;
  build_response_head(close, decoded);
  out_.consume(response_head_bytes_);
  parser.eager(true);
  parser.collect_decoded(decoded);

  bool aborted = false;
  std::string_view head = state_->head;
  std::vector<std::string_view>& pieces = parser.pieces();
  for (;;) {
    std::size_t used = 0;
    pieces.clear();
    if (!out_.empty() && !parser.is_done()) {
      error_code ec;
      used = parser.put(asio::buffer(out_.data(), out_.size()), ec);
      if (ec && ec != http::error::need_more) {
        upstream_metrics.error(observe::UpstreamErrorKind::protocol);
        aborted = true;
        break;
      }
      if (!decoded && used > 0) {
        pieces.push_back(std::string_view(out_.data(), used));
      }
    }
    if (parser.is_done() && upstream_) {
      // Complete: free the upstream connection and its max_connections slot before the last
      // write to the client, so the client's next request can have it.
      release_upstream(route.upstream_index, parser.keep_alive() && out_.size() == used);
    }
    if (!head.empty() || !pieces.empty()) {
      gather_client_write(head, pieces);
      error_code ec;
      std::size_t n = write_now(client_, state_->gather, ec);
      if (!ec && !state_->gather.empty()) {
        ec = co_await write_rest(client_, state_->gather, n);
      }
      head = {};
      if (!wrote_client(ec, n)) {
        aborted = true;
        break;
      }
    }
    out_.consume(used);
    if (parser.is_done()) {
      break;
    }
    if (out_.writable() == 0) {
      out_.compact();
    }
    auto [ec, n] = co_await upstream_->socket.async_read_some(
        asio::buffer(out_.write_ptr(), out_.writable()), use_tuple);
    if (ec == asio::error::eof && parser.need_eof()) {
      error_code eof_ec;
      parser.put_eof(eof_ec);
      break;
    }
    if (ec) {
      if (upstream_timed_out_) {
        upstream_metrics.error(observe::UpstreamErrorKind::timeout);
      } else if (!client_gone_ && !stream_expired_) {
        upstream_metrics.error(observe::UpstreamErrorKind::reset);
      }
      aborted = true;
      break;
    }
    out_.commit(n);
  }
  if (upstream_) {
    release_upstream(route.upstream_index, false);
  }
  deadline_kind_ = Deadline::none;
  finish_request(state_->exchange.started);
  co_return (aborted || close) ? Outcome::close : Outcome::keep_alive;
}

Task<Outcome> ClientConnection::replace_error_response(std::size_t upstream_index) {
  auto& parser = *state_->response_parser;
  const int status = state_->exchange.response.status;
  out_.consume(response_head_bytes_);
  parser.eager(true);
  parser.collect_decoded(true);
  std::string excerpt;
  bool failed = false;
  while (!parser.is_done() && excerpt.size() < kErrorExcerptBytes) {
    if (!out_.empty()) {
      error_code ec;
      parser.pieces().clear();
      auto used = parser.put(asio::buffer(out_.data(), out_.size()), ec);
      for (auto piece : parser.pieces()) {
        excerpt.append(
            piece.substr(0, kErrorExcerptBytes - std::min(excerpt.size(), kErrorExcerptBytes)));
      }
      out_.consume(used);
      if ((ec && ec != http::error::need_more) || parser.is_done()) {
        failed = failed || (ec && ec != http::error::need_more);
        break;
      }
    }
    if (out_.writable() == 0) {
      out_.compact();
    }
    auto [ec, n] = co_await upstream_->socket.async_read_some(
        asio::buffer(out_.write_ptr(), out_.writable()), use_tuple);
    if (ec) {
      failed = true;
      break;
    }
    out_.commit(n);
  }
  release_upstream(upstream_index,
                   !failed && parser.is_done() && parser.keep_alive() && out_.empty());
  const auto& upstream_name = view_->snapshot->config().upstreams[upstream_index].name;
  observe::EventLog::write(config::LogLevel::error, "upstream_error", [&](observe::JsonWriter& j) {
    j.field("request_id", state_->exchange.request_id);
    j.field("upstream", upstream_name);
    j.field("status", static_cast<long long>(status));
    j.field("body", excerpt);
  });
  co_return co_await answer_problem(Problem::upstream_error(status));
}

}  // namespace rampart::net
