#pragma once
// Names the user gives to upstreams and routes. They become metric labels, log fields and
// health check names ("upstream:<name>"), so they are kept to a plain alphabet.

#include <string_view>

namespace rampart::config {

/// Letters, digits, '-', '_' and '.'; not empty, at most 64 characters.
bool is_valid_name(std::string_view name);

/// A letter or '_', then letters, digits and '_': an environment variable's name in `${VAR}`,
/// a capture's in a path template's `{name}`.
bool is_identifier(std::string_view name);

inline constexpr std::string_view kNameRule = "must be 1 to 64 letters, digits, '-', '_' or '.'";

}  // namespace rampart::config
