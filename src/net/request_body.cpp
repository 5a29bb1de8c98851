// The request body on its way to the upstream (docs/http-behaviour.md, "Request bodies").
//
// A body that fits server.request_buffer is read whole before an upstream connection is taken
// (nginx's request buffering): a client trickling a small body holds nothing of the upstream's.
// A larger one streams as it arrives, under server.body_timeout and server.body_min_rate.
// Either way the body is decoded and sent in framing rampart writes: a Content-Length, or
// chunks of its own (no extensions, no trailers), never the client's framing bytes, which a
// stricter or laxer upstream parser could read differently.

#include <algorithm>
#include <cstring>

#include "net/body_writer.hpp"
#include "net/client_connection.hpp"
#include "net/write_now.hpp"

namespace rampart::net {

using gateway::Problem;
using gateway::ProblemCode;
using Outcome = ClientConnection::Outcome;

bool ClientConnection::parse_body() {
  auto& parser = *state_->request_parser;
  auto& pieces = state_->request_pieces;
  pieces.clear();
  error_code ec;
  const auto used =
      parser.put(asio::buffer(in_.data() + body_parsed_, in_.size() - body_parsed_), ec);
  body_parsed_ += used;
  state_->exchange.bytes_in += used;  // the body as received; a pipelined request is not ours
  if (ec && ec != http::error::need_more) {
    body_malformed_ = true;
    return false;
  }
  // Pieces lie in order after the decoded bytes gathered so far.
  body_decoded_ += gather_in_place(in_.mutable_data() + body_decoded_, pieces);
  return true;
}

void ClientConnection::set_body_deadline() {
  // Apache's mod_reqtimeout MinRate: body_timeout between reads, and the whole body by
  // body_timeout plus one second per body_min_rate bytes received.
  const auto& server = view_->snapshot->config().server;
  auto deadline = worker_.coarse_now() + server.body_timeout;
  if (server.body_min_rate > 0) {
    auto earned = std::chrono::milliseconds(body_received_ * 1000 / server.body_min_rate);
    deadline = std::min(deadline, body_started_ + server.body_timeout + earned);
  }
  deadline_kind_ = Deadline::body;
  deadline_ = deadline;
}

Task<bool> ClientConnection::read_body_some() {
  set_body_deadline();
  auto [ec, n] =
      co_await client_.async_read_some(asio::buffer(in_.write_ptr(), in_.writable()), use_tuple);
  deadline_kind_ = Deadline::none;
  if (ec) {
    client_gone_ = !body_timed_out_;
    co_return false;
  }
  in_.commit(n);
  body_received_ += n;
  co_return true;
}

Task<bool> ClientConnection::buffer_request_body() {
  const auto& request = state_->exchange.request;
  const std::size_t limit =
      std::min(view_->snapshot->config().server.request_buffer, in_.capacity());
  if (request.content_length && *request.content_length > limit) {
    co_return true;  // known to be too large: streamed once the upstream is there
  }
  auto& parser = *state_->request_parser;
  while (!parser.is_done() && in_.size() < limit && in_.writable() > 0) {
    if (!co_await read_body_some() || !parse_body()) {
      co_return false;
    }
  }
  co_return true;
}

void ClientConnection::gather_body(Framing framing) {
  gather_body_piece(state_->gather, std::string_view(in_.data(), body_decoded_),
                    framing.kind == Framing::Kind::chunked, state_->request_parser->is_done(),
                    chunk_size_line_);
}

Task<error_code> ClientConnection::stream_request_body(Framing framing) {
  auto& parser = *state_->request_parser;
  const auto& upstream =
      view_->snapshot->config().upstreams[state_->exchange.route->upstream_index];
  while (!parser.is_done()) {
    // What was sent is done with: the rest moves to the front for the next read.
    in_.consume(body_parsed_);
    in_.compact();
    body_parsed_ = body_decoded_ = 0;
    if (!co_await read_body_some() || !parse_body()) {
      co_return error_code{};  // the client's fault: the caller answers it
    }
    if (body_decoded_ == 0 && !parser.is_done()) {
      continue;  // framing bytes only
    }
    state_->gather.clear();
    gather_body(framing);
    set_deadline(Deadline::upstream, upstream.timeout);
    error_code ec;
    std::size_t sent = write_now(upstream_->socket, state_->gather, ec);
    if (!ec && !state_->gather.empty()) {
      ec = co_await write_rest(upstream_->socket, state_->gather, sent);
    }
    if (ec) {
      co_return ec;
    }
  }
  co_return error_code{};
}

Task<Outcome> ClientConnection::answer_body_failure() {
  if (body_malformed_) {
    worker_.metrics().reject(observe::RejectReason::malformed);
    co_return co_await answer_problem(
        Problem::of(ProblemCode::bad_request, "malformed request body framing"));
  }
  if (body_timed_out_) {
    worker_.metrics().reject(observe::RejectReason::body_timeout);
    co_return co_await answer_problem(
        Problem::of(ProblemCode::request_timeout, "the request body did not arrive in time"));
  }
  co_return finish_abandoned();  // the client went away mid-body: nobody to answer
}

}  // namespace rampart::net
