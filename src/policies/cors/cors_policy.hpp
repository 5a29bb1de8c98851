#pragma once
// SPEC §3 step 5: a preflight (OPTIONS with Origin and Access-Control-Request-Method) from a
// listed origin is answered here, 204 with the route's Access-Control-* fields; from any other
// origin 403 origin_not_allowed with none. On every other response of the route rampart owns
// the CORS fields: the upstream's Access-Control-* are removed, and rampart's added only for a
// listed origin; `Vary: Origin` always, so a cache never serves one origin's answer to another.

#include "policies/cors/config.hpp"
#include "policies/policy.hpp"

namespace rampart::policies {

inline constexpr std::string_view kCorsRefusalLabels[] = {"route", "reason"};
inline const observe::CounterFamily kCorsRefusals{
    "rampart_cors_refusals_total",
    "Preflights refused because the origin is not listed (403 origin_not_allowed), by route.",
    kCorsRefusalLabels};

class CorsPolicy final : public Policy {
 public:
  explicit CorsPolicy(const CorsSettings& settings) : settings_(settings) {}

  bool has_response_hook() const override { return true; }
  Verdict on_request(http::Exchange& exchange, PolicySlot* slot) const override;
  void on_response(http::Exchange& exchange, PolicySlot* slot) const override;
  const observe::CounterFamily* refusal_counter() const override { return &kCorsRefusals; }

 private:
  /// The value for Access-Control-Allow-Origin when `origin` (as sent) may read the answer.
  std::optional<std::string_view> allowed_origin(std::string_view origin) const;
  void add_allow_fields(std::string& out, std::string_view origin) const;

  const CorsSettings& settings_;
};

/// A preflight: OPTIONS with Origin and Access-Control-Request-Method.
bool is_preflight(const http::Exchange& exchange);

}  // namespace rampart::policies
