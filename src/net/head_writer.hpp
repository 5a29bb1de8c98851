#pragma once
// Serializes the heads rampart forwards: the request head for the upstream and the response
// head for the client, from the Exchange, skipping hop-by-hop and removed fields. One string,
// reused per connection: one gather write sends it with the first body bytes.

#include <cstdint>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "http/exchange.hpp"

namespace rampart::net {

/// How rampart frames a body it sends. Never copied from the peer's fields: framing that
/// rampart forwards is framing it wrote from what it parsed, so the two sides of the proxy
/// cannot disagree about where a message ends.
struct Framing {
  enum class Kind : std::uint8_t { none, length, chunked };
  Kind kind = Kind::none;
  std::uint64_t length = 0;

  static Framing length_of(std::uint64_t n) { return {Kind::length, n}; }
  static Framing chunked() { return {Kind::chunked, 0}; }
};

/// The request as the upstream sees it: origin-form target, Host of the upstream,
/// X-Forwarded-For/-Proto set by rampart, policies' extra headers. The client's
/// Content-Length, Transfer-Encoding and Expect are never copied: with `framing`, rampart's
/// own framing ends the head; without (the body's framing is not known yet),
/// end_upstream_head() adds it later. The fields the client's Connection names must have been
/// removed before (HeaderList::remove_connection_options, before the policies ran).
void write_upstream_head(std::string& out, http::Exchange& exchange,
                         const config::UpstreamConfig& upstream,
                         std::optional<Framing> framing = std::nullopt);
void end_upstream_head(std::string& out, Framing framing);

/// A response head for the client, after the policies' on_response ran: the standard reason
/// phrase (never the upstream's), the upstream's fields but its framing, then `framing`;
/// `close`: announce Connection: close. As for requests, the fields the upstream's Connection
/// names must have been removed before the policies' hooks ran.
void write_response_head(std::string& out, http::Exchange& exchange, Framing framing, bool close);

/// "<hex size>\r\n" into `out`, which must hold 18 bytes; returns the length written.
std::size_t write_chunk_size(char* out, std::uint64_t size);

}  // namespace rampart::net
