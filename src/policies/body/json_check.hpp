#pragma once
// `body.json: true` (SPEC §3 step 9): the body must be exactly one well-formed JSON value —
// UTF-8, nesting at most kMaxJsonDepth deep, no NUL in a string or key, strings and numbers of
// bounded size. Checked with Boost.JSON's SAX parser and a handler that builds nothing: no
// document is allocated, and the body is forwarded byte for byte afterwards.

#include <cstddef>
#include <string_view>

#include "policies/body/json_tape.hpp"

namespace rampart::policies {

inline constexpr std::size_t kMaxJsonDepth = 64;
/// A string (or key) longer than this is refused: a JSON API has no use for one, and a parser
/// downstream may copy it several times.
inline constexpr std::size_t kMaxJsonStringBytes = 1024 * 1024;

/// What is wrong with a body, and where.
struct JsonProblem {
  std::string_view reason;  ///< syntax, utf8, too_deep, nul, too_long, incomplete, extra_data,
                            ///< empty ("" when the body is well-formed)
  std::size_t offset = 0;   ///< the byte where it was found
};

/// Checks `body`; an empty reason means it is one well-formed JSON value. With a tape, also
/// writes the document into it (for a schema; see json_tape.hpp).
JsonProblem check_json(std::string_view body, JsonTape* tape = nullptr);

}  // namespace rampart::policies
