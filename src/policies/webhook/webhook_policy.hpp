#pragma once
// SPEC §3 step 6: a webhook route lets a delivery through only with a valid signature of its
// raw body by one of the route's secrets (401 bad_signature: missing, malformed, mismatch,
// stale), seen for the first time within the tolerance (409 replayed, asked of the store).

#include <memory>

#include "policies/policy.hpp"
#include "policies/webhook/config.hpp"
#include "policies/webhook/replay_marks.hpp"

namespace rampart::policies {

inline constexpr std::string_view kWebhookFailureLabels[] = {"route", "reason"};
inline const observe::CounterFamily kWebhookFailures{
    "rampart_webhook_failures_total",
    "Webhook deliveries refused, by route and reason (missing, malformed, mismatch, stale, "
    "replayed, store_error).",
    kWebhookFailureLabels};

class WebhookPolicy final : public Policy {
 public:
  WebhookPolicy(const WebhookSettings& settings, std::shared_ptr<ReplayMarks> replays)
      : settings_(settings), replays_(std::move(replays)) {}

  std::optional<std::size_t> body_limit() const override { return settings_.max_bytes; }
  Verdict on_request(http::Exchange& exchange, PolicySlot* slot) const override;
  net::Task<Verdict> wait(http::Exchange& exchange, PolicySlot* slot) const override;
  const observe::CounterFamily* refusal_counter() const override { return &kWebhookFailures; }

 private:
  SignatureVerdict check(const http::Exchange& exchange) const;

  const WebhookSettings& settings_;
  std::shared_ptr<ReplayMarks> replays_;
};

}  // namespace rampart::policies
