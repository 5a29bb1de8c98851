// PatternDfa against RE2, the authority: wherever compile() accepts a pattern, search() must say
// what re2::RE2::PartialMatch says, for every valid UTF-8 text. Hand-picked schema patterns over
// every code-point-aligned substring of a corpus with newlines and 2-, 3- and 4-byte characters;
// the refusals one by one; every pattern of up to four characters over the metacharacters; and
// thousands of random patterns of the subset's grammar (with constructs outside it mixed in)
// against strings built from each pattern's own pieces. Whatever compile() accepts, RE2 must
// accept too.

#include "policies/body/pattern_dfa.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <re2/re2.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

namespace rampart::policies {
namespace {

// As the schema compiler builds them.
std::unique_ptr<re2::RE2> re2_of(std::string_view pattern) {
  re2::RE2::Options options;
  options.set_log_errors(false);
  return std::make_unique<re2::RE2>(re2::StringPiece(pattern.data(), pattern.size()), options);
}

bool re2_search(const re2::RE2& re, std::string_view text) {
  return re2::RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), re);
}

const std::vector<std::string> kCorpus = {
    "",
    "a",
    "ab",
    "aab",
    "aaab",
    "abc",
    "xabc",
    "abcx",
    "xyz",
    "xyz\n",
    "\nxyz",
    "\n",
    "ABC-1234",
    "ABC-12345",
    "AB-1234",
    "abc-1234",
    "ABC-1234\n",
    "ABC\n-1234",
    "ada@example.com",
    "a@b",
    "@",
    "a@",
    "@b",
    "a@@b",
    "a@b@c",
    "é@日本",
    "😀@😀",
    "a\n@b",
    "é",
    "日本",
    "😀",
    "aé",
    "éa",
    "a😀b",
    "日a本",
    "abé",
    "12345",
    "1234",
    "123456",
    "١٢٣٤٥",
    "x12345",
    "1\n2345",
    "a.b",
    "a_b.c9",
    "a.b.c",
    ".",
    "ab.",
    "a.é",
    " ",
    "a b",
    "user_name-1",
    "us",
    "ab-cd_ef",
    "a b c",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
};

// Every substring of `text` that starts and ends on a code point boundary.
std::vector<std::string> substrings(const std::string& text) {
  std::vector<std::size_t> cuts;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      cuts.push_back(i);
    }
  }
  std::vector<std::string> out;
  for (std::size_t a = 0; a < cuts.size(); ++a) {
    for (std::size_t b = a; b < cuts.size(); ++b) {
      out.push_back(text.substr(cuts[a], cuts[b] - cuts[a]));
    }
  }
  return out;
}

TEST(PatternDfa, HandPickedPatternsAgreeWithRe2) {
  const std::vector<std::string> patterns = {"^[A-Z]{3}-[0-9]{4}$",
                                             "^[^@]+@[^@]+$",
                                             "^[a-z0-9_-]{3,16}$",
                                             "^\\d{5}$",
                                             "[0-9]",
                                             "^abc",
                                             "xyz$",
                                             "^.+$",
                                             "^[^ ]*$",
                                             "a{2,3}b?",
                                             "^\\w+\\.\\w+$",
                                             "",
                                             "^",
                                             "$",
                                             "^$",
                                             "a*",
                                             "a{0}",
                                             "^a{0,0}$",
                                             "^.*$",
                                             ".*",
                                             ".+",
                                             "[^a]+",
                                             "[^a]*b",
                                             "a.*b",
                                             "a.+b",
                                             "^[-a]+$",
                                             "^[a-]+$",
                                             "[\\d-]",
                                             "\\.",
                                             "\\_",
                                             "[\\]\\[]",
                                             "^\\w*$",
                                             "^[ -~]+$",
                                             "b+$",
                                             "^a?$",
                                             "^[a-c]{2,}$",
                                             "[^.]+\\.[^.]+",
                                             "^a*b*$",
                                             "@[^@]*$"};
  int matched = 0;
  int unmatched = 0;
  for (const auto& pattern : patterns) {
    const auto dfa = PatternDfa::compile(pattern);
    ASSERT_NE(dfa, nullptr) << pattern;
    const auto re = re2_of(pattern);
    ASSERT_TRUE(re->ok()) << pattern;
    for (const auto& text : kCorpus) {
      for (const auto& sub : substrings(text)) {
        const bool want = re2_search(*re, sub);
        EXPECT_EQ(dfa->search(sub), want) << "pattern " << pattern << " text \"" << sub << '"';
        (want ? matched : unmatched)++;
      }
    }
  }
  EXPECT_GT(matched, 1000);
  EXPECT_GT(unmatched, 1000);
}

TEST(PatternDfa, SchemaPatternsDecideTheObviousCases) {
  const auto sku = PatternDfa::compile("^[A-Z]{3}-[0-9]{4}$");
  ASSERT_NE(sku, nullptr);
  EXPECT_TRUE(sku->search("ABC-1234"));
  EXPECT_FALSE(sku->search("ABC-1234\n"));
  EXPECT_FALSE(sku->search("xABC-1234"));
  // [A-Z], '-', [0-9] and the rest; start, 3 letters, '-', 4 digits, dead.
  EXPECT_EQ(sku->classes(), 4u);
  EXPECT_EQ(sku->states(), 10u);
  const auto email = PatternDfa::compile("^[^@]+@[^@]+$");
  ASSERT_NE(email, nullptr);
  EXPECT_TRUE(email->search("ada@example.com"));
  EXPECT_TRUE(email->search("日本@é\n"));
  EXPECT_FALSE(email->search("a@b@c"));
  EXPECT_FALSE(email->search("@b"));
}

TEST(PatternDfa, RefusesWhatIsOutsideTheSubset) {
  for (const char* pattern :
       {"(a)",         "a|b",      "\\s",     "(?i)a",       "[^a]?",        ".{2}",   "[^a]+[^b]+",
        ".*.*",        "\\1",      "a{70}",   "[[:alpha:]]", "\\p{L}",       "[a",     "a**",
        "a*?",         "a+?",      "a{2}{3}", "*a",          "a{,3}",        "a{02}",  "a{3,2}",
        ".",           "[^a]",     ".?",      "[^a]{1,2}",   "[^x]+a?[^y]+", ".*a*.+", "^^a",
        "a^",          "a$b",      "$$",      "\\b",         "\\D",          "\\x41",  "\\u0041",
        "\\Q.\\E",     "[]a]",     "[--a]",   "[a-\\d]",     "[z-a]",        "[\\s]",  "[^\\n]+",
        "é",           "a\tb",     "]",       "}",           "a{",           "\\",     "[a-c-e]",
        "a{64}b{64}c", "a[ab]{8}$"}) {
    EXPECT_EQ(PatternDfa::compile(pattern), nullptr) << pattern;
  }
  // Just inside the limits.
  EXPECT_NE(PatternDfa::compile("a{64}b{63}"), nullptr);
  const auto at_limit = PatternDfa::compile("a[ab]{7}$");  // remembers the last 8 bytes
  ASSERT_NE(at_limit, nullptr);
  EXPECT_EQ(at_limit->states(), 256u);
}

// Every pattern of up to four characters over the subset's metacharacters and a few literals,
// against every text of up to three pieces: the edges of the grammar (`{`, `-`, `]`, `\`,
// anchors in odd places) meet here, where a random generator might not reach them.
TEST(PatternDfa, EveryShortPatternAgreesWithRe2) {
  const std::string alphabet = "a.^$*+?{}1,[]-\\d";
  std::vector<std::string> patterns = {""};
  std::vector<std::string> texts = {""};
  const std::vector<std::string> pieces = {"a", "d", "-", "1", "\n", "é", "]", "日"};
  for (std::size_t from = 0, length = 0; length < 4; ++length) {
    const std::size_t to = patterns.size();
    for (std::size_t i = from; i < to; ++i) {
      for (const char c : alphabet) {
        patterns.push_back(patterns[i] + c);
      }
    }
    from = to;
  }
  for (std::size_t from = 0, length = 0; length < 3; ++length) {
    const std::size_t to = texts.size();
    for (std::size_t i = from; i < to; ++i) {
      for (const auto& piece : pieces) {
        texts.push_back(texts[i] + piece);
      }
    }
    from = to;
  }
  int accepted = 0;
  for (const auto& pattern : patterns) {
    const auto dfa = PatternDfa::compile(pattern);
    if (dfa == nullptr) {
      continue;
    }
    ++accepted;
    const auto re = re2_of(pattern);
    ASSERT_TRUE(re->ok()) << "accepted a pattern RE2 refuses: " << pattern;
    for (const auto& text : texts) {
      ASSERT_EQ(dfa->search(text), re2_search(*re, text))
          << "pattern " << pattern << " text \"" << text << '"';
    }
  }
  EXPECT_GT(accepted, 5000);  // of 69,905
}

// A random pattern of the subset's grammar, and for each atom the pieces of text it can match
// (or nearly), to build strings that match often.
struct RandomPattern {
  std::string source;
  struct Piece {
    std::vector<std::string> examples;
    int min = 1;
    int max = 1;
  };
  std::vector<Piece> pieces;
};

class PatternGenerator {
 public:
  explicit PatternGenerator(std::uint32_t seed) : rng_(seed) {}

  int below(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  bool chance(int percent) { return below(100) < percent; }
  template <typename T>
  const T& one_of(const std::vector<T>& v) {
    return v[below(static_cast<int>(v.size()))];
  }

  RandomPattern pattern() {
    RandomPattern out;
    if (chance(50)) {
      out.source += '^';
    }
    const int atoms = below(6);
    for (int i = 0; i < atoms; ++i) {
      RandomPattern::Piece piece;
      out.source += atom(piece.examples);
      // A wide atom takes only `*` or `+`; most get one, so that wide runs meet often.
      const bool wide = piece.examples == kWide;
      out.source += wide && chance(80) ? run(piece) : quantifier(piece);
      out.pieces.push_back(piece);
    }
    if (chance(50)) {
      out.source += '$';
    }
    return out;
  }

  std::string text(const RandomPattern& p) {
    std::string out;
    if (chance(30)) {
      out += noise(below(3));
    }
    for (const auto& piece : p.pieces) {
      const int n = piece.min + below(std::max(piece.max, piece.min + 3) - piece.min + 1);
      for (int i = 0; i < n && i < piece.min + 3; ++i) {
        out += piece.examples.empty() ? "a" : one_of(piece.examples);
      }
    }
    if (chance(30)) {
      out += noise(below(3));
    }
    if (chance(25) && !out.empty()) {
      out = mutate(out);
    }
    return out;
  }

  std::string noise(int n) {
    std::string out;
    for (int i = 0; i < n; ++i) {
      out += one_of(kNoise);
    }
    return out;
  }

 private:
  inline static const std::vector<std::string> kNoise = {
      "a", "b", "Z", "0", "9", "_", "-", ".", "@", " ", "\n", "é", "日", "😀", "x", "]", "^"};
  inline static const std::vector<std::string> kWide = {"é", "日", "😀", "\n", "a", "-", ".", "x"};

  // Cuts out one code point or puts a noise piece at a random boundary.
  std::string mutate(const std::string& s) {
    std::size_t at = below(static_cast<int>(s.size()) + 1);
    while (at < s.size() && (static_cast<unsigned char>(s[at]) & 0xC0) == 0x80) {
      ++at;
    }
    if (chance(50) && at < s.size()) {
      std::size_t end = at + 1;
      while (end < s.size() && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) {
        ++end;
      }
      return s.substr(0, at) + s.substr(end);
    }
    return s.substr(0, at) + noise(1) + s.substr(at);
  }

  std::string atom(std::vector<std::string>& examples) {
    const int kind = below(100);
    if (kind < 30) {
      const char c = "abcxAZ09 _#%@-"[below(14)];
      examples = {std::string(1, c)};
      return std::string(1, c);
    }
    if (kind < 40) {
      const char c = ".-\\/+@_$^[]{}*?()|"[below(18)];
      examples = {std::string(1, c)};
      return std::string("\\") + c;
    }
    if (kind < 45) {
      examples = {"0", "5", "9"};
      return "\\d";
    }
    if (kind < 50) {
      examples = {"a", "Z", "_", "7"};
      return "\\w";
    }
    if (kind < 70) {
      return bracket(false, examples);
    }
    if (kind < 80) {
      examples = kWide;
      return bracket(true, examples);
    }
    if (kind < 90) {
      examples = kWide;
      return ".";
    }
    // Outside the subset, or not a pattern at all.
    examples = {"a"};
    return one_of(std::vector<std::string>{"(a)", "a|b", "\\s", "[", "{,3}", "\\b", "é", "\\1",
                                           "[[:alpha:]]", "]", "(?i)", "\\pL", "\\", "[]a]",
                                           "[a-c-e]", "\\Q", "[--a]", "$", "^"});
  }

  std::string bracket(bool negated, std::vector<std::string>& examples) {
    std::string out = negated ? "[^" : "[";
    if (chance(15)) {
      out += '-';
      examples.push_back("-");
    }
    const int members = 1 + below(3);
    for (int i = 0; i < members; ++i) {
      const int kind = below(10);
      if (kind < 4) {
        const char c = "abcxyzAZ09_@.^ "[below(15)];
        out += c;
        examples.push_back(std::string(1, c));
      } else if (kind < 7) {
        const std::string ends = "09afAZ!~";
        char lo = ends[below(8)];
        char hi = ends[below(8)];
        if (hi < lo && chance(80)) {
          std::swap(lo, hi);
        }
        out += std::string(1, lo) + '-' + hi;
        examples.push_back(std::string(1, lo));
        examples.push_back(std::string(1, hi));
        examples.push_back(std::string(1, static_cast<char>(lo + (hi - lo) / 2)));
      } else if (kind < 8) {
        out += chance(50) ? "\\d" : "\\w";
        examples.push_back("4");
      } else {
        const char c = "-].\\[^"[below(6)];
        out += std::string("\\") + c;
        examples.push_back(std::string(1, c));
      }
    }
    if (chance(15)) {
      out += '-';
      examples.push_back("-");
    }
    return out + ']';
  }

  std::string run(RandomPattern::Piece& piece) {
    piece.min = below(2);
    piece.max = piece.min + 3;
    return chance(80) ? (piece.min ? "+" : "*") : (piece.min ? "{1,}" : "{0,}");
  }

  std::string quantifier(RandomPattern::Piece& piece) {
    const int kind = below(100);
    const int m = below(4);
    const int n = m + below(4);
    auto set = [&](int min, int max, std::string text) {
      piece.min = min;
      piece.max = max;
      return text;
    };
    if (kind < 30) {
      return set(1, 1, "");
    }
    if (kind < 45) {
      return set(0, 3, "*");
    }
    if (kind < 60) {
      return set(1, 4, "+");
    }
    if (kind < 68) {
      return set(0, 1, "?");
    }
    if (kind < 76) {
      return set(m, m, fmt::format("{{{}}}", m));
    }
    if (kind < 82) {
      return set(m, m + 3, fmt::format("{{{},}}", m));
    }
    if (kind < 94) {
      return set(m, n, fmt::format("{{{},{}}}", m, n));
    }
    return set(1, 1,
               one_of(std::vector<std::string>{"*?", "++", "{3,1}", "{65}", "{1,70}", "{02}",
                                               "{,2}", "{", "{2}{2}", "??"}));
  }

  std::mt19937 rng_;
};

TEST(PatternDfa, RandomPatternsAgreeWithRe2) {
  PatternGenerator gen(20240611);
  constexpr int kPatterns = 3000;
  constexpr int kTextsEach = 240;
  int accepted = 0;
  long matched = 0;
  long unmatched = 0;
  for (int p = 0; p < kPatterns; ++p) {
    const RandomPattern pattern = gen.pattern();
    const auto re = re2_of(pattern.source);
    const auto dfa = PatternDfa::compile(pattern.source);
    if (dfa == nullptr) {
      continue;
    }
    ASSERT_TRUE(re->ok()) << "accepted a pattern RE2 refuses: " << pattern.source;
    ++accepted;
    for (int t = 0; t < kTextsEach; ++t) {
      const std::string text = t % 2 ? gen.text(pattern) : gen.noise(gen.below(t % 4 ? 10 : 3));
      const bool want = re2_search(*re, text);
      ASSERT_EQ(dfa->search(text), want)
          << "pattern " << pattern.source << " text \"" << text << '"';
      (want ? matched : unmatched)++;
    }
  }
  std::printf("[          ] %d of %d random patterns accepted; %ld texts matched, %ld not\n",
              accepted, kPatterns, matched, unmatched);
  EXPECT_GT(accepted, kPatterns / 3);
  EXPECT_GT(matched, accepted * kTextsEach / 10);
  EXPECT_GT(unmatched, accepted * kTextsEach / 10);
}

}  // namespace
}  // namespace rampart::policies
