#pragma once
// One client connection and the requests on it, as a single coroutine: read a head, run the
// pipeline, answer or proxy, repeat while keep-alive holds. Timeouts are one deadline checked
// by the worker's coarse sweep (a timer per operation costs ~24% on the request path).

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "gateway/exchange.hpp"
#include "net/asio.hpp"
#include "net/io_buffer.hpp"
#include "net/request_parser.hpp"
#include "net/upstream_pool.hpp"
#include "net/worker.hpp"

namespace rampart::net {

/// A keep-alive connection quiet this long gives back its buffers and request state.
constexpr std::chrono::milliseconds kParkAfter{50};

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
  enum class Deadline { none, client, upstream, stream };

  Task<bool> read_request_head();
  Task<Outcome> handle_request();
  Task<void> linger();
  Task<Outcome> proxy(std::size_t route_index);
  Task<Outcome> answer_builtin();
  Task<Outcome> answer_problem(gateway::Problem problem, std::string_view extra_headers = {});
  Task<Outcome> answer(int status, std::string_view content_type, std::string_view body,
                       bool close);

  Task<error_code> connect_upstream(std::size_t upstream_index);
  Task<error_code> stream_request_body(std::size_t initial_body);
  /// `just_sent`: the request was written whole in this turn of the event loop.
  Task<error_code> read_response_head(bool just_sent);
  Task<Outcome> relay_response(std::size_t route_index);
  Task<Outcome> replace_error_response(std::size_t upstream_index);
  /// Fills state_->gather with the head and body pieces for one gather write.
  void gather_client_write(std::string_view head, const std::vector<std::string_view>& body);
  /// Books a client write's result; false when the client is gone.
  bool wrote_client(const error_code& ec, std::size_t n);

  void prepare_exchange();
  void build_upstream_head();
  void build_response_head(bool close, bool decoded);
  void finish_request(Clock::time_point started);
  void set_deadline(Deadline kind, Clock::duration after);
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
  bool watching_client_ = false;
  bool watch_pending_ = false;  ///< waiting on the upstream: the sweep may start the watch
  std::size_t watch_retained_bytes_ = 0;
  Deadline deadline_kind_ = Deadline::none;
  Clock::time_point deadline_{};
  Clock::time_point upstream_started_{};
};

}  // namespace rampart::net
