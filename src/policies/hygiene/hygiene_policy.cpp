#include "policies/hygiene/hygiene_policy.hpp"

#include <boost/beast/core/string.hpp>
#include <string_view>

namespace rampart::policies {

using http::field;

namespace {
constexpr std::string_view kPoweredBy = "x-powered-by";
constexpr std::string_view kContentTypeOptions = "x-content-type-options";
constexpr std::string_view kReferrerPolicy = "referrer-policy";
constexpr std::string_view kCorsPrefix = "access-control-";
}  // namespace

void HygienePolicy::on_response(http::Exchange& exchange, PolicySlot*) const {
  auto& headers = exchange.response.headers;
  headers.remove(field::server);
  bool has_nosniff = false, has_referrer = false;
  for (auto& f : headers.fields()) {
    if (f.removed) {
      continue;
    }
    if (f.name.size() > kCorsPrefix.size() &&
        boost::beast::iequals(f.name.substr(0, kCorsPrefix.size()), kCorsPrefix)) {
      // rampart owns CORS (SPEC §3.5): an upstream's "Access-Control-Allow-Origin: *" never
      // reaches a browser; the CORS policy adds headers for listed origins only.
      f.removed = true;
    } else if (f.id != field::unknown) {
      continue;
    } else if (boost::beast::iequals(f.name, kPoweredBy)) {
      f.removed = true;
    } else if (boost::beast::iequals(f.name, kContentTypeOptions)) {
      has_nosniff = true;
    } else if (boost::beast::iequals(f.name, kReferrerPolicy)) {
      has_referrer = true;
    }
  }
  auto& extra = exchange.response_extra_headers;
  if (!has_nosniff) {
    extra += "X-Content-Type-Options: nosniff\r\n";
  }
  if (!headers.has(field::x_frame_options)) {
    extra += "X-Frame-Options: DENY\r\n";
  }
  if (!has_referrer) {
    extra += "Referrer-Policy: no-referrer\r\n";
  }
  if ((hsts_ || exchange.tls) && !headers.has(field::strict_transport_security)) {
    extra += "Strict-Transport-Security: max-age=31536000\r\n";
  }
}

}  // namespace rampart::policies
