#pragma once
// Serializes the heads rampart forwards: the request head for the upstream and the response
// head for the client, from the Exchange, skipping hop-by-hop and removed fields. One string,
// reused per connection: one gather write sends it with the first body bytes.

#include <string>

#include "config/config.hpp"
#include "gateway/exchange.hpp"

namespace rampart::net {

/// The request as the upstream sees it: origin-form target, Host of the upstream,
/// X-Forwarded-For/-Proto set by rampart, policies' extra headers.
void write_upstream_head(std::string& out, gateway::Exchange& exchange,
                         const config::UpstreamConfig& upstream);

/// The upstream's response head for the client, after the policies' on_response ran.
/// `decoded`: the body is sent without chunk framing (HTTP/1.0 client), so drop
/// Transfer-Encoding; `close`: announce Connection: close.
void write_response_head(std::string& out, gateway::Exchange& exchange, bool close, bool decoded);

}  // namespace rampart::net
