#pragma once
// The `headers:` route key at work: sets and removes fields on the request to the upstream and
// on the upstream's response. Everything it may touch was checked at load (config.hpp), so it
// never refuses a request and counts nothing.

#include "policies/headers/config.hpp"
#include "policies/policy.hpp"

namespace rampart::policies {

/// Applies one route's `headers:` settings to each request and proxied response.
class HeadersPolicy final : public Policy {
 public:
  /// `settings` belong to the Config, which outlives every policy built from it.
  explicit HeadersPolicy(const HeadersSettings& settings) : settings_(settings) {}

  bool has_request_hook() const override { return !settings_.request.empty(); }
  bool has_response_hook() const override { return !settings_.response.empty(); }

  Verdict on_request(http::Exchange& exchange, PolicySlot* slot) const override;
  /// Only on proxied responses: rampart's own answers keep their fields (Cache-Control:
  /// no-store on a problem must not become cacheable because a route said max-age=10).
  void on_response(http::Exchange& exchange, PolicySlot* slot) const override;

 private:
  const HeadersSettings& settings_;
};

}  // namespace rampart::policies
