#include "gateway/router.hpp"

#include <algorithm>

namespace rampart::gateway {

bool path_matches(const config::RouteMatch& match, std::string_view path) {
  if (!match.path.empty()) {
    return path == match.path;
  }
  return path.starts_with(match.path_prefix);
}

namespace {
bool method_matches(const config::RouteMatch& match, std::string_view method) {
  if (match.methods.empty()) {
    return true;
  }
  return std::any_of(match.methods.begin(), match.methods.end(),
                     [&](const std::string& m) { return m == method; });
}
}  // namespace

RouteMatchResult Router::match(std::string_view method, std::string_view path) const {
  RouteMatchResult result;
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    const auto& route = routes_[i];
    if (!path_matches(route.match, path)) {
      continue;
    }
    if (method_matches(route.match, method)) {
      result.route = &route;
      result.index = i;
      return result;
    }
    result.path_matched = true;
  }
  return result;
}

std::string Router::allowed_methods(std::string_view path) const {
  std::vector<std::string_view> methods;
  for (const auto& route : routes_) {
    if (!path_matches(route.match, path)) {
      continue;
    }
    for (const auto& m : route.match.methods) {
      if (std::find(methods.begin(), methods.end(), m) == methods.end()) {
        methods.push_back(m);
      }
    }
  }
  std::string allow;
  for (auto m : methods) {
    if (!allow.empty()) {
      allow += ", ";
    }
    allow += m;
  }
  return allow;
}

}  // namespace rampart::gateway
