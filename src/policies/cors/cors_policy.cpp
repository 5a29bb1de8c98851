#include "policies/cors/cors_policy.hpp"

#include <fmt/format.h>

namespace rampart::policies {

bool is_preflight(const http::Exchange& exchange) {
  const auto& request = exchange.request;
  return request.verb == boost::beast::http::verb::options &&
         request.headers.has(http::field::origin) &&
         request.headers.has(http::field::access_control_request_method);
}

std::optional<std::string_view> CorsPolicy::allowed_origin(std::string_view origin) const {
  origin = http::trim_ows(origin);
  // A browser sends the origin serialised, which is the normalised form already: found as
  // it is, with no allocation. Other spellings are normalised first.
  const std::string* listed = settings_.find(origin);
  if (listed == nullptr) {
    if (auto normalised = normalise_origin(origin)) {
      listed = settings_.find(*normalised);
    }
  }
  if (listed != nullptr) {
    return *listed;
  }
  if (settings_.any_origin) {
    return std::string_view("*");
  }
  return std::nullopt;
}

void CorsPolicy::add_allow_fields(std::string& out, std::string_view origin) const {
  fmt::format_to(std::back_inserter(out), "Access-Control-Allow-Origin: {}\r\n", origin);
  if (settings_.credentials) {
    out += "Access-Control-Allow-Credentials: true\r\n";
  }
}

Verdict CorsPolicy::on_request(http::Exchange& exchange, PolicySlot* /*slot*/) const {
  if (!is_preflight(exchange)) {
    return Verdict::next;  // a simple request: its answer gets the fields on the way back
  }
  const auto origin = allowed_origin(exchange.request.headers.value(http::field::origin));
  if (!origin) {
    return respond(exchange, http::Problem::of(http::ProblemCode::origin_not_allowed,
                                               "this origin may not call the API")
                                 .because("origin_not_allowed"));
  }
  auto& out = exchange.reply.headers;
  add_allow_fields(out, *origin);
  fmt::format_to(std::back_inserter(out),
                 "Access-Control-Allow-Methods: {}\r\nAccess-Control-Allow-Headers: {}\r\n"
                 "Access-Control-Max-Age: {}\r\nVary: Origin\r\n",
                 settings_.methods, settings_.headers, settings_.max_age.count());
  return reply(exchange, 204);
}

void CorsPolicy::on_response(http::Exchange& exchange, PolicySlot* /*slot*/) const {
  if (exchange.reply.status == 204 && is_preflight(exchange)) {
    return;  // the preflight's own answer has its fields already
  }
  // The upstream's CORS fields never reach the client on a CORS route: only rampart decides.
  exchange.response.headers.remove_prefixed("access-control-");
  auto& out = exchange.response_extra_headers;
  out += "Vary: Origin\r\n";
  if (exchange.request.headers.has(http::field::origin)) {
    if (auto origin = allowed_origin(exchange.request.headers.value(http::field::origin))) {
      add_allow_fields(out, *origin);
    }
  }
}

}  // namespace rampart::policies
