#pragma once
// `cors:` (SPEC §2, §3 step 5): the origins a browser may call the API from, with what it may
// send. A top-level `cors:` applies to every route; a route's `cors:` replaces it for that
// route (a whole block), or `cors: off` turns it off there. Origins are compared exactly,
// scheme, host and port, after normalisation (lower case, no default port).

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/policy_settings.hpp"

namespace rampart::policies {

inline constexpr std::string_view kCorsKey = "cors";

struct CorsSettings final : config::PolicySettings {
  bool off = false;                  ///< a route's `cors: off`
  std::vector<std::string> origins;  ///< normalised "scheme://host[:port]"
  bool any_origin = false;           ///< "*" (development only, never with credentials)
  std::string methods;               ///< Access-Control-Allow-Methods, joined
  std::string headers;               ///< Access-Control-Allow-Headers, joined
  bool credentials = false;
  std::chrono::seconds max_age{600};

  /// The listed origin equal to `normalised_origin`, or null.
  const std::string* find(std::string_view normalised_origin) const;
};

/// The normalised form of an origin (RFC 6454: scheme://host[:port], lower case, no default
/// port), or nullopt when `text` is not one (a path, a userinfo, a query, another scheme).
/// "null" stays "null".
std::optional<std::string> normalise_origin(std::string_view text);

std::shared_ptr<const config::PolicySettings> read_cors(const config::Field& field,
                                                        config::ProblemList& problems,
                                                        config::Env env);

}  // namespace rampart::policies
