#include "net/client_connection.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <span>

#include "http/json_writer.hpp"
#include "observe/log.hpp"
#include "observe/request_log.hpp"

namespace rampart::net {

using http::Problem;
using http::ProblemCode;
using Outcome = ClientConnection::Outcome;

namespace {

Problem refusal_problem(Refusal refusal) {
  switch (refusal) {
    case Refusal::uri_too_long:
      return Problem::of(ProblemCode::uri_too_long, "the request target is too long");
    case Refusal::header_too_large:
      return Problem::of(ProblemCode::header_too_large, "the request head is too large");
    case Refusal::smuggling:
      return Problem::of(ProblemCode::bad_request, "ambiguous request framing");
    case Refusal::host:
      return Problem::of(ProblemCode::bad_request, "missing, repeated or invalid Host");
    case Refusal::malformed:
      break;
  }
  return Problem::of(ProblemCode::bad_request, "malformed HTTP request");
}

observe::RejectReason reject_reason(Refusal refusal) {
  switch (refusal) {
    case Refusal::smuggling:
      return observe::RejectReason::smuggling;
    case Refusal::host:
      return observe::RejectReason::host;
    case Refusal::header_too_large:
      return observe::RejectReason::header_too_large;
    case Refusal::uri_too_long:
      return observe::RejectReason::uri_too_long;
    case Refusal::malformed:
      break;
  }
  return observe::RejectReason::malformed;
}

/// A 414 also when the request line alone overflowed the header limit before it ended.
bool request_line_too_long(std::string_view received) {
  auto eol = received.find("\r\n");
  return (eol == std::string_view::npos ? received.size() : eol) > kMaxUriBytes;
}

}  // namespace

ClientConnection::ClientConnection(Worker& worker, Socket socket)
    : worker_(worker), client_(std::move(socket)) {
  ++worker_.metrics().active_connections;
}

ClientConnection::~ClientConnection() {
  --worker_.metrics().active_connections;
  worker_.buffers().detach(in_);
  worker_.buffers().detach(out_);
  worker_.connection_closed();
}

Task<void> ClientConnection::serve(std::shared_ptr<ClientConnection> self) {
  error_code ignored;
  self->client_.non_blocking(true, ignored);  // for write_now
  self->peer_ = self->client_.remote_endpoint(ignored).address();
  self->peer_text_ = self->peer_.to_string();
  for (;;) {
    if (self->in_.empty()) {
      const auto& server = self->worker_.view()->snapshot->config().server;
      self->idle_ = true;
      if (self->closing()) {
        self->start_drain_grace();  // a request that arrives now is still served
      } else {
        self->set_deadline(Deadline::client,
                           self->first_request_ ? server.header_timeout : server.idle_timeout);
      }
      bool have_bytes = false;
      if (self->in_.attached()) {
        // Just answered: the next request usually follows at once, so read straight into
        // the warm buffer. If the client stays quiet for a tick, the sweep parks us below.
        self->idle_since_ = self->worker_.coarse_now();
        self->hot_idle_ = true;
        auto [ec, n] = co_await self->client_.async_read_some(
            asio::buffer(self->in_.write_ptr(), self->in_.writable()), use_tuple);
        self->hot_idle_ = false;
        if (!ec) {
          self->in_.commit(n);
          have_bytes = true;
        } else if (!(ec == asio::error::operation_aborted && self->parking_)) {
          break;
        }
        self->parking_ = false;
      }
      if (!have_bytes) {
        // Parked: wait in the outermost frame holding no buffer and no request state, so
        // 10,000 idle keep-alive clients cost little more than their sockets.
        self->release_request_memory();
        // The reactor is edge-triggered and a wait does not try the socket first: bytes
        // whose arrival it saw while nothing waited (before this new connection's first
        // wait, or as the hot read was being cancelled) would be waited for forever.
        error_code ec;
        if (self->client_.available(ec) == 0 && !ec) {
          auto [wait_ec] = co_await self->client_.async_wait(tcp::socket::wait_read, use_tuple);
          ec = wait_ec;
        }
        if (ec) {
          break;
        }
      }
      self->idle_ = false;
    }
    if (!self->state_) {
      self->state_ = self->worker_.acquire_request_state();
    }
    if (!co_await self->read_request_head() || co_await self->handle_request() == Outcome::close) {
      break;
    }
  }
  self->stop_watching_client();
  self->close_upstream();
  self->upstream_.reset();
  self->release_request_memory();
  co_await self->linger();
  self->client_.close(ignored);
}

void ClientConnection::release_request_memory() {
  worker_.buffers().detach(in_);
  worker_.buffers().detach(out_);
  if (state_) {
    state_->exchange.hold.reset();
    worker_.release_request_state(std::move(state_));
  }
}

Task<void> ClientConnection::linger() {
  // Close like nginx's lingering close: send FIN, then drain what the client still sends for
  // a moment, so a response followed by close is not lost to a TCP reset.
  if (!client_.is_open()) {
    co_return;
  }
  error_code ec;
  client_.shutdown(tcp::socket::shutdown_send, ec);
  if (ec) {
    co_return;
  }
  // No buffer of our own: 10,000 clients closing at once must not take 10,000 buffers.
  set_deadline(Deadline::client, std::chrono::seconds(2));
  for (;;) {
    auto [read_ec, n] = co_await client_.async_read_some(worker_.discard_buffer(), use_tuple);
    if (read_ec) {
      break;
    }
  }
  deadline_kind_ = Deadline::none;
}

bool ClientConnection::closing() const { return worker_.draining(); }

void ClientConnection::set_deadline(Deadline kind, Clock::duration after) {
  // The worker's tick time: deadlines are swept per tick anyway, and this saves a clock read
  // per deadline (several per request).
  deadline_kind_ = kind;
  deadline_ = worker_.coarse_now() + after;
}

void ClientConnection::check_deadline(Clock::time_point now) {
  // idle_since_ is the tick time (up to a tick early): park after two ticks, so a connection
  // is parked after 50-100 ms of real silence, never sooner.
  if (hot_idle_ && !parking_ && now - idle_since_ >= 2 * kParkAfter) {
    parking_ = true;
    error_code ignored;
    client_.cancel(ignored);  // ends the buffered read; serve() switches to the parked wait
  }
  if (watch_pending_ && upstream_ && !watching_client_) {
    start_watching_client(watch_retained_bytes_);
  }
  error_code ignored;
  if (sending_ && now >= send_deadline_) {
    // The client stopped reading: it loses the connection, and the upstream's slot is freed.
    sending_ = false;
    client_.close(ignored);
    close_upstream();
  }
  if (deadline_kind_ == Deadline::none || now < deadline_) {
    return;
  }
  switch (deadline_kind_) {
    case Deadline::client:
      client_.close(ignored);
      break;
    case Deadline::body:
      body_timed_out_ = true;
      client_.cancel(ignored);  // the body read ends; the 408 is still written
      break;
    case Deadline::drain:
      client_.cancel(ignored);  // the idle wait ends; serve() closes with a lingering read
      break;
    case Deadline::upstream:
      upstream_timed_out_ = true;
      close_upstream();
      break;
    case Deadline::stream:
      stream_expired_ = true;
      close_upstream();
      break;
    case Deadline::policy:
      if (policy_waiting_ && state_) {
        if (!policy_wait_.waiting()) {
          state_->exchange.policy_timed_out = true;
          policy_cancel_.emit(asio::cancellation_type::terminal);
        } else if (policy_wait_.cancel(policy_wait_)) {
          // Taken back and decided without its dependency (the rate limit, locally: SPEC §2
          // answers no 503 for it). Not from within the sweep: the request goes on from
          // here, and may end the connection.
          asio::post(client_.get_executor(),
                     [self = shared_from_this()] { self->policy_wait_.resume(); });
        }
        // Otherwise its decision is already on its way.
      }
      break;
    case Deadline::none:
      break;
  }
  deadline_kind_ = Deadline::none;
}

void ClientConnection::drain() {
  // Busy connections see worker_.draining() when their response ends, and close after it.
  // Idle ones get a moment for a request already on its way (served with Connection: close)
  // before they close gracefully: closing at once would drop it, or reset the connection.
  if (idle_) {
    start_drain_grace();
  }
}

void ClientConnection::start_drain_grace() {
  const auto grace = std::min<Clock::duration>(
      kDrainGrace, worker_.view()->snapshot->config().server.drain_timeout);
  const auto until = worker_.coarse_now() + grace;
  if (deadline_kind_ != Deadline::drain || until < deadline_) {
    deadline_kind_ = Deadline::drain;
    deadline_ = until;
  }
}

void ClientConnection::force_close() {
  error_code ignored;
  client_.close(ignored);
  close_upstream();
}

Task<bool> ClientConnection::read_request_head() {
  state_->exchange.clear();
  const auto& config = view_ ? view_->snapshot->config() : worker_.view()->snapshot->config();
  auto& parser = state_->request_parser.emplace(state_->exchange.request, &state_->request_pieces);
  parser.header_limit(static_cast<std::uint32_t>(config.server.max_header_bytes));
  parser.body_limit(boost::none);
  worker_.buffers().attach(in_);
  in_.compact();  // the head starts at offset 0 and never moves while views into it exist
  head_bytes_ = 0;
  first_request_ = false;
  set_deadline(Deadline::client, config.server.header_timeout);
  state_->exchange.started = Clock::now();

  for (;;) {
    error_code ec;
    if (!in_.empty()) {
      // The parser consumes nothing until the whole head is there: it is passed again whole.
      head_bytes_ = state_->request_parser->put(asio::buffer(in_.data(), in_.size()), ec);
      if (!ec) {
        break;
      }
      if (ec != bhttp::error::need_more || in_.writable() == 0) {
        auto refusal = state_->request_parser->refusal(ec);
        if (refusal == Refusal::malformed && in_.writable() == 0) {
          refusal = Refusal::header_too_large;
        }
        if (refusal == Refusal::header_too_large && request_line_too_long(in_.view())) {
          refusal = Refusal::uri_too_long;
        }
        const auto problem = refusal_problem(refusal);
        worker_.metrics().reject(reject_reason(refusal));
        state_->exchange.bytes_in = in_.size();
        co_await answer_problem(problem);
        co_return false;
      }
    }
    auto [read_ec, n] =
        co_await client_.async_read_some(asio::buffer(in_.write_ptr(), in_.writable()), use_tuple);
    if (read_ec) {
      co_return false;  // closed mid-head or timed out: nothing to answer
    }
    in_.commit(n);
  }
  state_->exchange.bytes_in = head_bytes_;
  co_return true;
}

void ClientConnection::prepare_exchange() {
  if (view_ != worker_.view()) {
    view_ = worker_.view();
  }
  state_->exchange.peer = peer_;
  state_->exchange.peer_text = peer_text_;
  // The fields the client's Connection names go now, before the policies: a route's added
  // field must not be one a client can strip with "Connection: X-Tenant".
  state_->exchange.request.headers.remove_connection_options();
  state_->exchange.tls = false;
  client_gone_ = upstream_timed_out_ = stream_expired_ = false;
  upstream_protocol_error_ = send_failed_ = false;
  body_timed_out_ = body_malformed_ = body_too_large_ = false;
  body_parsed_ = body_decoded_ = 0;
  policy_deadline_ = {};
  state_->forget_body();
}

Task<Outcome> ClientConnection::handle_request() {
  prepare_exchange();
  const auto& handler = *view_->snapshot->handler;
  auto& exchange = state_->exchange;
  for (;;) {
    // Whatever a request holds (a route's concurrency slot) goes back the moment its
    // response is done or abandoned, not when the next request on the connection comes.
    switch (handler.run(exchange, *view_->handler_state)) {
      case Step::answer: {
        const auto outcome = co_await answer_exchange();
        exchange.hold.reset();
        co_return outcome;
      }
      case Step::proxy: {
        const auto outcome = co_await proxy();
        exchange.hold.reset();
        co_return outcome;
      }
      case Step::read_body:
        if (!co_await read_body_for_policies()) {
          const auto outcome = co_await answer_body_failure();
          exchange.hold.reset();
          co_return outcome;
        }
        break;
      case Step::wait:
        co_await wait_for_policy(handler);
        break;
    }
  }
}

Task<void> ClientConnection::wait_for_policy(const RequestHandler& handler) {
  auto& exchange = state_->exchange;
  if (policy_deadline_ == Clock::time_point{}) {
    // One deadline for all the waits of a request, from its first.
    const auto timeout = exchange.route ? exchange.route->policy_timeout
                                        : view_->snapshot->config().server.policy_timeout;
    policy_deadline_ = worker_.coarse_now() + timeout;
  }
  deadline_kind_ = Deadline::policy;
  deadline_ = policy_deadline_;
  policy_waiting_ = true;
  if (handler.start_wait(exchange, *view_->handler_state, policy_wait_)) {
    co_await policy_wait_.async_resumed(asio::use_awaitable_t<Executor>{});
    policy_waiting_ = false;
    deadline_kind_ = Deadline::none;
    handler.finish_wait(exchange, *view_->handler_state, policy_wait_);
    co_return;
  }
  // A child coroutine with its own cancellation slot, so that the sweep can end the wait at
  // the deadline. Only pending stages get here: the synchronous path costs no frame.
  auto [thrown] = co_await asio::co_spawn(
      client_.get_executor(), handler.wait(exchange, *view_->handler_state),
      asio::bind_cancellation_slot(policy_cancel_.slot(),
                                   asio::as_tuple(asio::use_awaitable_t<Executor>{})));
  policy_waiting_ = false;
  deadline_kind_ = Deadline::none;
  if (thrown) {
    // A policy must not throw on the request path; if one does, the request is not let
    // through: it is answered as a policy that did not decide.
    observe::EventLog::write(config::LogLevel::error, "policy_error", [&](http::JsonWriter& j) {
      j.field("request_id", exchange.request_id);
    });
    exchange.policy_timed_out = true;
  }
}

void ClientConnection::start_watching_client(std::size_t retained_bytes) {
  if (watching_client_ || in_.size() > retained_bytes || !client_.is_open()) {
    return;  // pipelined bytes already here: the client is alive
  }
  watching_client_ = true;
  watch_pending_ = false;
  client_.async_wait(tcp::socket::wait_read, [self = shared_from_this()](const error_code& ec) {
    if (ec || !self->watching_client_) {
      return;
    }
    self->watching_client_ = false;
    char byte;
    auto n = ::recv(self->client_.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))) {
      return;  // a pipelined request, or a spurious wake-up
    }
    // The client went away: stop the upstream work at once.
    self->client_gone_ = true;
    self->close_upstream();
  });
}

void ClientConnection::stop_watching_client() {
  watch_pending_ = false;
  if (watching_client_) {
    watching_client_ = false;
    error_code ignored;
    client_.cancel(ignored);
  }
}

void ClientConnection::close_upstream() {
  if (upstream_) {
    upstream_->close();
  }
}

}  // namespace rampart::net
