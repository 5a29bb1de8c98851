#pragma once
// ${VAR} substitution on the raw text of the config file, before YAML parsing (SPEC §2).
//
//   ${NAME}   the value of environment variable NAME; NAME is [A-Za-z_][A-Za-z0-9_]*.
//             An unset NAME is an error, never an empty string. A set but empty NAME is "".
//   $${       a literal "${" (so "$${HOME}" stays "${HOME}").
//   $         anywhere else, a literal "$".
// Lines whose first non-blank character is '#' are comments and are left alone, so a
// commented-out line does not need its variables set.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/source_map.hpp"

namespace rampart::config {

/// A malformed or unset reference, at an offset of the original and of the substituted text.
struct SubstitutionError {
  std::size_t input_offset = 0;
  std::size_t output_offset = 0;
  std::string message;
};

struct SubstitutedText {
  std::string text;
  std::vector<Splice> splices;  ///< every replacement, in order, for SourceMap
  std::vector<SubstitutionError> errors;
};

/// Returns the variable's value, or nothing when it is unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

SubstitutedText substitute_env(std::string_view text, const EnvLookup& lookup);

/// EnvLookup over the process environment (getenv).
std::optional<std::string> process_env(const std::string& name);

}  // namespace rampart::config
