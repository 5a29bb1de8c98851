#pragma once
// A byte DFA for the simple JSON Schema `pattern`s that most schemas use (`^[A-Z]{3}-[0-9]{4}$`,
// `^[^@]+@[^@]+$`), run in front of RE2. In callgrind re2::RE2::PartialMatch costs ~600
// instructions on "ABC-1234" and ~790 on "ada@example.com"; this table walk ~65 and ~110
// (~5 a byte).
//
// The subset (anything else compiles to null and stays with RE2): an optional leading `^` and
// trailing `$` around a sequence of atoms, each with at most one of `* + ? {m} {m,} {m,n}`
// (counts up to 64). ASCII atoms — a printable literal, an escaped ASCII punctuation character,
// `\d`, `\w`, or a class `[...]` of those and ASCII ranges — take any quantifier. `.` and `[^...]`
// match a whole code point in RE2 but a byte here, so they are taken only as `*` or `+` runs (or
// `{0,}`, `{1,}`), and between any two of them there must be an ASCII atom that cannot match
// empty. Then a run holds only whole characters, or at an unanchored end part of one whose
// other bytes are allowed too (the excluded members are all ASCII), so on valid UTF-8 a run of
// allowed bytes and a run of allowed code points match the same texts.

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace rampart::policies {

/// A compiled `pattern` in the subset above: immutable, shared by threads, no allocation or lock
/// per search.
class PatternDfa {
 public:
  /// A DFA for `pattern` when it is in the subset and small enough; null otherwise (the caller
  /// then keeps using RE2).
  static std::unique_ptr<const PatternDfa> compile(std::string_view pattern);

  /// Exactly re2::RE2::PartialMatch(text, RE2(pattern)) for valid UTF-8 `text`.
  bool search(std::string_view text) const {
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    const auto* const end = p + text.size();
    const auto* const whole_chunks_end = p + (text.size() & ~std::size_t{3});
    std::size_t at = start_;
    // Terminal states loop on every byte, so looking for them once per 4 bytes is as exact as
    // once per byte, and it takes the loop from ~10 instructions a byte to ~5.
    for (; p != whole_chunks_end; p += 4) {
      at = next_[at + byte_class_[p[0]]];
      at = next_[at + byte_class_[p[1]]];
      at = next_[at + byte_class_[p[2]]];
      at = next_[at + byte_class_[p[3]]];
      if (at >= stop_) {
        return next_[at + classes_] != 0;
      }
    }
    for (; p != end; ++p) {
      at = next_[at + byte_class_[*p]];
    }
    return next_[at + classes_] != 0;
  }

  /// The number of DFA states and byte classes, for tests and limits.
  std::size_t states() const { return next_.size() / (classes_ + 1); }
  std::size_t classes() const { return classes_; }

  /// Use compile(); public for std::make_unique.
  PatternDfa() = default;

 private:
  // Row `s` starts at s * (classes_ + 1): one next-row offset per byte class, then the accept
  // flag. Offsets rather than state numbers save a multiply per byte; 256 states of 256 classes
  // plus the flag column is 65,535 at most, so they fit uint16_t.
  std::vector<std::uint16_t> next_;
  std::array<std::uint8_t, 256> byte_class_{};
  std::uint32_t classes_ = 0;
  std::uint32_t start_ = 0;
  // Rows at or past this offset end the search: the dead state, and with no `$` every
  // accepting state (the first match decides).
  std::uint32_t stop_ = 0;
};

}  // namespace rampart::policies
