#pragma once
// Policies that exist only in the tests: they record what ran, refuse, wait, read the body.
// They are built through a test registry (PolicyType list) handed to the Pipeline, so nothing
// test-only is compiled into the rampart binary.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "net/asio.hpp"
#include "observe/metrics.hpp"
#include "policies/policy.hpp"
#include "policies/registry.hpp"

namespace rampart::testing_policies {

using policies::Policy;
using policies::PolicySlot;
using policies::PolicyType;
using policies::Verdict;

inline constexpr std::string_view kTestRefusalLabels[] = {"route", "reason"};
inline const observe::CounterFamily kTestRefusals{
    "rampart_test_refusals_total", "Refusals by the test policy.", kTestRefusalLabels};

/// Appends "request:<name>" and "response:<name>" to a shared trace.
class RecordingPolicy final : public Policy {
 public:
  RecordingPolicy(std::string name, std::vector<std::string>& trace)
      : name_(std::move(name)), trace_(trace) {}
  bool has_response_hook() const override { return true; }
  Verdict on_request(http::Exchange&, PolicySlot*) const override {
    trace_.push_back("request:" + name_);
    return Verdict::next;
  }
  void on_response(http::Exchange&, PolicySlot*) const override {
    trace_.push_back("response:" + name_);
  }

 private:
  std::string name_;
  std::vector<std::string>& trace_;
};

/// Refuses like an auth policy would: 401, a header for the client, a private reason.
class RefusingPolicy final : public Policy {
 public:
  Verdict on_request(http::Exchange& exchange, PolicySlot*) const override {
    if (exchange.request.headers.find(std::string_view("x-key")) != nullptr) {
      return Verdict::next;
    }
    exchange.reply.headers += "WWW-Authenticate: Bearer\r\n";
    return policies::respond(
        exchange, http::Problem::of(http::ProblemCode::unauthorized, "a credential is required")
                      .because("missing_test_key"));
  }
  const observe::CounterFamily* refusal_counter() const override { return &kTestRefusals; }
};

/// Answers itself with a plain reply (so a test needs no upstream).
class ReplyPolicy final : public Policy {
 public:
  explicit ReplyPolicy(std::string body) : body_(std::move(body)) {}
  Verdict on_request(http::Exchange& exchange, PolicySlot*) const override {
    exchange.reply.content_type = "text/plain";
    exchange.reply.body = body_;
    return policies::reply(exchange, 200);
  }

 private:
  std::string body_;
};

/// Must wait `delay` before it can decide (a Redis round trip, a JWKS refetch), then answers
/// with `body`. Counts its waits in a per-worker slot.
class SlowPolicy final : public Policy {
 public:
  struct Slot final : PolicySlot {
    int waits = 0;
  };
  SlowPolicy(std::chrono::milliseconds delay, std::string body)
      : delay_(delay), body_(std::move(body)) {}
  std::unique_ptr<PolicySlot> make_slot(net::WorkerContext&) const override {
    return std::make_unique<Slot>();
  }
  Verdict on_request(http::Exchange&, PolicySlot*) const override { return Verdict::pending; }
  net::Task<Verdict> wait(http::Exchange& exchange, PolicySlot* slot) const override {
    ++static_cast<Slot*>(slot)->waits;
    net::Timer timer(co_await net::asio::this_coro::executor);
    timer.expires_after(delay_);
    auto [ec] = co_await timer.async_wait(net::use_tuple);
    if (ec) {
      co_return Verdict::next;  // cancelled: the pipeline answers 503 itself
    }
    exchange.reply.content_type = "text/plain";
    exchange.reply.body = body_;
    co_return policies::reply(exchange, 200);
  }

 private:
  std::chrono::milliseconds delay_;
  std::string body_;
};

/// Reads the body (up to `limit`) and remembers what it saw.
class BodyPolicy final : public Policy {
 public:
  BodyPolicy(std::size_t limit, std::string& seen) : limit_(limit), seen_(seen) {}
  std::optional<std::size_t> body_limit() const override { return limit_; }
  Verdict on_request(http::Exchange& exchange, PolicySlot*) const override {
    seen_.assign(exchange.body);
    return Verdict::next;
  }

 private:
  std::size_t limit_;
  std::string& seen_;
};

/// A route stage built only for routes whose name is `route_name`.
inline PolicyType route_stage(std::string_view stage, std::string route_name,
                              std::function<std::unique_ptr<Policy>()> make) {
  return PolicyType{stage,
                    PolicyType::Scope::route,
                    {},
                    [route_name, make](const config::Config&, const config::RouteConfig* route,
                                       const policies::Services&) -> std::unique_ptr<Policy> {
                      return route->name == route_name ? make() : nullptr;
                    }};
}

inline PolicyType global_stage(std::string_view stage,
                               std::function<std::unique_ptr<Policy>()> make) {
  return PolicyType{stage,
                    PolicyType::Scope::global,
                    {},
                    [make](const config::Config&, const config::RouteConfig*,
                           const policies::Services&) { return make(); }};
}

}  // namespace rampart::testing_policies
