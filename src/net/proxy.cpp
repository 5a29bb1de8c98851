// The proxy step (SPEC §3 step 10): the part of ClientConnection that talks to the upstream.
// The upstream connection is taken once the request is ready to go (its body read whole when
// it fits server.request_buffer: request_body.cpp); the response is relayed by relay.cpp.

#include <array>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <span>

#include "net/client_connection.hpp"
#include "net/head_writer.hpp"
#include "net/write_now.hpp"
#include "observe/log.hpp"

namespace rampart::net {

using bhttp::field;
using http::Problem;
using http::ProblemCode;
using Outcome = ClientConnection::Outcome;

namespace {

constexpr std::size_t kMaxUpstreamHeadBytes = 64 * 1024;

}  // namespace

void ClientConnection::build_upstream_head() {
  const auto& config = view_->snapshot->config();
  const auto& request = state_->exchange.request;
  // Without a body the framing is known now: the head is written in one go.
  std::optional<Framing> framing;
  if (!request.has_body) {
    framing = request.content_length ? Framing::length_of(0) : Framing{};
  }
  write_upstream_head(state_->head, state_->exchange,
                      config.upstreams[state_->exchange.route->upstream_index], framing);
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

Task<error_code> ClientConnection::read_response_head(bool just_sent) {
  worker_.buffers().attach(out_);
  out_.consume(out_.size());  // nothing of an earlier exchange may leak into this one
  state_->response_parser.emplace(state_->exchange.response, state_->body_pieces);
  state_->response_parser->header_limit(kMaxUpstreamHeadBytes);
  state_->response_parser->body_limit(boost::none);
  if (state_->exchange.request.verb == bhttp::verb::head) {
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
        if (status == 101) {
          // rampart drops Upgrade (hop-by-hop) and never tunnels: a 101 is an upstream
          // speaking another protocol on this connection, which must not be relayed or pooled.
          upstream_protocol_error_ = true;
          co_return make_error_code(bhttp::error::bad_status);
        }
        if (status >= 100 && status < 200) {
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
      if (ec != bhttp::error::need_more || out_.writable() == 0) {
        upstream_protocol_error_ = true;
        co_return ec ? ec : make_error_code(bhttp::error::header_limit);
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

Task<bool> ClientConnection::prepare_request_body() {
  auto& request = state_->exchange.request;
  if (!co_await start_body(false)) {
    co_return false;
  }
  // A body that fits server.request_buffer is read whole before an upstream connection is
  // taken; a larger one streams once the upstream is there.
  const std::size_t limit =
      std::min(view_->snapshot->config().server.request_buffer, in_.capacity());
  const bool known_too_large = request.content_length && *request.content_length > limit;
  co_return state_->request_parser->is_done() || known_too_large ||
      co_await read_body_whole(limit, false) != BodyRead::failed;
}

Framing ClientConnection::request_framing() const {
  const auto& request = state_->exchange.request;
  if (!state_->request_parser->is_done()) {
    return request.chunked ? Framing::chunked() : Framing::length_of(*request.content_length);
  }
  return request.has_body ? Framing::length_of(whole_body().size()) : Framing{};
}

Problem ClientConnection::upstream_failure() {
  auto& metrics = *view_->upstream_metrics[state_->exchange.route->upstream_index];
  if (upstream_timed_out_) {
    metrics.error(observe::UpstreamErrorKind::timeout);
    return Problem::of(ProblemCode::upstream_timeout,
                       "the upstream service did not answer in time");
  }
  metrics.error(upstream_protocol_error_ ? observe::UpstreamErrorKind::protocol
                                         : observe::UpstreamErrorKind::reset);
  return Problem::of(ProblemCode::upstream_unavailable,
                     "the upstream service closed the connection");
}

Task<Outcome> ClientConnection::proxy() {
  const auto& config = view_->snapshot->config();
  const auto upstream_index = state_->exchange.route->upstream_index;
  const auto& upstream = config.upstreams[upstream_index];
  auto& request = state_->exchange.request;
  auto& parser = *state_->request_parser;

  build_upstream_head();
  // From here on the head is in state_->head: the read buffer holds the body from offset 0.
  if (request.has_body && !state_->exchange.body_read) {
    if (!co_await prepare_request_body()) {
      co_return co_await answer_body_failure();
    }
  } else if (head_bytes_ > 0) {
    in_.consume(head_bytes_);
    head_bytes_ = 0;
    in_.compact();
  }
  // Only a request held whole in memory can be sent again on a fresh connection.
  const bool whole = parser.is_done();
  const Framing framing = request_framing();
  if (request.has_body) {
    end_upstream_head(state_->head, framing);
  }

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
      view_->upstream_metrics[upstream_index]->error(observe::UpstreamErrorKind::connect);
      co_return co_await answer_problem(Problem::of(ProblemCode::upstream_unavailable,
                                                    ec == asio::error::no_buffer_space
                                                        ? "the upstream connection limit is reached"
                                                        : "the upstream service is unreachable"));
    }
    const bool reused = upstream_->reused;
    set_deadline(Deadline::upstream, upstream.timeout);
    auto& outgoing = state_->gather;
    outgoing.clear();
    outgoing.push_back(asio::buffer(state_->head));
    if (request.has_body) {
      gather_body(framing);
    }
    std::size_t sent = write_now(upstream_->socket, outgoing, ec);
    // All of it sent now, without waiting: the response is waited for without a read first.
    bool just_sent = !ec && outgoing.empty() && whole;
    if (!ec && !outgoing.empty()) {
      ec = co_await write_rest(upstream_->socket, outgoing, sent);
    }
    if (!ec && !whole) {
      ec = co_await stream_request_body(framing);
      if (!ec && !parser.is_done()) {
        upstream_.reset();  // the client failed mid-body: this exchange cannot be finished
        co_return co_await answer_body_failure();
      }
    }
    if (!ec) {
      set_deadline(Deadline::upstream, upstream.timeout);
      // The sweep starts watching the client if the upstream takes longer than a tick:
      // fast exchanges pay nothing for disconnect detection.
      watch_pending_ = true;
      watch_retained_bytes_ = in_.size();
      ec = co_await read_response_head(just_sent);
    } else if (!upstream_timed_out_ && upstream_->socket.is_open()) {
      // The upstream stopped taking the body: it may have answered already (a 405 or 413
      // before reading the body, then a reset). An answer it sent must reach the client.
      send_failed_ = true;
      ec = co_await read_response_head(false);
    }
    if (!ec) {
      in_.consume(body_parsed_);  // the body is done with; what follows is the next request
      body_parsed_ = body_decoded_ = 0;
      break;
    }
    const bool nothing_received = out_.empty() && !upstream_protocol_error_;
    upstream_.reset();
    stop_watching_client();
    if (client_gone_) {
      co_return finish_abandoned();
    }
    if (reused && attempt == 0 && whole && nothing_received && !upstream_timed_out_) {
      send_failed_ = false;
      continue;  // the upstream had closed the pooled connection: try once on a new one
    }
    co_return co_await answer_problem(upstream_failure());
  }

  if (state_->exchange.response.status >= 500) {
    co_return co_await replace_error_response(upstream_index);
  }
  co_return co_await relay_response(state_->exchange.route_index);
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
  // What is left is writing to the client, under send_timeout (write_client).
  deadline_kind_ = Deadline::none;
}

}  // namespace rampart::net
