#pragma once
// What a connection asks for each request: the gateway's pipeline decides (routing, policies,
// built-in endpoints), the connection carries it out (reading the body, waiting, proxying,
// answering). Defined here, below the gateway, so that net/ never depends on it.

#include <cstdint>
#include <functional>
#include <memory>

#include "http/exchange.hpp"
#include "net/asio.hpp"
#include "observe/metrics.hpp"

namespace rampart::net {

/// The next thing the connection does for a request.
enum class Step : std::uint8_t {
  answer,     ///< write rampart's own answer: exchange.problem, or exchange.reply
  proxy,      ///< send the request to the route's upstream and relay the response
  read_body,  ///< read the body whole, up to exchange.body_limit (413 beyond), then run again
  wait,       ///< a stage is pending: await wait() under the policy deadline, then run again
};

/// What a worker offers a handler's per-worker state: its executor, its counters, and the one
/// way other threads reach it.
struct WorkerContext {
  asio::io_context& io;
  observe::WorkerMetrics& metrics;
  /// Thread-safe: runs a function on the worker's thread (Worker::send). Background work (a
  /// store query, a JWKS fetch) hands its result to each worker's slot this way, as an
  /// immutable snapshot, so the request path reads it with no lock. Valid while the worker
  /// runs.
  std::function<void(std::function<void()>)> post;
  /// Runs a function on the worker's thread when it stops (its connections closed): a slot's
  /// own connections (Redis) are closed there, so the worker's event loop can end. Call on the
  /// worker's thread.
  std::function<void(std::function<void()>)> at_stop = [](std::function<void()>) {};
};

/// A handler's state on one worker (the policies' per-worker slots: caches, counters, client
/// connections), built when a snapshot reaches the worker and used only on its thread.
class HandlerState {
 public:
  virtual ~HandlerState() = default;
};

class RequestHandler {
 public:
  virtual ~RequestHandler() = default;

  virtual std::unique_ptr<HandlerState> make_state(WorkerContext& worker) const = 0;
  /// Runs the request stages from exchange.stage until one answers, pends or needs the body.
  /// Never blocks: only a Step::wait costs a coroutine.
  virtual Step run(http::Exchange& exchange, HandlerState& state) const = 0;
  /// After Step::wait: awaits the pending stage. Ends early when cancelled (the deadline).
  virtual Task<void> wait(http::Exchange& exchange, HandlerState& state) const = 0;
  /// The response hooks, on rampart's own answers and on proxied responses alike.
  virtual void on_response(http::Exchange& exchange, HandlerState& state) const = 0;
  /// For a request refused before run() (a malformed head): gives it a request id.
  virtual void identify(http::Exchange& exchange) const = 0;
};

}  // namespace rampart::net
