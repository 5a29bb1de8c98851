// The request body on its way to the upstream (docs/http-behaviour.md, "Request bodies").
//
// A body that fits server.request_buffer is read whole before an upstream connection is taken
// (nginx's request buffering): a client trickling a small body holds nothing of the upstream's.
// A larger one streams as it arrives, under server.body_timeout and server.body_min_rate.
// Either way the body is decoded and sent in framing rampart writes: a Content-Length, or
// chunks of its own (no extensions, no trailers), never the client's framing bytes, which a
// stricter or laxer upstream parser could read differently.
//
// Routes whose policies look at the body (a webhook signature, a schema) have it read whole
// first, up to the route's limit, by the same reader (the pipeline's Step::read_body): 413
// from Content-Length before a byte is read or 100 Continue is sent, 413 when a chunked body
// outgrows the limit; the upstream then gets exactly the bytes the policies saw.

#include <algorithm>
#include <cstring>

#include "net/body_writer.hpp"
#include "net/client_connection.hpp"
#include "net/write_now.hpp"

namespace rampart::net {

using http::Problem;
using http::ProblemCode;
using Outcome = ClientConnection::Outcome;

namespace {

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

/// Re-points a view into [from, from + size) at the same bytes in `to`.
void rebase(std::string_view& view, const char* from, std::size_t size, const char* to) {
  if (view.data() >= from && view.data() < from + size) {
    view = std::string_view(to + (view.data() - from), view.size());
  }
}

}  // namespace

Task<bool> ClientConnection::start_body(bool keep_head) {
  auto& request = state_->exchange.request;
  auto& parser = *state_->request_parser;
  if (keep_head) {
    // Policies still read the head after the body: it moves out of in_ first.
    auto& kept = state_->kept_head;
    kept.assign(in_.data(), head_bytes_);
    const char* from = in_.data();
    rebase(request.target, from, head_bytes_, kept.data());
    for (auto& f : request.headers.fields()) {
      rebase(f.name, from, head_bytes_, kept.data());
      rebase(f.value, from, head_bytes_, kept.data());
    }
  }
  in_.consume(head_bytes_);
  head_bytes_ = 0;
  in_.compact();
  body_parsed_ = body_decoded_ = 0;
  parser.eager(true);
  parser.collect_decoded(true);
  if (!parse_body()) {
    co_return false;
  }
  body_started_ = worker_.coarse_now();
  body_received_ = body_parsed_;  // what came with the head counts towards the rate
  if (!parser.is_done() && parser.expects_continue()) {
    // rampart reads the body itself (Expect is not forwarded): ask for it now.
    state_->gather.assign({asio::buffer(kContinue)});
    if (!write_client_now() && !co_await write_client_rest()) {
      co_return false;
    }
  }
  co_return true;
}

bool ClientConnection::parse_body() {
  auto& parser = *state_->request_parser;
  auto& pieces = state_->request_pieces;
  pieces.clear();
  error_code ec;
  const auto used =
      parser.put(asio::buffer(in_.data() + body_parsed_, in_.size() - body_parsed_), ec);
  body_parsed_ += used;
  state_->exchange.bytes_in += used;  // the body as received; a pipelined request is not ours
  if (ec && ec != bhttp::error::need_more) {
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

Task<ClientConnection::BodyRead> ClientConnection::read_body_whole(std::size_t limit,
                                                                   bool may_spill) {
  auto& parser = *state_->request_parser;
  auto& spill = state_->body_buffer;
  spill.clear();
  for (;;) {
    const std::size_t decoded = spill.size() + body_decoded_;
    if (decoded > limit) {
      co_return BodyRead::too_large;
    }
    if (parser.is_done()) {
      break;
    }
    if (in_.writable() == 0) {
      if (!may_spill) {
        co_return BodyRead::too_large;  // does not fit in_: the caller streams it
      }
      // The decoded bytes go to the body buffer; in_ keeps only what is not parsed yet.
      spill.append(in_.data(), body_decoded_);
      in_.consume(body_parsed_);
      in_.compact();
      body_parsed_ = body_decoded_ = 0;
    }
    if (!co_await read_body_some() || !parse_body()) {
      co_return BodyRead::failed;
    }
  }
  if (!spill.empty()) {
    spill.append(in_.data(), body_decoded_);
    in_.consume(body_parsed_);
    body_parsed_ = body_decoded_ = 0;
  }
  co_return BodyRead::whole;
}

std::string_view ClientConnection::whole_body() const {
  if (!state_->body_buffer.empty()) {
    return state_->body_buffer;
  }
  return {in_.data(), body_decoded_};
}

Task<bool> ClientConnection::read_body_for_policies() {
  auto& exchange = state_->exchange;
  const auto& request = exchange.request;
  exchange.body_read = true;
  if (!request.has_body) {
    exchange.body = {};
    co_return true;
  }
  // Before a byte is read, and before 100 Continue: a client that announced too much is told
  // now, without sending it.
  if (request.content_length && *request.content_length > exchange.body_limit) {
    body_too_large_ = true;
    co_return false;
  }
  if (!co_await start_body(true)) {
    co_return false;
  }
  switch (co_await read_body_whole(exchange.body_limit, true)) {
    case BodyRead::whole:
      exchange.body = whole_body();
      co_return true;
    case BodyRead::too_large:
      body_too_large_ = true;
      co_return false;
    case BodyRead::failed:
      break;
  }
  co_return false;
}

void ClientConnection::gather_body(Framing framing) {
  gather_body_piece(state_->gather, whole_body(), framing.kind == Framing::Kind::chunked,
                    state_->request_parser->is_done(), chunk_size_line_);
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
  if (body_too_large_) {
    co_return co_await answer_problem(
        Problem::of(ProblemCode::payload_too_large, "the request body is too large")
            .because("body_limit"));
  }
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
