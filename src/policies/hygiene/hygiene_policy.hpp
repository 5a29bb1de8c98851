#pragma once
// SPEC §3 step 11: no server fingerprint goes out, and browsers get safe defaults.
// (The 5xx body replacement is done by the proxy step, which owns the body stream.)

#include "policies/policy.hpp"

namespace rampart::policies {

/// Removes Server, X-Powered-By and the upstream's Access-Control-* headers; adds security
/// headers the upstream did not set.
class HygienePolicy final : public Policy {
 public:
  explicit HygienePolicy(bool strict_transport_security) : hsts_(strict_transport_security) {}

  bool has_request_hook() const override { return false; }
  bool has_response_hook() const override { return true; }
  void on_response(http::Exchange& exchange, PolicySlot* slot = nullptr) const override;

 private:
  bool hsts_;  ///< production or TLS
};

}  // namespace rampart::policies
