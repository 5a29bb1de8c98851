// PatternDfa (src/policies/body/pattern_dfa.*) against RE2, the authority: the input is a
// pattern, a NUL byte, then a text. When the pattern compiles to a DFA, RE2 must compile it
// too, and for a valid UTF-8 text (the only kind a JSON body can hold) both must say the same.
// Each half of the text is searched as well, so a match that begins or ends mid-text is seen.

#include <re2/re2.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "policies/body/pattern_dfa.hpp"

namespace {

bool valid_utf8(std::string_view s) {
  re2::RE2::Options options;
  options.set_log_errors(false);
  static const re2::RE2 any("(?s).*", options);  // UTF-8 mode: invalid bytes do not match
  return re2::RE2::FullMatch(re2::StringPiece(s.data(), s.size()), any);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto split = input.find('\0');
  if (split == std::string_view::npos || split > 256) {
    return 0;
  }
  const std::string_view pattern = input.substr(0, split);
  const std::string_view text = input.substr(split + 1);
  const auto dfa = rampart::policies::PatternDfa::compile(pattern);
  if (dfa == nullptr) {
    return 0;
  }
  re2::RE2::Options options;
  options.set_log_errors(false);
  const re2::RE2 re2(re2::StringPiece(pattern.data(), pattern.size()), options);
  rampart::fuzz::require(re2.ok(), "PatternDfa compiled a pattern RE2 refuses");
  if (!valid_utf8(text) || text.find('\0') != std::string_view::npos) {
    return 0;
  }
  for (std::string_view t : {text, text.substr(0, text.size() / 2), text.substr(text.size() / 2)}) {
    if (!valid_utf8(t)) {
      continue;  // a half that cuts a character
    }
    const bool want = re2::RE2::PartialMatch(re2::StringPiece(t.data(), t.size()), re2);
    if (dfa->search(t) != want) {
      rampart::fuzz::fail(
          want ? "PatternDfa missed a match RE2 finds" : "PatternDfa found a match RE2 does not",
          std::string(pattern) + " | " + std::string(t));
    }
  }
  return 0;
}
