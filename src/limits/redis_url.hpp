#pragma once
// Where the shared rate limits' Redis is: `redis://[[user]:password@]host[:port][/db]`.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rampart::limits {

/// A parsed Redis URL. Print only `display`: every other field may be secret or come from
/// the password.
struct RedisUrl {
  std::string host;  ///< a name or an IP address (IPv6 without its brackets)
  std::uint16_t port = 6379;
  std::string user;      ///< empty: AUTH with the password alone (Redis' `default` user)
  std::string password;  ///< empty: no AUTH
  int db = 0;            ///< 0–15; SELECT when not 0
  std::string display;   ///< the URL with the password replaced by "***"
};

/// Parses a Redis URL; user and password may be percent-encoded (%40 for '@'). On error,
/// nothing is returned and `error` says why in one line, never with the URL or its password:
/// another scheme (rediss:// says TLS is not supported yet), no host, a bad port, a path that
/// is not a database number 0–15, a query, a fragment, a user without a password.
std::optional<RedisUrl> parse_redis_url(std::string_view url, std::string& error);

}  // namespace rampart::limits
