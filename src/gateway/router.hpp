#pragma once
// Route matching (SPEC §3 step 4): routes in config order, first match wins.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace rampart::gateway {

struct RouteMatchResult {
  const config::RouteConfig* route = nullptr;
  std::size_t index = 0;
  bool path_matched = false;  ///< some route matched the path but not the method (405)
};

class Router {
 public:
  explicit Router(const std::vector<config::RouteConfig>& routes) : routes_(routes) {}

  RouteMatchResult match(std::string_view method, std::string_view path) const;
  /// The Allow header value for a path that matched only by path: methods of every route
  /// whose path matches, in config order, without duplicates.
  std::string allowed_methods(std::string_view path) const;

 private:
  const std::vector<config::RouteConfig>& routes_;
};

bool path_matches(const config::RouteMatch& match, std::string_view path);

}  // namespace rampart::gateway
