#pragma once
// The URL given to `rampart audit`: scheme, host, port and the path the probes start from.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rampart::audit {

/// A parsed absolute http(s) URL. No user-info, no fragment: an audit target is a service.
struct Target {
  std::string scheme;  ///< "http" or "https"
  std::string host;    ///< without brackets for IPv6 literals
  std::uint16_t port = 0;
  std::string path = "/";  ///< the path the security probes aim at (query kept)

  bool https() const { return scheme == "https"; }
  /// "host:port" as a Host header value (IPv6 literals bracketed).
  std::string host_header() const;
  /// "scheme://host:port" for messages.
  std::string origin() const;
};

/// The URL, or the reason it is refused (a one-line message for stderr).
struct TargetParse {
  std::optional<Target> target;
  std::string error;
};

TargetParse parse_target(std::string_view url);

/// True for "/..." paths without control characters or blanks, as --private/--health take.
bool is_probe_path(std::string_view path);

}  // namespace rampart::audit
