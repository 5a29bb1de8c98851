#include "policies/webhook/webhook_policy.hpp"

#include "store/api_key.hpp"

namespace rampart::policies {

namespace {

std::string_view field_value(const http::Exchange& exchange, std::string_view name) {
  const auto id = boost::beast::http::string_to_field(name);
  const auto* f = id != http::field::unknown ? exchange.request.headers.find(id)
                                             : exchange.request.headers.find(name);
  return f ? http::trim_ows(f->value) : std::string_view{};
}

Verdict bad_signature(http::Exchange& exchange, std::string_view reason) {
  // The same answer whatever was wrong: which check failed is for the operator.
  return respond(exchange,
                 http::Problem::of(http::ProblemCode::bad_signature,
                                   "the delivery's signature is missing, wrong or too old")
                     .because(reason));
}

}  // namespace

SignatureVerdict WebhookPolicy::check(const http::Exchange& exchange) const {
  if (settings_.secrets.empty()) {
    return {"mismatch", {}};  // no secret configured: nothing can be verified
  }
  const auto now = store::unix_now();
  switch (settings_.scheme) {
    case WebhookScheme::stripe:
      return check_stripe(field_value(exchange, "Stripe-Signature"), exchange.body,
                          settings_.secrets, now, settings_.tolerance);
    case WebhookScheme::github:
      return check_github(field_value(exchange, "X-Hub-Signature-256"), exchange.body,
                          settings_.secrets);
    case WebhookScheme::hmac_sha256:
      break;
  }
  const bool timed = !settings_.timestamp_header.empty();
  std::optional<std::string_view> timestamp;
  if (timed) {
    if (auto value = field_value(exchange, settings_.timestamp_header); !value.empty()) {
      timestamp = value;
    }
  }
  return check_hmac(field_value(exchange, settings_.header), settings_.prefix, settings_.encoding,
                    timestamp, timed, exchange.body, settings_.secrets, now, settings_.tolerance);
}

Verdict WebhookPolicy::on_request(http::Exchange& exchange, PolicySlot* /*slot*/) const {
  auto verdict = check(exchange);
  if (!verdict.refusal.empty()) {
    return bad_signature(exchange, verdict.refusal);
  }
  exchange.pending_note = std::move(verdict.replay_key);
  return Verdict::pending;  // signed: now the store says whether it was seen before
}

net::Task<Verdict> WebhookPolicy::wait(http::Exchange& exchange, PolicySlot* /*slot*/) const {
  struct Answer {
    explicit Answer(net::Executor executor) : timer(executor) {}
    net::Timer timer;
    std::optional<bool> first;
    bool done = false;
  };
  auto answer = std::make_shared<Answer>(co_await net::asio::this_coro::executor);
  answer->timer.expires_at(net::Timer::time_point::max());
  const auto now = store::unix_now();
  replays_->mark(std::string(settings_.scheme_name()), std::move(exchange.pending_note),
                 now + settings_.tolerance.count(), now, [answer](std::optional<bool> first) {
                   // On the marks' thread: the answer is handed to the worker's.
                   net::asio::post(answer->timer.get_executor(), [answer, first] {
                     answer->first = first;
                     answer->done = true;
                     answer->timer.cancel();
                   });
                 });
  co_await answer->timer.async_wait(net::use_tuple);
  if (!answer->done || !answer->first) {
    // Cancelled at the route's policy deadline (the pipeline answers 503), or the store
    // failed: a replay check that cannot be made must not let the delivery through.
    co_return respond(exchange, http::Problem::of(http::ProblemCode::policy_timeout,
                                                  "the replay check could not be made")
                                    .because("store_error"));
  }
  if (!*answer->first) {
    co_return respond(exchange, http::Problem::of(http::ProblemCode::replayed,
                                                  "this delivery was received before")
                                    .because("replayed"));
  }
  co_return Verdict::next;
}

}  // namespace rampart::policies
