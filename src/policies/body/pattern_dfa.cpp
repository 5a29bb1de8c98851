#include "policies/body/pattern_dfa.hpp"

#include <algorithm>
#include <bitset>
#include <optional>
#include <unordered_map>

namespace rampart::policies {
namespace {

// Counted repetition is expanded into copies, so these bound the compile time and the table:
// 128 positions and 256 states (a uint16_t row offset) cover the patterns schemas use.
constexpr int kMaxCount = 64;
constexpr std::size_t kMaxPositions = 128;
constexpr std::size_t kMaxStates = 256;
constexpr int kUnbounded = -1;

using ByteSet = std::bitset<256>;
using StateSet = std::bitset<kMaxPositions + 1>;

struct Atom {
  ByteSet bytes;
  bool wide = false;  // `.` or `[^...]`: one code point in RE2, not one byte
  int min = 1;
  int max = 1;  // kUnbounded for `*`, `+`, `{m,}`
};

struct Pattern {
  bool anchored_start = false;
  bool anchored_end = false;
  std::vector<Atom> atoms;
};

bool is_alnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

bool is_punct(char c) { return c > ' ' && c < 0x7f && !is_alnum(c); }

ByteSet byte_range(char lo, char hi) {
  ByteSet set;
  for (int c = static_cast<unsigned char>(lo); c <= static_cast<unsigned char>(hi); ++c) {
    set.set(c);
  }
  return set;
}

ByteSet word_bytes() {
  return byte_range('0', '9') | byte_range('A', 'Z') | byte_range('a', 'z') | byte_range('_', '_');
}

/// Reads a pattern of the subset the way RE2 does; any construct outside it, and any edge
/// where RE2's reading is subtle (a leading `]` in a class, `{` that is not a count), is a
/// refusal rather than a guess.
class Parser {
 public:
  explicit Parser(std::string_view pattern) : p_(pattern) {}

  std::optional<Pattern> parse() {
    Pattern out;
    if (peek('^')) {
      out.anchored_start = true;
      ++i_;
    }
    while (i_ < p_.size()) {
      if (peek('$')) {
        if (i_ + 1 != p_.size()) {
          return std::nullopt;
        }
        out.anchored_end = true;
        break;
      }
      Atom atom;
      if (!parse_atom(atom) || !parse_quantifier(atom)) {
        return std::nullopt;
      }
      out.atoms.push_back(atom);
    }
    return out;
  }

 private:
  bool peek(char c) const { return i_ < p_.size() && p_[i_] == c; }

  bool parse_atom(Atom& atom) {
    const char c = p_[i_++];
    if (c == '.') {
      atom.bytes.set();
      atom.bytes.reset('\n');
      atom.wide = true;
      return true;
    }
    if (c == '[') {
      return parse_class(atom);
    }
    if (c == '\\') {
      return parse_escape(atom.bytes);
    }
    // A quantifier character here is a missing operand, or a lazy (`*?`) or stacked (`a{2}{3}`)
    // repetition.
    if (c < ' ' || c >= 0x7f ||
        std::string_view("+*?()|[]{}^$").find(c) != std::string_view::npos) {
      return false;
    }
    atom.bytes.set(static_cast<unsigned char>(c));
    return true;
  }

  // After a backslash: `\d`, `\w` or a punctuation character standing for itself.
  bool parse_escape(ByteSet& set) {
    if (i_ == p_.size()) {
      return false;
    }
    const char c = p_[i_++];
    if (c == 'd') {
      set |= byte_range('0', '9');
    } else if (c == 'w') {
      set |= word_bytes();
    } else if (is_punct(c)) {
      set.set(static_cast<unsigned char>(c));
    } else {
      return false;
    }
    return true;
  }

  // A class member that can end a range: a printable character or an escaped punctuation one.
  bool parse_class_char(char& out) {
    if (i_ == p_.size()) {
      return false;
    }
    const char c = p_[i_++];
    if (c == '\\') {
      if (i_ == p_.size() || !is_punct(p_[i_])) {
        return false;
      }
      out = p_[i_++];
      return true;
    }
    out = c;
    return c >= ' ' && c < 0x7f && c != '[' && c != ']' && c != '-';
  }

  bool parse_class(Atom& atom) {
    const bool negated = peek('^');
    i_ += negated ? 1 : 0;
    if (i_ == p_.size() || peek(']')) {
      return false;  // RE2 takes a leading `]` as a member; refused to keep the rules few
    }
    ByteSet set;
    for (bool first = true;; first = false) {
      if (i_ == p_.size() || peek('[')) {
        return false;  // unterminated, or `[:alpha:]` and friends
      }
      if (peek(']')) {
        ++i_;
        break;
      }
      if (peek('-')) {
        // A literal `-` only first or last: elsewhere RE2's reading depends on what follows.
        if (!first && (i_ + 1 == p_.size() || p_[i_ + 1] != ']')) {
          return false;
        }
        set.set('-');
        ++i_;
        continue;
      }
      if (peek('\\') && i_ + 1 < p_.size() && (p_[i_ + 1] == 'd' || p_[i_ + 1] == 'w')) {
        ++i_;
        parse_escape(set);
        continue;
      }
      char lo = 0;
      if (!parse_class_char(lo)) {
        return false;
      }
      char hi = lo;
      if (peek('-') && i_ + 1 < p_.size() && p_[i_ + 1] != ']') {
        ++i_;
        if (!parse_class_char(hi) || hi < lo) {
          return false;
        }
      }
      set |= byte_range(lo, hi);
    }
    // RE2's default (ClassNL) lets `[^a]` match a newline, so the complement is the whole story.
    atom.wide = negated;
    atom.bytes = negated ? ~set : set;
    return true;
  }

  bool parse_count(int& n) {
    const std::size_t start = i_;
    n = 0;
    while (i_ < p_.size() && p_[i_] >= '0' && p_[i_] <= '9' && i_ - start < 3) {
      n = n * 10 + (p_[i_++] - '0');
    }
    // RE2 reads `{02}` as literal text, not a count; refused with the rest.
    const bool leading_zero = i_ - start > 1 && p_[start] == '0';
    return i_ > start && !leading_zero && n <= kMaxCount;
  }

  bool parse_quantifier(Atom& atom) {
    if (i_ == p_.size()) {
      return !atom.wide;
    }
    const char c = p_[i_];
    if (c == '*' || c == '+' || c == '?') {
      atom.min = c == '+' ? 1 : 0;
      atom.max = c == '?' ? 1 : kUnbounded;
      ++i_;
    } else if (c == '{') {
      ++i_;
      if (!parse_count(atom.min)) {
        return false;
      }
      atom.max = atom.min;
      if (peek(',')) {
        ++i_;
        atom.max = kUnbounded;
        if (!peek('}') && (!parse_count(atom.max) || atom.max < atom.min)) {
          return false;
        }
      }
      if (!peek('}')) {
        return false;
      }
      ++i_;
    }
    return !atom.wide || (atom.max == kUnbounded && atom.min <= 1);
  }

  std::string_view p_;
  std::size_t i_ = 0;
};

// Two code-point runs with only empty-able atoms between them could split one multi-byte
// character across them byte-wise (`[^x]+a?[^y]+` on "é"), which RE2 never does.
bool wide_runs_separated(const Pattern& pattern) {
  bool run_open = false;
  for (const Atom& atom : pattern.atoms) {
    if (atom.wide) {
      if (run_open) {
        return false;
      }
      run_open = true;
    } else if (atom.min >= 1) {
      run_open = false;
    }
  }
  return true;
}

/// One NFA position: a byte set taken once, optionally, and/or repeatedly.
struct Position {
  ByteSet bytes;
  bool optional = false;
  bool loop = false;
};

std::optional<std::vector<Position>> expand(const Pattern& pattern) {
  std::vector<Position> positions;
  for (const Atom& atom : pattern.atoms) {
    const bool unbounded = atom.max == kUnbounded;
    const int plain = unbounded ? std::max(atom.min - 1, 0) : atom.min;
    const int optional = unbounded ? 0 : atom.max - atom.min;
    if (positions.size() + plain + optional + 1 > kMaxPositions) {
      return std::nullopt;
    }
    positions.insert(positions.end(), plain, Position{atom.bytes, false, false});
    positions.insert(positions.end(), optional, Position{atom.bytes, true, false});
    if (unbounded) {
      positions.push_back(Position{atom.bytes, atom.min == 0, true});
    }
  }
  return positions;
}

/// The NFA over positions: state i is "the first i positions are done".
class Nfa {
 public:
  Nfa(std::vector<Position> positions, bool anchored_start)
      : positions_(std::move(positions)), anchored_start_(anchored_start) {
    start_.set(0);
    start_ = closure(start_);
  }

  std::size_t size() const { return positions_.size(); }
  const StateSet& start() const { return start_; }
  const std::vector<Position>& positions() const { return positions_; }
  bool accepts(const StateSet& s) const { return s.test(positions_.size()); }

  StateSet step(const StateSet& from, unsigned char byte) const {
    StateSet to;
    for (std::size_t i = 0; i <= positions_.size(); ++i) {
      if (!from.test(i)) {
        continue;
      }
      if (i < positions_.size() && positions_[i].bytes.test(byte)) {
        to.set(i + 1);
      }
      if (i > 0 && positions_[i - 1].loop && positions_[i - 1].bytes.test(byte)) {
        to.set(i);
      }
    }
    // Without `^` a match may begin at any byte: the start is always live.
    return anchored_start_ ? closure(to) : closure(to) | start_;
  }

 private:
  StateSet closure(StateSet s) const {
    for (std::size_t i = 0; i < positions_.size(); ++i) {
      if (s.test(i) && positions_[i].optional) {
        s.set(i + 1);
      }
    }
    return s;
  }

  std::vector<Position> positions_;
  bool anchored_start_;
  StateSet start_;
};

/// Bytes no position tells apart share a class (typically a handful), which keeps rows short.
std::vector<unsigned char> byte_classes(const Nfa& nfa, std::array<std::uint8_t, 256>& of_byte) {
  std::vector<std::bitset<kMaxPositions>> signatures;
  std::vector<unsigned char> representative;
  for (int b = 0; b < 256; ++b) {
    std::bitset<kMaxPositions> signature;
    for (std::size_t i = 0; i < nfa.size(); ++i) {
      signature[i] = nfa.positions()[i].bytes.test(b);
    }
    std::size_t c = 0;
    while (c < signatures.size() && signatures[c] != signature) {
      ++c;
    }
    if (c == signatures.size()) {
      signatures.push_back(signature);
      representative.push_back(static_cast<unsigned char>(b));
    }
    of_byte[b] = static_cast<std::uint8_t>(c);
  }
  return representative;
}

/// The DFA's states as NFA state sets, with their successor per byte class. A state is
/// terminal when it decides the search: dead, or accepting with no `$` (the first match wins).
struct Subsets {
  std::vector<StateSet> sets;
  std::vector<std::size_t> targets;  // sets.size() x classes
  std::vector<bool> terminal;
};

std::optional<Subsets> determinize(const Nfa& nfa, const std::vector<unsigned char>& representative,
                                   bool anchored_end) {
  Subsets out{{nfa.start()}, {}, {}};
  std::unordered_map<StateSet, std::size_t> id_of{{nfa.start(), 0}};
  for (std::size_t s = 0; s < out.sets.size(); ++s) {
    const StateSet from = out.sets[s];  // a copy: push_back below may move the vector
    const bool terminal = from.none() || (nfa.accepts(from) && !anchored_end);
    out.terminal.push_back(terminal);
    for (const unsigned char byte : representative) {
      if (terminal) {
        out.targets.push_back(s);
        continue;
      }
      const StateSet to = nfa.step(from, byte);
      const auto [it, added] = id_of.try_emplace(to, out.sets.size());
      if (added) {
        if (out.sets.size() == kMaxStates) {
          return std::nullopt;
        }
        out.sets.push_back(to);
      }
      out.targets.push_back(it->second);
    }
  }
  return out;
}

}  // namespace

std::unique_ptr<const PatternDfa> PatternDfa::compile(std::string_view pattern) {
  const auto parsed = Parser(pattern).parse();
  if (!parsed || !wide_runs_separated(*parsed)) {
    return nullptr;
  }
  auto positions = expand(*parsed);
  if (!positions) {
    return nullptr;
  }
  const Nfa nfa(std::move(*positions), parsed->anchored_start);
  auto dfa = std::make_unique<PatternDfa>();
  const auto representative = byte_classes(nfa, dfa->byte_class_);
  const auto subsets = determinize(nfa, representative, parsed->anchored_end);
  if (!subsets) {
    return nullptr;
  }

  // Terminal states go last, so that one compare per byte finds them.
  const std::size_t count = subsets->sets.size();
  std::vector<std::size_t> order(count);
  std::size_t live = 0;
  for (std::size_t s = 0; s < count; ++s) {
    live += subsets->terminal[s] ? 0 : 1;
  }
  for (std::size_t s = 0, next_live = 0, next_terminal = live; s < count; ++s) {
    order[s] = subsets->terminal[s] ? next_terminal++ : next_live++;
  }
  const std::size_t classes = representative.size();
  const std::size_t width = classes + 1;
  dfa->classes_ = static_cast<std::uint32_t>(classes);
  dfa->start_ = static_cast<std::uint32_t>(order[0] * width);
  dfa->stop_ = static_cast<std::uint32_t>(live * width);
  dfa->next_.assign(count * width, 0);
  for (std::size_t s = 0; s < count; ++s) {
    std::uint16_t* row = &dfa->next_[order[s] * width];
    for (std::size_t c = 0; c < classes; ++c) {
      row[c] = static_cast<std::uint16_t>(order[subsets->targets[s * classes + c]] * width);
    }
    row[classes] = nfa.accepts(subsets->sets[s]) ? 1 : 0;
  }
  return dfa;
}

}  // namespace rampart::policies
