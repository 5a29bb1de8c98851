#include "config/route_overlap.hpp"

#include <algorithm>

namespace rampart::config {

namespace {

bool covers_path(const RouteMatch& earlier, const RouteMatch& later) {
  if (!earlier.path_prefix.empty()) {
    const std::string& later_path = later.path.empty() ? later.path_prefix : later.path;
    return later_path.starts_with(earlier.path_prefix);
  }
  return !earlier.path.empty() && earlier.path == later.path;
}

bool covers_methods(const RouteMatch& earlier, const RouteMatch& later) {
  if (earlier.methods.empty()) {
    return true;
  }
  if (later.methods.empty()) {
    return false;
  }
  return std::all_of(later.methods.begin(), later.methods.end(), [&](const std::string& m) {
    return std::find(earlier.methods.begin(), earlier.methods.end(), m) != earlier.methods.end();
  });
}

}  // namespace

bool covers(const RouteMatch& earlier, const RouteMatch& later) {
  return covers_path(earlier, later) && covers_methods(earlier, later);
}

}  // namespace rampart::config
