#pragma once
// Routes that can never match: "first match wins" (SPEC §2), so a route is dead when an
// earlier one takes every request it could take. Such a route is a config bug, never intended.

#include <string_view>

#include "config/config.hpp"

namespace rampart::config {

/// True when every request `later` matches is matched by `earlier` too: the path is covered
/// (an exact path under an earlier prefix, a template under an earlier prefix or an earlier
/// template of the same shape, equal exact paths...), and so are the method, the host and the
/// header conditions. Pairs with a path_regex are never decided, so never reported.
bool covers(const RouteMatch& earlier, const RouteMatch& later);

/// Header names compare without case (the ASCII letters only, as HTTP's do).
bool same_field_name(std::string_view a, std::string_view b);

}  // namespace rampart::config
