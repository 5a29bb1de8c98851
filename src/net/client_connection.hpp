#pragma once
// One client connection and the requests on it, as a single coroutine: read a head, ask the
// request handler (the gateway's pipeline) what to do and do it (answer, read the body, wait
// for a policy, proxy), repeat while keep-alive holds. The connection owns the socket, the
// buffers and the deadlines; the decisions are the handler's. Timeouts are one deadline
// checked by the worker's coarse sweep (a timer per operation costs ~24% on the request path).

#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "http/exchange.hpp"
#include "net/asio.hpp"
#include "net/head_writer.hpp"
#include "net/io_buffer.hpp"
#include "net/request_handler.hpp"
#include "net/request_parser.hpp"
#include "net/response_spool.hpp"
#include "net/upstream_pool.hpp"
#include "net/worker.hpp"

namespace rampart::net {

/// A keep-alive connection quiet this long gives back its buffers and request state.
constexpr std::chrono::milliseconds kParkAfter{50};
/// On SIGTERM an idle keep-alive connection waits this long (at most drain_timeout) for a
/// request already on its way, then closes: a client that sends right as rampart closes
/// would see its request dropped.
constexpr std::chrono::seconds kDrainGrace{1};

class ClientConnection final : public std::enable_shared_from_this<ClientConnection>,
                               public TrackedConnection {
 public:
  using Clock = std::chrono::steady_clock;
  enum class Outcome { keep_alive, close };

  ClientConnection(Worker& worker, Socket socket);
  ~ClientConnection();

  static Task<void> serve(std::shared_ptr<ClientConnection> self);

  // Called by the worker's sweep and drain, on the worker thread.
  void check_deadline(Clock::time_point now) override;
  void drain() override;
  void force_close() override;

 private:
  /// What the deadline guards, and so what expiring it does.
  enum class Deadline { none, client, body, upstream, stream, drain, policy };

  Task<bool> read_request_head();
  Task<Outcome> handle_request();
  Task<void> linger();
  /// Step::wait: the pending stage under the request's policy deadline.
  Task<void> wait_for_policy(const RequestHandler& handler);
  Task<Outcome> proxy();
  /// The body of a request no policy read: read whole if it fits server.request_buffer,
  /// else left to stream. False when the client failed.
  Task<bool> prepare_request_body();
  /// The framing rampart gives the body it sends upstream.
  Framing request_framing() const;
  /// The problem for an upstream exchange that failed (timeout, reset, protocol), counted.
  http::Problem upstream_failure();
  /// Step::answer: exchange.problem, or exchange.reply.
  Task<Outcome> answer_exchange();
  /// Answers with a problem; exchange.reply.headers are added to it.
  Task<Outcome> answer_problem(http::Problem problem);
  Task<Outcome> answer(int status, std::string_view content_type, std::string_view body,
                       bool close);

  Task<error_code> connect_upstream(std::size_t upstream_index);
  /// `just_sent`: the request was written whole in this turn of the event loop.
  Task<error_code> read_response_head(bool just_sent);
  /// How a response is relayed: the framing the client gets, whether the upstream's chunks
  /// are decoded (and written as rampart's own), and whether the connection closes after it.
  struct RelayPlan {
    Framing framing;
    bool decode = false;
    bool rechunk = false;
    bool close = false;
  };
  RelayPlan plan_relay() const;
  Task<Outcome> relay_response(std::size_t route_index);
  Task<Outcome> replace_error_response(std::size_t upstream_index);
  /// Writes state_->gather to the client as far as the socket takes it now; true when all
  /// of it went. Otherwise write_client_rest() writes the rest, with server.send_timeout
  /// between writes that make progress; false when the client is gone. Both book the bytes.
  /// Two steps, so that the usual write costs no coroutine frame.
  bool write_client_now();
  Task<bool> write_client_rest();

  // A response spooled for a client slower than the upstream (relay.cpp, server.response_spool).
  /// write_client_now() left bytes: spool the response from here on if `may_spool`, else
  /// write the rest as write_client_rest() does. False when the client is gone.
  Task<bool> write_client_behind(bool& may_spool);
  /// Appends state_->gather to spool_ and sends the client what it takes now; past
  /// response_spool or on a disk error, drains spool_ and writes directly from then on
  /// (clearing `may_spool`). False when the client is gone.
  Task<bool> spool_gather(bool& may_spool);
  /// One non-blocking round of sends from spool_; false when the client is gone.
  bool send_spooled_now();
  /// While the upstream is still read: sends from spool_ whenever the client can take more,
  /// so a reading client is fed (and makes progress) while the upstream pauses.
  void feed_spooled_client();
  /// Sends all of spool_ under send_timeout, then closes it; false when the client is gone.
  Task<bool> drain_spool();
  /// After the upstream is done: the rest of a spooled response to the client (unless the
  /// response was `aborted`), then the spool is gone. False when it did not all go.
  Task<bool> finish_spooled(bool aborted);

  // The request body (request_body.cpp). Decoded body bytes are gathered at the front of in_,
  // [0, body_decoded_); [body_parsed_, in_.size()) is what is not parsed yet.
  /// Starts the body parse at the front of in_, the head gone from it (`keep_head`: copied
  /// into the request state first, its views with it, for policies that read it after the
  /// body); sends 100 Continue when the client waits for it. False when the client failed
  /// (see answer_body_failure).
  Task<bool> start_body(bool keep_head);
  /// Parses what arrived; false for broken framing (body_malformed_ set).
  bool parse_body();
  /// One read of body bytes under the body deadline; false when the client is gone or slow.
  Task<bool> read_body_some();
  enum class BodyRead { whole, too_large, failed };
  /// Reads the body whole, decoded, up to `limit` bytes. With `may_spill`, what outgrows in_
  /// moves to the request state's body buffer; without, too_large also means "does not fit
  /// in_" and the body stays in place, ready to be streamed.
  Task<BodyRead> read_body_whole(std::size_t limit, bool may_spill);
  /// Step::read_body: the body whole into exchange.body, or 413 / 400 / 408 / nothing.
  Task<bool> read_body_for_policies();
  /// The decoded body held whole: the policies' copy, or the front of in_.
  std::string_view whole_body() const;
  /// Sends the rest of the body upstream as it arrives; sets body_malformed_, client_gone_,
  /// body_timed_out_ for the client's faults, returns the upstream's write error.
  Task<error_code> stream_request_body(Framing framing);
  /// Adds the decoded bytes (in rampart's own chunk framing for `chunked`) to state_->gather.
  void gather_body(Framing framing);
  /// The client failed while its body was read: 413, 400, 408 or nothing (it left).
  Task<Outcome> answer_body_failure();

  void prepare_exchange();
  void build_upstream_head();
  void build_response_head(Framing framing, bool close);
  void finish_request(Clock::time_point started);
  /// The client left before its answer: logged as 499, the connection closes.
  Outcome finish_abandoned();
  void set_deadline(Deadline kind, Clock::duration after);
  void set_body_deadline();
  void start_drain_grace();
  void start_watching_client(std::size_t retained_bytes);
  void stop_watching_client();
  void close_upstream();
  /// The upstream exchange is over: record its time, pool or close the connection.
  void release_upstream(std::size_t upstream_index, bool reusable);
  void release_request_memory();
  bool closing() const;

  Worker& worker_;
  Socket client_;
  std::shared_ptr<const WorkerView> view_;
  IoBuffer in_;                          ///< client -> upstream
  IoBuffer out_;                         ///< upstream -> client
  std::unique_ptr<RequestState> state_;  ///< only while a request is in progress
  std::unique_ptr<UpstreamConnection> upstream_;
  std::size_t head_bytes_ = 0;           ///< request head size in in_
  std::size_t response_head_bytes_ = 0;  ///< response head size in out_
  bool first_request_ = true;
  bool idle_ = false;      ///< waiting for a request to start: drain may close it
  bool hot_idle_ = false;  ///< idle with a buffered read pending (just answered)
  bool parking_ = false;   ///< the sweep cancelled that read to park the connection
  Clock::time_point idle_since_{};
  boost::asio::ip::address peer_;
  std::string peer_text_;
  bool client_gone_ = false;
  bool upstream_timed_out_ = false;
  bool stream_expired_ = false;
  bool upstream_protocol_error_ = false;
  bool send_failed_ = false;  ///< the upstream stopped taking the request: never pool it
  bool body_timed_out_ = false;
  bool body_malformed_ = false;
  bool body_too_large_ = false;
  bool watching_client_ = false;
  bool watch_pending_ = false;  ///< waiting on the upstream: the sweep may start the watch
  std::size_t watch_retained_bytes_ = 0;
  Deadline deadline_kind_ = Deadline::none;
  Clock::time_point deadline_{};
  Clock::time_point upstream_started_{};
  /// While a client write waits: the send_timeout deadline, apart from deadline_ so that the
  /// upstream's timeout still runs while a slow client is written to.
  bool sending_ = false;
  Clock::time_point send_deadline_{};
  std::size_t body_parsed_ = 0;
  std::size_t body_decoded_ = 0;
  std::uint64_t body_received_ = 0;
  Clock::time_point body_started_{};
  std::array<char, 24> chunk_size_line_{};
  /// Only while a response is spooled: its temp file.
  std::optional<ResponseSpool> spool_;
  /// Cancels a pending policy's wait when Deadline::policy passes.
  asio::cancellation_signal policy_cancel_;
  PendingWait policy_wait_;  ///< a pending stage waited for without a coroutine (start_wait)
  bool policy_waiting_ = false;
  Clock::time_point policy_deadline_{};  ///< the request's policy deadline, set at its first wait
  bool feeding_spool_ = false;           ///< the upstream is still read into spool_
  bool spool_wait_pending_ = false;      ///< feed_spooled_client waits for the client
};

}  // namespace rampart::net
