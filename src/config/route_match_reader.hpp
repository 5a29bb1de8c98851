#pragma once
// A route's `match:` and `rewrite:` blocks (routes_section.cpp reads the rest of a route).

#include <optional>

#include "config/config.hpp"
#include "config/mapping_reader.hpp"

namespace rampart::config {

/// Reads `match:` into `match`. False when it has a problem: such a route is left out of the
/// shadowing check.
bool read_match(const Field& field, ProblemList& problems, RouteMatch& match);

/// Reads `rewrite:` against the route's match (a prefix rewrite needs a path_prefix; a
/// template names only captures the match makes).
std::optional<RewriteConfig> read_rewrite(const Field& field, ProblemList& problems,
                                          const RouteMatch& match, bool match_ok);

/// The most named captures a path_regex may have.
inline constexpr std::size_t kMaxCaptures = 16;

}  // namespace rampart::config
