#pragma once
// SPEC §3 step 9: a route's request body is read whole up to `max_bytes` (413
// payload_too_large beyond: from Content-Length before a byte is read or 100 Continue is
// sent, or as soon as a chunked body passes it), then, with `json: true`, must be one
// well-formed JSON value (400 invalid_json with the byte offset). The body then goes upstream
// byte for byte.

#include "policies/body/config.hpp"
#include "policies/policy.hpp"

namespace rampart::policies {

inline constexpr std::string_view kValidationLabels[] = {"route", "reason"};
inline const observe::CounterFamily kValidationFailures{
    "rampart_validation_failures_total",
    "Request bodies refused by a route's body checks, by route and reason (syntax, utf8, "
    "too_deep, nul, too_long, incomplete, extra_data, empty).",
    kValidationLabels};

class BodyPolicy final : public Policy {
 public:
  explicit BodyPolicy(const BodySettings& settings) : settings_(settings) {}

  std::optional<std::size_t> body_limit() const override { return settings_.max_bytes; }
  Verdict on_request(http::Exchange& exchange, PolicySlot* slot) const override;
  const observe::CounterFamily* refusal_counter() const override { return &kValidationFailures; }

 private:
  const BodySettings& settings_;
};

}  // namespace rampart::policies
