#pragma once
// SPEC §3 step 2: every request carries an id (the client's if it is sane, else a new UUID)
// to the upstream, into every log line and problem body, and back on the response; W3C
// traceparent is passed on, or started.

#include <string>
#include <string_view>

#include "policies/policy.hpp"

namespace rampart::policies {

/// Keeps or makes X-Request-ID and traceparent.
class RequestIdPolicy final : public Policy {
 public:
  bool has_response_hook() const override { return true; }
  Verdict on_request(http::Exchange& exchange, PolicySlot* slot = nullptr) const override;
  void on_response(http::Exchange& exchange, PolicySlot* slot = nullptr) const override;
};

/// 1-128 characters of [A-Za-z0-9._:-].
bool is_acceptable_request_id(std::string_view id);
/// "00-<32 hex>-<16 hex>-<2 hex>", lower case, ids not all zero.
bool is_valid_traceparent(std::string_view value);

}  // namespace rampart::policies
