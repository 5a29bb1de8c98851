#pragma once
// "did you mean" for unknown keys and values.

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

namespace rampart::config {

/// Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
/// neighbours ("timout", "tiemout") each cost 1.
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate nearest to `word` within `max_distance` edits (the first one on a tie).
std::optional<std::string_view> closest_match(std::string_view word,
                                              std::span<const std::string_view> candidates,
                                              std::size_t max_distance = 2);

}  // namespace rampart::config
