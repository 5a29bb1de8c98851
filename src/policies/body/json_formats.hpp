#pragma once
// The string formats a schema's `format` asserts: date, time and date-time, checked by hand in
// linear time (valijson's own checks use std::regex, which recurses per character). Other
// formats are annotations only, as draft 7 allows.

#include <cstdint>
#include <string_view>

namespace rampart::policies {

/// The formats rampart asserts; `none` for every other name.
enum class StringFormat : std::uint8_t { none, date, time, date_time };

/// The format a schema's `format` names.
StringFormat format_named(std::string_view name);

/// True when `s` is a valid `format` (always for `none`).
bool matches_format(StringFormat format, std::string_view s);

/// The same by name, for a caller that holds the schema's text (valijson's visitor).
inline bool matches_format(std::string_view name, std::string_view s) {
  return matches_format(format_named(name), s);
}

}  // namespace rampart::policies
