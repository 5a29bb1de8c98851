#pragma once
// SPEC §3 step 11: no server fingerprint goes out, and browsers get safe defaults.
// (The 5xx body replacement is done by the proxy step, which owns the body stream.)

#include "gateway/policy.hpp"

namespace rampart::policies {

/// Removes Server, X-Powered-By and the upstream's Access-Control-* headers; adds security
/// headers the upstream did not set.
class HygienePolicy final : public gateway::Policy {
 public:
  explicit HygienePolicy(bool strict_transport_security) : hsts_(strict_transport_security) {}

  gateway::Verdict on_request(gateway::Exchange&) const override {
    return gateway::Verdict::next();
  }
  void on_response(gateway::Exchange& exchange) const override;

 private:
  bool hsts_;  ///< production or TLS
};

}  // namespace rampart::policies
