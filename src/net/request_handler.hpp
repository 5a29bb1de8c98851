#pragma once
// What a connection asks for each request: the gateway's pipeline decides (routing, policies,
// built-in endpoints), the connection carries it out (reading the body, waiting, proxying,
// answering). Defined here, below the gateway, so that net/ never depends on it.

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/post.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

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

/// A pending stage's wait without a coroutine of its own (RequestHandler::start_wait): a fixed
/// object that the waiting side keeps in place. The handler calls resume() exactly once, when the
/// stage has decided, unless cancel took the wait back. For the Redis rate limit a co_spawn, two
/// coroutine frames and a cancellation handler per decision cost ~2,000 instructions (callgrind).
class PendingWait {
 public:
  /// Set by the handler: takes the wait back at the policy deadline. True when it did (resume()
  /// will not be called); false when the decision is already on its way (it will be).
  bool (*cancel)(PendingWait& wait) = nullptr;
  void* context = nullptr;   ///< the handler's, for cancel
  std::uint8_t outcome = 0;  ///< the handler's, from its callback to finish_wait()

  /// The stage has decided: the waiting side goes on, at once. Called from anywhere in the
  /// event loop (a Redis read loop), never from within start_wait().
  void resume() {
    auto handler = std::move(*handler_);
    handler_.reset();
    std::move(handler)();
  }

  /// Waits for resume(). With `cancel_on`, a terminal cancellation of the caller takes the
  /// wait back through cancel when it can, and resumes it there (the pipeline's deadline, for a
  /// coroutine caller); the connection calls cancel itself instead, without the cost of a
  /// cancellation handler.
  template <typename CompletionToken>
  auto async_resumed(CompletionToken&& token, const Executor* cancel_on = nullptr) {
    return asio::async_initiate<CompletionToken, void()>(
        [this, cancel_on](auto handler) {
          // An optional, constructed in place: Boost 1.81's move assignment of an
          // any_completion_handler wraps it in itself without end (fixed in 1.82).
          handler_.emplace(std::move(handler));
          auto slot = handler_->get_cancellation_slot();
          if (cancel_on != nullptr && slot.is_connected()) {
            slot.template emplace<Canceller>(this, *cancel_on);
          }
        },
        token);
  }
  /// Waiting for resume().
  bool waiting() const { return handler_.has_value(); }

 private:
  struct Canceller {
    Canceller(PendingWait* w, Executor e) : wait(w), executor(std::move(e)) {}
    PendingWait* wait;
    Executor executor;
    void operator()(asio::cancellation_type type) const {
      if ((type & asio::cancellation_type::terminal) != asio::cancellation_type::none &&
          wait->waiting() && wait->cancel(*wait)) {
        // Not from within the cancellation: its caller goes on after it.
        asio::post(executor, [w = wait] { w->resume(); });
      }
    }
  };
  std::optional<asio::any_completion_handler<void()>> handler_;
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
  /// After Step::wait, before wait(): starts waiting for the pending stage without a coroutine
  /// when the stage can. True when it started (`wait.resume()` is called once, later); false:
  /// await wait() instead.
  virtual bool start_wait(http::Exchange& exchange, HandlerState& state, PendingWait& wait) const {
    return false;
  }
  /// After a start_wait() that resumed, or whose wait was taken back at the deadline (then
  /// exchange.policy_timed_out is set): what wait() does once its stage has decided.
  virtual void finish_wait(http::Exchange& exchange, HandlerState& state,
                           const PendingWait& wait) const {}
  /// The response hooks, on rampart's own answers and on proxied responses alike.
  virtual void on_response(http::Exchange& exchange, HandlerState& state) const = 0;
  /// For a request refused before run() (a malformed head): gives it a request id.
  virtual void identify(http::Exchange& exchange) const = 0;
};

}  // namespace rampart::net
