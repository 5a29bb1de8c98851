#pragma once
// Redirects that point back at rampart (SPEC §2 rewrite_redirects, nginx's proxy_redirect
// default): Location, Content-Location and Refresh naming the upstream's own address, or a
// path the route rewrote, are turned into the client's scheme, Host and path. On by default
// for every route; `rewrite_redirects: false` turns it off.

#include <string>

#include "config/config.hpp"
#include "http/redirect_rewrite.hpp"
#include "policies/policy.hpp"

namespace rampart::policies {

class RedirectPolicy final : public Policy {
 public:
  RedirectPolicy(const config::RouteConfig& route, const config::UpstreamConfig& upstream);

  bool has_request_hook() const override { return false; }
  bool has_response_hook() const override { return true; }
  std::unique_ptr<PolicySlot> make_slot(net::WorkerContext& worker) const override;
  void on_response(http::Exchange& exchange, PolicySlot* slot) const override;

  const http::RedirectMapping& mapping() const { return mapping_; }

 private:
  http::RedirectMapping mapping_;
};

}  // namespace rampart::policies
