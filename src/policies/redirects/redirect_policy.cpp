#include "policies/redirects/redirect_policy.hpp"

#include <fmt/format.h>

namespace rampart::policies {

namespace {

/// Scratch buffers used within one on_response call; they keep their capacity, so a warm
/// worker allocates nothing here.
struct RedirectSlot final : PolicySlot {
  std::string origin;  ///< "http://<client's Host>"
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

void RedirectPolicy::on_response(http::Exchange& exchange, PolicySlot* slot_base) const {
  // No Host (HTTP/1.0): there is nothing to point back to.
  if (exchange.problem || exchange.reply.status != 0 || exchange.client_host.empty()) {
    return;
  }
  auto& slot = static_cast<RedirectSlot&>(*slot_base);
  auto& rewritten = slot.value;
  auto& origin = slot.origin;
  origin.clear();  // made only when a field may need it
  for (auto& f : exchange.response.headers.fields()) {
    std::string_view name;
    if (f.id == http::field::location) {
      name = "Location";
    } else if (f.id == http::field::content_location) {
      name = "Content-Location";
    } else if (f.id == http::field::unknown && f.name.size() == 7 &&
               http::same_header_name(f.name, "refresh")) {
      name = "Refresh";
    }
    if (name.empty() || f.removed) {
      continue;
    }
    if (origin.empty()) {
      origin.assign(exchange.tls ? "https://" : "http://");
      origin += exchange.client_host;
    }
    const auto value = http::trim_ows(f.value);
    const bool done = name == "Refresh"
                          ? http::rewrite_refresh(value, mapping_, origin, rewritten)
                          : http::rewrite_location(value, mapping_, origin, rewritten);
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
