// The response on its way back (SPEC §3 steps 10-11): relayed as it arrives, in framing
// rampart writes from the parsed message (a Content-Length, or chunks of its own), or, for an
// upstream 5xx, replaced by a problem body. A client slower than the upstream gets the rest
// from a temp file (server.response_spool), so it never holds the upstream connection.

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/beast/http/error.hpp>
#include <cstring>

#include "http/json_writer.hpp"
#include "net/body_writer.hpp"
#include "net/client_connection.hpp"
#include "net/head_writer.hpp"
#include "observe/log.hpp"

namespace rampart::net {

using http::Problem;
using Outcome = ClientConnection::Outcome;

namespace {

constexpr std::size_t kErrorExcerptBytes = 2048;

/// Spooling failed (no temp dir, disk full): the response goes on with back-pressure. Said
/// once per process, so a full disk does not flood the log.
void note_spool_unavailable(const error_code& ec) {
  static std::atomic<bool> said{false};
  if (said.exchange(true, std::memory_order_relaxed)) {
    return;
  }
  observe::EventLog::write(config::LogLevel::warn, "spool_unavailable", [&](http::JsonWriter& j) {
    j.field("dir", ResponseSpool::default_dir());
    j.field("error", ec.message());
  });
}

/// Has the kernel ACK what the upstream sent at once, rather than up to 40 ms later. A backend
/// that writes its head and its body in two sends with Nagle on (Python's http.server, some
/// WSGI servers) holds the body back until the head is ACKed, and Linux delays ACKs on a
/// connection it sees as request/response: 44 ms per request, direct or through a proxy.
/// Called once per response that needs a second read: one system call, not one per read.
void ask_for_ack_now(Socket& socket) {
  int one = 1;
  ::setsockopt(socket.native_handle(), IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
}

}  // namespace

void ClientConnection::build_response_head(Framing framing, bool close) {
  state_->exchange.response_extra_headers.clear();
  // Before the policies' hooks, as for requests: an upstream's "Connection: Cache-Control"
  // must not strip a field a route adds.
  state_->exchange.response.headers.remove_connection_options();
  view_->snapshot->handler->on_response(state_->exchange, *view_->handler_state);
  write_response_head(state_->head, state_->exchange, framing, close);
}

ClientConnection::RelayPlan ClientConnection::plan_relay() const {
  const auto& parser = *state_->response_parser;
  const int status = state_->exchange.response.status;
  // The framing the client gets, from what was parsed (RFC 9110 §8.6, §9.3.2, §15.4.5).
  const bool bodyless =
      state_->exchange.request.verb == bhttp::verb::head || status == 204 || status == 304;
  const bool http10_client = state_->exchange.request.version < 11;
  RelayPlan plan;  // 204: no framing, whatever the upstream said
  if (status != 204 && parser.chunked()) {
    plan.framing = (http10_client && !bodyless) ? Framing{} : Framing::chunked();
  } else if (status != 204 && parser.content_length()) {
    plan.framing = Framing::length_of(*parser.content_length());
  }
  plan.decode = parser.chunked() && !bodyless;
  plan.rechunk = plan.decode && plan.framing.kind == Framing::Kind::chunked;
  // Close after a body that ends at the upstream's close or at ours (HTTP/1.0, chunked), and
  // after a request body that was not read to its end (the upstream answered early).
  plan.close = closing() || !state_->request_parser->keep_alive() ||
               !state_->request_parser->is_done() || parser.need_eof() ||
               (plan.decode && !plan.rechunk);
  return plan;
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
  const auto [framing, decode, rechunk, close] = plan_relay();
  build_response_head(framing, close);
  out_.consume(response_head_bytes_);
  parser.eager(true);
  parser.collect_decoded(decode);

  bool aborted = false;
  bool head_sent = false;
  bool asked_for_ack = false;
  // A stream may never end: spooling it would free no upstream connection, only fill a file.
  bool may_spool = !route.stream;
  auto& gather = state_->gather;
  for (;;) {
    std::size_t used = 0;
    std::size_t body_bytes = 0;
    if (!out_.empty() && !parser.is_done()) {
      error_code ec;
      parser.pieces().clear();
      used = parser.put(asio::buffer(out_.data(), out_.size()), ec);
      if (ec && ec != bhttp::error::need_more) {
        upstream_metrics.error(observe::UpstreamErrorKind::protocol);
        aborted = true;
        break;
      }
      body_bytes = decode ? gather_in_place(out_.mutable_data(), parser.pieces()) : used;
    }
    if (parser.is_done() && upstream_) {
      // Complete: free the upstream connection and its max_connections slot before the last
      // write to the client, so the client's next request can have it. Bytes beyond the
      // response (a body after HEAD or 204, anything at all) mean it cannot be trusted again.
      release_upstream(route.upstream_index,
                       parser.keep_alive() && !send_failed_ && out_.size() == used);
    }
    gather.clear();
    if (!head_sent) {
      gather.push_back(asio::buffer(state_->head));
      head_sent = true;
    }
    gather_body_piece(gather, std::string_view(out_.data(), body_bytes), rechunk, parser.is_done(),
                      chunk_size_line_);
    if (!gather.empty()) {
      bool written = false;
      if (spool_) {
        written = co_await spool_gather(may_spool);
      } else {
        written = write_client_now();
        if (!written) {
          // The client is slower than the upstream. A complete response has freed the
          // upstream already: only an unfinished one is worth a temp file.
          may_spool = may_spool && !parser.is_done();
          written = co_await write_client_behind(may_spool);
        }
      }
      if (!written) {
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
    if (!asked_for_ack) {
      ask_for_ack_now(upstream_->socket);
      asked_for_ack = true;
    }
    auto [ec, n] = co_await upstream_->socket.async_read_some(
        asio::buffer(out_.write_ptr(), out_.writable()), use_tuple);
    if (ec == asio::error::eof && parser.need_eof()) {
      error_code eof_ec;
      parser.put_eof(eof_ec);
      break;
    }
    if (ec) {
      if (spool_ && !client_.is_open()) {
        client_gone_ = true;  // send_timeout cut the spooled client, and the upstream with it
      }
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
  if (spool_ && !co_await finish_spooled(aborted)) {
    aborted = true;
  }
  deadline_kind_ = Deadline::none;
  finish_request(state_->exchange.started);
  co_return (aborted || close) ? Outcome::close : Outcome::keep_alive;
}

Task<bool> ClientConnection::finish_spooled(bool aborted) {
  // The upstream is free: what is left is between the client and the temp file. A response
  // that broke off is not worth sending on: the client sees it end where it ends.
  feeding_spool_ = false;
  // Nothing in the read buffer is needed any more (the next exchange starts it afresh): a
  // client that takes its time holds the file, not a buffer (bench/abuse, 2,000 non-readers
  // beside 2,000 slow bodies: 123 MB RSS with the buffers kept, 103 MB without).
  worker_.buffers().detach(out_);
  const bool sent = !aborted && co_await drain_spool();
  spool_.reset();
  sending_ = false;
  co_return sent;
}

Task<bool> ClientConnection::write_client_behind(bool& may_spool) {
  if (may_spool && !client_gone_ && view_->snapshot->config().server.response_spool > 0) {
    error_code ec;
    spool_ = ResponseSpool::create(ResponseSpool::default_dir(), ec);
    if (spool_) {
      feeding_spool_ = true;
      co_return co_await spool_gather(may_spool);
    }
    note_spool_unavailable(ec);
    may_spool = false;
  }
  co_return co_await write_client_rest();
}

Task<bool> ClientConnection::spool_gather(bool& may_spool) {
  auto& gather = state_->gather;
  const auto limit = view_->snapshot->config().server.response_spool;
  if (spool_->size() + asio::buffer_size(buffer_span(gather)) <= limit) {
    auto ec = spool_->append(gather);
    if (!ec) {
      if (!send_spooled_now()) {
        co_return false;
      }
      feed_spooled_client();
      co_return true;
    }
    note_spool_unavailable(ec);  // what did not fit is still in gather
  }
  // Past response_spool, or the disk failed: back-pressure for the rest of the response, as
  // with response_spool: 0. What the file holds goes first, then the rest directly.
  may_spool = false;
  feeding_spool_ = false;
  if (!co_await drain_spool()) {
    co_return false;
  }
  co_return write_client_now() || co_await write_client_rest();
}

bool ClientConnection::send_spooled_now() {
  error_code ec;
  const auto sent = spool_->send_to(client_.native_handle(), ec);
  state_->exchange.bytes_out += sent;
  if (ec && ec != asio::error::would_block) {
    client_gone_ = true;
    sending_ = false;
    return false;
  }
  // The rule of write_client_rest, also while the upstream is still read: at most
  // send_timeout since the last send that made progress, or check_deadline closes the client
  // (and the upstream). A client that has taken everything is waiting for the upstream.
  if (spool_->pending() == 0) {
    sending_ = false;
  } else if (sent > 0 || !sending_) {
    sending_ = true;
    send_deadline_ = worker_.coarse_now() + view_->snapshot->config().server.send_timeout;
  }
  return true;
}

void ClientConnection::feed_spooled_client() {
  if (spool_wait_pending_ || spool_->pending() == 0) {
    return;
  }
  // A callback beside the coroutine, which waits on the upstream, as the client watch does.
  // A wait left from an earlier response finds spool_ gone or not feeding and stops, or feeds
  // the spool there is now, which is as good.
  spool_wait_pending_ = true;
  client_.async_wait(tcp::socket::wait_write, [self = shared_from_this()](const error_code& ec) {
    self->spool_wait_pending_ = false;
    if (ec || !self->spool_ || !self->feeding_spool_) {
      return;
    }
    if (!self->send_spooled_now()) {
      self->close_upstream();  // the client is gone: the relay's upstream read ends
      return;
    }
    self->feed_spooled_client();
  });
}

Task<bool> ClientConnection::drain_spool() {
  while (send_spooled_now() && spool_->pending() > 0) {
    auto [ec] = co_await client_.async_wait(tcp::socket::wait_write, use_tuple);
    if (ec) {
      client_gone_ = true;  // closed by check_deadline, or broken
      break;
    }
  }
  sending_ = false;
  spool_.reset();
  co_return !client_gone_;
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
      if ((ec && ec != bhttp::error::need_more) || parser.is_done()) {
        failed = failed || (ec && ec != bhttp::error::need_more);
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
  release_upstream(upstream_index, !failed && !send_failed_ && parser.is_done() &&
                                       parser.keep_alive() && out_.empty());
  const auto& upstream_name = view_->snapshot->config().upstreams[upstream_index].name;
  observe::EventLog::write(config::LogLevel::error, "upstream_error", [&](http::JsonWriter& j) {
    j.field("request_id", state_->exchange.request_id);
    j.field("upstream", upstream_name);
    j.field("status", static_cast<long long>(status));
    j.field("body", excerpt);
  });
  co_return co_await answer_problem(Problem::upstream_error(status));
}

}  // namespace rampart::net
