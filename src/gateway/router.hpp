#pragma once
// Route matching (SPEC §3 step 4): the first route in config order whose path, method, host
// and header conditions all hold. Exact, prefix and template routes are found through indexes
// (route_index.hpp), so the cost does not grow with the number of routes; regex routes are
// tried in order, and only while they could still beat the best match found.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "gateway/route_index.hpp"
#include "http/header_list.hpp"

namespace rampart::gateway {

struct RouteMatchResult {
  const config::RouteConfig* route = nullptr;
  std::size_t index = 0;
  bool path_matched = false;  ///< some route matched the path but not the method (405)
};

class Router {
 public:
  explicit Router(const std::vector<config::RouteConfig>& routes);

  /// `headers`: the request's, for host: and headers: conditions (null: the request has none).
  RouteMatchResult match(std::string_view method, std::string_view path,
                         const http::HeaderList* headers = nullptr) const;
  /// The Allow header value for a path that matched only by path: methods of every route
  /// whose path (and host and headers) match, in config order, without duplicates.
  std::string allowed_methods(std::string_view path,
                              const http::HeaderList* headers = nullptr) const;

 private:
  const std::vector<config::RouteConfig>& routes_;
  /// Per route: which checks beyond the path it has (most have none: no call is made then).
  std::vector<std::uint8_t> checks_;
  PathTree paths_;
  TemplateTree templates_;
  std::vector<std::uint32_t> regexes_;  ///< route indexes, ascending
};

/// True when the route's path condition holds for `path`.
bool path_matches(const config::RouteMatch& match, std::string_view path);

/// True when the route's host: and headers: conditions hold.
bool conditions_hold(const config::RouteMatch& match, const http::HeaderList* headers);

/// Appends what `route` captures from `path` (its template's names, its regex's named groups).
void capture(const config::RouteMatch& match, std::string_view path,
             std::vector<config::CaptureSpan>& out);

/// The path the upstream gets for a route with rewrite:, into `out`.
void rewrite_path(const config::RouteConfig& route, std::string_view path,
                  const std::vector<config::CaptureSpan>& captures, std::string& out);

}  // namespace rampart::gateway
