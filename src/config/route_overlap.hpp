#pragma once
// Routes that can never match: "first match wins" (SPEC §2), so a route is dead when an
// earlier one takes every request it could take. Such a route is a config bug, never intended.

#include "config/config.hpp"

namespace rampart::config {

/// True when every request `later` matches is matched by `earlier` too: the path is covered
/// (earlier's prefix starts later's path or prefix, or the exact paths are equal) and so is the
/// method (earlier takes any method, or later lists methods that earlier all lists).
bool covers(const RouteMatch& earlier, const RouteMatch& later);

}  // namespace rampart::config
