#pragma once
// The string formats a schema's `format` asserts: date, time and date-time, checked by hand in
// linear time (valijson's own checks use std::regex, which recurses per character). Other
// formats are annotations only, as draft 7 allows.

#include <string_view>

namespace rampart::policies {

/// True when `s` is a valid `format`, or `format` is one rampart does not assert.
bool matches_format(std::string_view format, std::string_view s);

}  // namespace rampart::policies
