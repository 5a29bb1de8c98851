#include "policies/redirects/redirect_policy.hpp"

#include <fmt/format.h>

namespace rampart::policies {

namespace {

/// A scratch buffer for one rewritten value, used within one on_response call; it keeps its
/// capacity, so a warm worker allocates nothing here.
struct RedirectSlot final : PolicySlot {
  std::string value;
};

}  // namespace

RedirectPolicy::RedirectPolicy(const config::RouteConfig& route,
                               const config::UpstreamConfig& upstream) {
  // fmt, not operator+ or assigning a literal: GCC 12 warns (-Wrestrict) falsely on those.
  mapping_.upstream_origin = fmt::format("http://{}", upstream.host_header);
  const bool prefix_rewritten = route.rewrite && route.rewrite->prefix;
  // The upstream's paths start with the rewritten prefix; the client's with the matched one.
  mapping_.upstream_path =
      fmt::format("{}{}", upstream.base_path, prefix_rewritten ? *route.rewrite->prefix : "/");
  mapping_.client_path = prefix_rewritten ? route.match.path_prefix : std::string(1, '/');
}

std::unique_ptr<PolicySlot> RedirectPolicy::make_slot(net::WorkerContext&) const {
  return std::make_unique<RedirectSlot>();
}

Verdict RedirectPolicy::on_request(http::Exchange& exchange, PolicySlot*) const {
  const auto* host = exchange.request.headers.find(http::field::host);
  exchange.client_origin.assign(exchange.tls ? "https://" : "http://");
  if (host != nullptr) {
    exchange.client_origin += http::trim_ows(host->value);
  } else {
    exchange.client_origin.clear();  // no Host (HTTP/1.0): nothing to point back to
  }
  return Verdict::next;
}

void RedirectPolicy::on_response(http::Exchange& exchange, PolicySlot* slot_base) const {
  if (exchange.problem || exchange.reply.status != 0 || exchange.client_origin.empty()) {
    return;
  }
  auto& rewritten = static_cast<RedirectSlot&>(*slot_base).value;
  for (auto& f : exchange.response.headers.fields()) {
    if (f.removed) {
      continue;
    }
    std::string_view name;
    bool done = false;
    if (f.id == http::field::location || f.id == http::field::content_location) {
      name = f.id == http::field::location ? "Location" : "Content-Location";
      done = http::rewrite_location(http::trim_ows(f.value), mapping_, exchange.client_origin,
                                    rewritten);
    } else if (f.id == http::field::unknown && http::same_header_name(f.name, "refresh")) {
      name = "Refresh";
      done = http::rewrite_refresh(http::trim_ows(f.value), mapping_, exchange.client_origin,
                                   rewritten);
    }
    if (done) {
      f.removed = true;
      exchange.response_extra_headers += name;
      exchange.response_extra_headers += ": ";
      exchange.response_extra_headers += rewritten;
      exchange.response_extra_headers += "\r\n";
    }
  }
}

}  // namespace rampart::policies
