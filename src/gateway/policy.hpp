#pragma once
// One step of SPEC §3's request path. Policies are immutable after construction and shared by
// every request of every worker; per-request state lives in the Exchange.

#include "gateway/exchange.hpp"
#include "gateway/problem.hpp"

namespace rampart::gateway {

/// What a policy decided: go on, or answer now with a problem.
struct Verdict {
  enum class Kind { next, respond };
  Kind kind = Kind::next;
  Problem problem;

  static Verdict next() { return {}; }
  static Verdict respond(Problem p) { return {Kind::respond, p}; }
  bool is_next() const { return kind == Kind::next; }
};

class Policy {
 public:
  virtual ~Policy() = default;
  /// Decides on the request. Runs on the I/O thread: never blocks.
  virtual Verdict on_request(Exchange&) const = 0;
  /// Adjusts the response head on its way back (also for rampart's own answers).
  virtual void on_response(Exchange&) const {}
};

}  // namespace rampart::gateway
