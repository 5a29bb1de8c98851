#pragma once
// Network addresses as the config writes them: listen addresses ("0.0.0.0:8080",
// "[::1]:9901") and upstream URLs ("http://127.0.0.1:8000").

#include <cstdint>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "config/units.hpp"

namespace rampart::config {

/// "host:port" or "[v6]:port"; host must be an IP literal (it is bound, not resolved) and the
/// port 1-65535. The stored host has no brackets.
Parsed<ListenAddress> parse_listen_address(std::string_view text);

/// Where an upstream is, taken from its url.
struct UpstreamAddress {
  std::string host;  ///< a name, an IPv4 literal, or an IPv6 literal without brackets
  std::uint16_t port = 80;
  std::string host_header;  ///< "host" when the port is 80, else "host:port"; v6 in brackets
  std::string base_path;    ///< the url's path without a trailing '/', or empty
};

/// "http://host[:port][/base/path]": no query, fragment, user information or odd path.
Parsed<UpstreamAddress> parse_upstream_url(std::string_view url);

}  // namespace rampart::config
