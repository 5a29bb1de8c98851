#pragma once
// One step of SPEC §3's request path, as a policy sees it: Envoy's filter, nginx's phase
// handler. A policy is built per route (or once, for the global stages) when a config is
// loaded, is immutable afterwards and is shared by every worker; per-request state lives in
// the Exchange and per-worker state in its slot. docs/adding-a-policy.md walks through one.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "http/exchange.hpp"
#include "net/asio.hpp"
#include "net/request_handler.hpp"
#include "observe/metrics.hpp"

namespace rampart::policies {

/// What a policy decided about a request.
enum class Verdict : std::uint8_t {
  next,     ///< go on to the next stage
  respond,  ///< answer now: exchange.problem, or exchange.reply (a status, headers, a body)
  pending,  ///< cannot decide without waiting: the pipeline awaits wait()
};

/// Answers with a problem (the client sees its detail; its reason goes to the log line and
/// the policy's refusal counter only). Headers for the answer go in exchange.reply.headers.
inline Verdict respond(http::Exchange& exchange, http::Problem problem) {
  exchange.problem = std::move(problem);
  return Verdict::respond;
}

/// Answers with a plain reply: `status` with exchange.reply's headers and body (a CORS
/// preflight's 204).
inline Verdict reply(http::Exchange& exchange, int status) {
  exchange.reply.status = status;
  return Verdict::respond;
}

/// A policy's state on one worker: a cache, counters, a client connection. Built when a
/// snapshot reaches the worker, touched only on its thread, so it needs no lock.
class PolicySlot {
 public:
  virtual ~PolicySlot() = default;
};

class Policy {
 public:
  virtual ~Policy() = default;

  /// The hooks the policy has: the pipeline calls only these, so a policy that only shapes
  /// responses costs nothing on the way in.
  virtual bool has_request_hook() const { return true; }
  virtual bool has_response_hook() const { return false; }

  /// The body read whole before on_request, up to this many bytes (413 beyond, from
  /// Content-Length before a byte is read); nullopt when the policy does not look at it.
  virtual std::optional<std::size_t> body_limit() const { return std::nullopt; }

  /// Its per-worker state, or null when it has none.
  virtual std::unique_ptr<PolicySlot> make_slot(net::WorkerContext& worker) const {
    return nullptr;
  }

  /// Decides on the request. Runs on the I/O thread: never blocks. `slot` is make_slot's.
  virtual Verdict on_request(http::Exchange& exchange, PolicySlot* slot) const {
    return Verdict::next;
  }
  /// After on_request said pending: waits (a coroutine on the worker's executor, while the
  /// worker serves other connections) and decides. The wait must end when cancelled (every
  /// Asio operation does): the pipeline cancels it at the route's policy deadline.
  virtual net::Task<Verdict> wait(http::Exchange& exchange, PolicySlot* slot) const;
  /// wait() without a coroutine, for a policy on the hot path (the Redis rate limit): true when
  /// it started; it then sets wait.outcome to its Verdict (never pending) and calls
  /// wait.resume() once, never from within start_wait(). It sets wait.cancel, with which the
  /// deadline takes the wait back (its outcome set then too). False: the pipeline awaits wait().
  virtual bool start_wait(http::Exchange& exchange, PolicySlot* slot,
                          net::PendingWait& wait) const {
    return false;
  }

  /// Shapes the response head on its way back: the upstream's headers (exchange.response),
  /// and headers to add (exchange.response_extra_headers). Also runs on rampart's own answers
  /// (exchange.problem or exchange.reply is set then).
  virtual void on_response(http::Exchange& exchange, PolicySlot* slot) const {}

  /// Where the pipeline counts this policy's refusals, with the labels {route, reason}
  /// (the problem's private reason, or its code when it gives none); null: not counted.
  virtual const observe::CounterFamily* refusal_counter() const { return nullptr; }
};

}  // namespace rampart::policies
