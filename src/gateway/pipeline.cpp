#include "gateway/pipeline.hpp"

#include <algorithm>
#include <limits>

#include "gateway/builtin_endpoints.hpp"
#include "http/forwarded.hpp"
#include "http/ids.hpp"
#include "http/path_check.hpp"
#include "observe/log.hpp"

namespace rampart::gateway {

using http::Problem;
using http::ProblemCode;
using net::Step;
using policies::Verdict;

/// The policies' per-worker slots, and the worker's counters.
class Pipeline::State final : public net::HandlerState {
 public:
  State(observe::WorkerMetrics& metrics, std::size_t slots) : metrics(metrics), slots(slots) {}

  policies::PolicySlot* slot(const Stage& stage) { return slots[stage.slot].get(); }

  observe::WorkerMetrics& metrics;
  std::vector<std::unique_ptr<policies::PolicySlot>> slots;
};

namespace {

/// rampart answered (a stage responded, possibly after a wait).
bool answered(const http::Exchange& exchange) {
  return exchange.problem.has_value() || exchange.reply.status != 0;
}

void forget_answer(http::Exchange& exchange) {
  exchange.problem.reset();
  exchange.reply.status = 0;
  exchange.reply.headers.clear();
  exchange.reply.content_type = {};
  exchange.reply.body.clear();
}

}  // namespace

Pipeline::Pipeline(std::shared_ptr<const config::Config> config,
                   std::shared_ptr<observe::HealthBoard> health,
                   const std::vector<policies::PolicyType>& types, policies::Services services)
    : config_(std::move(config)),
      health_(std::move(health)),
      services_(std::move(services)),
      router_(config_->routes) {
  using Scope = policies::PolicyType::Scope;
  for (const auto& type : types) {
    if (type.scope == Scope::global) {
      if (auto policy = type.build(*config_, nullptr, services_)) {
        global_.push_back(make_stage(type, std::move(policy)));
      }
    }
  }
  for (std::size_t i = 0; i < global_.size(); ++i) {
    if (global_[i].policy->has_request_hook()) {
      global_request_.push_back(static_cast<std::uint16_t>(i));
    }
  }
  for (std::size_t i = global_.size(); i-- > 0;) {
    if (global_[i].policy->has_response_hook()) {
      global_response_.push_back(static_cast<std::uint16_t>(i));
    }
  }
  routes_.resize(config_->routes.size());
  for (std::size_t r = 0; r < config_->routes.size(); ++r) {
    auto& route = routes_[r];
    route.body_limit = std::numeric_limits<std::size_t>::max();
    for (const auto& type : types) {
      if (type.scope == Scope::route) {
        if (auto policy = type.build(*config_, &config_->routes[r], services_)) {
          route.stages.push_back(make_stage(type, std::move(policy)));
        }
      }
    }
    for (std::size_t i = 0; i < route.stages.size(); ++i) {
      const auto& stage = route.stages[i];
      if (stage.policy->has_request_hook()) {
        route.request.push_back(static_cast<std::uint16_t>(i));
      }
      if (auto limit = stage.policy->body_limit()) {
        route.body_limit = std::min(route.body_limit, *limit);
      }
    }
    for (std::size_t i = route.stages.size(); i-- > 0;) {
      if (route.stages[i].policy->has_response_hook()) {
        route.response.push_back(static_cast<std::uint16_t>(i));
      }
    }
  }
}

Pipeline::Stage Pipeline::make_stage(const policies::PolicyType& type,
                                     std::unique_ptr<policies::Policy> policy) {
  Stage stage;
  stage.name = type.stage;
  stage.wants_body = policy->body_limit().has_value();
  stage.policy = std::move(policy);
  stage.slot = slot_count_++;
  return stage;
}

std::unique_ptr<net::HandlerState> Pipeline::make_state(net::WorkerContext& worker) const {
  auto state = std::make_unique<State>(worker.metrics, slot_count_);
  auto make_slots = [&](const std::vector<Stage>& stages) {
    for (const auto& stage : stages) {
      state->slots[stage.slot] = stage.policy->make_slot(worker);
      if (const auto* counter = stage.policy->refusal_counter()) {
        worker.metrics.declare(*counter);
      }
    }
  };
  make_slots(global_);
  for (const auto& route : routes_) {
    make_slots(route.stages);
  }
  return state;
}

std::vector<std::string_view> Pipeline::route_stage_names(std::size_t route_index) const {
  std::vector<std::string_view> names;
  for (auto i : global_request_) {
    names.push_back(global_[i].name);
  }
  names.push_back("routing");
  for (auto i : routes_[route_index].request) {
    names.push_back(routes_[route_index].stages[i].name);
  }
  names.push_back("proxy");
  return names;
}

void Pipeline::identify(http::Exchange& exchange) const {
  if (exchange.request_id.empty()) {
    http::append_uuid_v4(exchange.request_id);
  }
}

void Pipeline::begin(http::Exchange& exchange) const {
  const auto& trusted = config_->server.trusted_proxies;
  const auto* xff = exchange.request.headers.find(std::string_view("x-forwarded-for"));
  const std::string_view xff_value = xff ? xff->value : std::string_view{};
  http::resolve_client(exchange.peer, exchange.peer_text, xff ? &xff_value : nullptr, trusted,
                       exchange.client_ip, exchange.forwarded_for);
  exchange.identity = "ip:";
  exchange.identity += exchange.client_ip;
}

Step Pipeline::run(http::Exchange& exchange, net::HandlerState& handler_state) const {
  auto& state = static_cast<State&>(handler_state);
  if (exchange.identity.empty()) {
    begin(exchange);
  }
  if (exchange.policy_timed_out) {
    const auto& stage = pending_stage(exchange);
    observe::EventLog::write(config::LogLevel::warn, "policy_timeout", [&](http::JsonWriter& j) {
      j.field("request_id", exchange.request_id);
      j.field("route", exchange.route ? std::string_view(exchange.route->name) : "");
      j.field("stage", stage.name);
    });
    exchange.policy_timed_out = false;
    exchange.problem = Problem::of(ProblemCode::policy_timeout,
                                   "a protection of this route could not decide in time")
                           .because("policy_timeout");
    if (exchange.route == nullptr || refuse(exchange, state, stage)) {
      return Step::answer;
    }
    ++exchange.stage;
  }
  if (answered(exchange)) {
    return Step::answer;  // a pending stage answered
  }
  const std::size_t routing = global_request_.size();
  for (; exchange.stage < routing; ++exchange.stage) {
    const auto& stage = global_[global_request_[exchange.stage]];
    const auto verdict = stage.policy->on_request(exchange, state.slot(stage));
    if (verdict == Verdict::pending) {
      return Step::wait;
    }
    if (verdict == Verdict::respond) {
      return Step::answer;
    }
  }
  if (exchange.stage == routing) {
    if (route(exchange, state)) {
      return Step::answer;
    }
    ++exchange.stage;
  }
  const auto& route = routes_[exchange.route_index];
  for (std::size_t i = exchange.stage - routing - 1; i < route.request.size();
       i = ++exchange.stage - routing - 1) {
    const auto& stage = route.stages[route.request[i]];
    if (stage.wants_body && !exchange.body_read) {
      exchange.body_limit = route.body_limit;
      return Step::read_body;
    }
    const auto verdict = stage.policy->on_request(exchange, state.slot(stage));
    if (verdict == Verdict::pending) {
      return Step::wait;
    }
    if (verdict == Verdict::respond && refuse(exchange, state, stage)) {
      return Step::answer;
    }
  }
  return Step::proxy;
}

const Pipeline::Stage& Pipeline::pending_stage(const http::Exchange& exchange) const {
  const std::size_t routing = global_request_.size();
  if (exchange.stage < routing) {
    return global_[global_request_[exchange.stage]];
  }
  const auto& route = routes_[exchange.route_index];
  return route.stages[route.request[exchange.stage - routing - 1]];
}

net::Task<void> Pipeline::wait(http::Exchange& exchange, net::HandlerState& handler_state) const {
  auto& state = static_cast<State&>(handler_state);
  const auto& stage = pending_stage(exchange);
  auto verdict = Verdict::pending;
  net::PendingWait callback;
  callback.outcome = static_cast<std::uint8_t>(Verdict::pending);
  if (stage.policy->start_wait(exchange, state.slot(stage), callback)) {
    // The connection calls start_wait() itself; this is for other callers (the tests).
    const net::Executor executor = co_await net::asio::this_coro::executor;
    co_await callback.async_resumed(net::asio::use_awaitable_t<net::Executor>{}, &executor);
    verdict = static_cast<Verdict>(callback.outcome);
  }
  while (verdict == Verdict::pending && !exchange.policy_timed_out) {
    verdict = co_await stage.policy->wait(exchange, state.slot(stage));
  }
  decided(exchange, state, verdict);
}

bool Pipeline::start_wait(http::Exchange& exchange, net::HandlerState& handler_state,
                          net::PendingWait& wait) const {
  auto& state = static_cast<State&>(handler_state);
  const auto& stage = pending_stage(exchange);
  wait.outcome = static_cast<std::uint8_t>(Verdict::pending);
  return stage.policy->start_wait(exchange, state.slot(stage), wait);
}

void Pipeline::finish_wait(http::Exchange& exchange, net::HandlerState& handler_state,
                           const net::PendingWait& wait) const {
  decided(exchange, static_cast<State&>(handler_state), static_cast<Verdict>(wait.outcome));
}

void Pipeline::decided(http::Exchange& exchange, State& state, Verdict verdict) const {
  if (exchange.policy_timed_out || verdict == Verdict::pending) {
    return;  // run() answers 503: whatever the policy decided came too late
  }
  const auto& stage = pending_stage(exchange);
  const bool is_route_stage = exchange.stage > global_request_.size();
  if (verdict == Verdict::respond && (!is_route_stage || refuse(exchange, state, stage))) {
    return;  // answered: run() sees it
  }
  ++exchange.stage;
}

bool Pipeline::route(http::Exchange& exchange, State& state) const {
  const auto& request = exchange.request;
  if (request.target.empty() || request.target.front() != '/') {
    state.metrics.reject(observe::RejectReason::path);
    exchange.problem =
        Problem::of(ProblemCode::bad_request, "the request target must be an absolute path");
    return true;
  }
  if (!http::is_safe_path(request.path, config_->server.allow_encoded_slashes)) {
    // "/public/../admin" or "/public/..;/admin" must not reach a route the plain path would
    // not match.
    state.metrics.reject(observe::RejectReason::path);
    exchange.problem =
        Problem::of(ProblemCode::bad_request, "the path has dot segments or encoded separators");
    return true;
  }
  if (is_builtin_path(request.path)) {
    ReadinessChecks checks;
    if (const auto* keys = services_.keys.get()) {
      checks.store = keys->healthy();
    }
    if (const auto* redis = services_.redis.get()) {
      checks.redis = redis->healthy();
    }
    answer_builtin(exchange, *config_, *health_, checks);
    return true;
  }
  if (const auto* host = request.headers.find(http::field::host)) {
    exchange.client_host.assign(http::trim_ows(host->value));
  }
  // A CORS preflight is an OPTIONS about another method: it belongs to the route that method
  // would reach (whose cors stage answers it), not to a route that lists OPTIONS.
  std::string_view method = request.method;
  if (request.verb == boost::beast::http::verb::options &&
      request.headers.has(http::field::origin)) {
    if (const auto* asked = request.headers.find(http::field::access_control_request_method)) {
      method = http::trim_ows(asked->value);
    }
  }
  auto match = router_.match(method, request.path, &request.headers);
  if (match.route == nullptr) {
    if (match.path_matched) {
      exchange.reply.headers =
          "Allow: " + router_.allowed_methods(request.path, &request.headers) + "\r\n";
      exchange.problem =
          Problem::of(ProblemCode::method_not_allowed, "this route does not accept the method");
    } else {
      exchange.problem = Problem::of(ProblemCode::not_found, "no route matches the request");
    }
    return true;
  }
  exchange.route = match.route;
  exchange.route_index = match.index;
  // Plain prefix and exact routes capture nothing and rewrite nothing: no work, no allocation.
  if (match.route->match.kind == config::PathKind::path_template ||
      match.route->match.kind == config::PathKind::regex) {
    capture(match.route->match, request.path, exchange.captures);
  }
  if (match.route->rewrite) {
    rewrite_path(*match.route, request.path, exchange.captures, exchange.upstream_path);
  }
  return false;
}

bool Pipeline::refuse(http::Exchange& exchange, State& state, const Stage& stage) const {
  const auto& route = *exchange.route;
  std::string_view code = exchange.problem ? http::code_name(exchange.problem->code) : "reply";
  if (const auto* counter = stage.policy->refusal_counter()) {
    std::string_view reason = exchange.problem && !exchange.problem->reason.empty()
                                  ? std::string_view(exchange.problem->reason)
                                  : code;
    const std::string_view labels[] = {route.name, reason};
    // {route, reason}, or {route} alone for a family that has no reason (rate_limited_total).
    state.metrics.add(*counter,
                      std::span(labels).first(std::min<std::size_t>(2, counter->labels.size())));
  }
  if (!route.dry_run) {
    return true;
  }
  if (exchange.dry_run_refusal.empty()) {
    // The request log line says what would have happened; the first refusal is the answer
    // the client would have had.
    exchange.dry_run_refusal.assign(stage.name);
    exchange.dry_run_refusal += ':';
    exchange.dry_run_refusal += code;
    if (exchange.problem && !exchange.problem->reason.empty()) {
      exchange.dry_run_refusal += ':';
      exchange.dry_run_refusal += exchange.problem->reason;
    }
  }
  forget_answer(exchange);
  return false;
}

void Pipeline::on_response(http::Exchange& exchange, net::HandlerState& handler_state) const {
  auto& state = static_cast<State&>(handler_state);
  if (exchange.route != nullptr) {
    const auto& route = routes_[exchange.route_index];
    for (auto i : route.response) {
      const auto& stage = route.stages[i];
      stage.policy->on_response(exchange, state.slot(stage));
    }
  }
  for (auto i : global_response_) {
    const auto& stage = global_[i];
    stage.policy->on_response(exchange, state.slot(stage));
  }
}

}  // namespace rampart::gateway
