// printable(), and that every config problem is built with it: no text the file chose reaches
// the terminal with a control byte in it.

#include "config/printable.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "config/config.hpp"
#include "config_test_support.hpp"

namespace rampart::config {
namespace {

using namespace testing_support;

// No byte below 0x20, DEL or C1 control in any problem as printed.
::testing::AssertionResult prints_safely(const LoadResult& result) {
  for (const auto& p : result.problems) {
    auto text = p.to_string();
    for (std::size_t i = 0; i < text.size(); ++i) {
      auto byte = static_cast<unsigned char>(text[i]);
      bool c1 = byte == 0xC2 && i + 1 < text.size() &&
                static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
                static_cast<unsigned char>(text[i + 1]) <= 0x9F;
      if (byte < 0x20 || byte == 0x7F || c1) {
        return ::testing::AssertionFailure()
               << "byte " << int(byte) << " at " << i << " of " << printable(text);
      }
    }
  }
  return ::testing::AssertionSuccess();
}

// ---- printable() ----------------------------------------------------------------------------

TEST(PrintableTest, OrdinaryTextIsKept) {
  EXPECT_EQ(printable(""), "");
  EXPECT_EQ(printable("server.idle_timout: did you mean \"idle_timeout\"? ~!@#$%^&*()[]{}"),
            "server.idle_timout: did you mean \"idle_timeout\"? ~!@#$%^&*()[]{}");
  // A backslash is kept, so printable() of printable() is the same text.
  EXPECT_EQ(printable("C:\\x1b"), "C:\\x1b");
  EXPECT_EQ(printable(printable("a\x1b")), "a\\x1b");
}

TEST(PrintableTest, EveryC0ControlAndDelIsEscaped) {
  for (int byte = 0; byte < 0x20; ++byte) {
    EXPECT_EQ(printable(std::string(1, static_cast<char>(byte))), fmt::format("\\x{:02x}", byte));
  }
  EXPECT_EQ(printable("\x7f"), "\\x7f");
  EXPECT_EQ(printable(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(printable("\x1b[31mevil\a\n"), "\\x1b[31mevil\\x07\\x0a");
}

TEST(PrintableTest, WellFormedUtf8IsKept) {
  for (std::string text : {"caf\xC3\xA9", "\xC2\xA0", "\xE2\x82\xAC", "\xE0\xA0\x80",
                           "\xED\x9F\xBF", "\xEE\x80\x80", "\xEF\xBF\xBF", "\xF0\x90\x80\x80",
                           "\xF0\x9F\x98\x80", "\xF4\x8F\xBF\xBF", "\xE6\x97\xA5\xE6\x9C\xAC"}) {
    EXPECT_EQ(printable(text), text) << printable(text);
  }
}

TEST(PrintableTest, C1ControlsAreEscaped) {
  // U+009B is CSI: to a terminal that takes C1 controls, as strong as ESC [.
  EXPECT_EQ(printable("a\xC2\x9B"
                      "31mb"),
            "a\\xc2\\x9b31mb");
  EXPECT_EQ(printable("\xC2\x80"), "\\xc2\\x80");
  EXPECT_EQ(printable("\xC2\x9F"), "\\xc2\\x9f");
}

TEST(PrintableTest, InvalidUtf8IsEscapedByteByByte) {
  EXPECT_EQ(printable("caf\xE9"), "caf\\xe9");                       // Latin-1
  EXPECT_EQ(printable("\x80"), "\\x80");                             // a lone continuation byte
  EXPECT_EQ(printable("\xC0\xAF"), "\\xc0\\xaf");                    // overlong '/'
  EXPECT_EQ(printable("\xC1\xBF"), "\\xc1\\xbf");                    // overlong
  EXPECT_EQ(printable("\xE0\x80\xAF"), "\\xe0\\x80\\xaf");           // overlong '/'
  EXPECT_EQ(printable("\xED\xA0\x80"), "\\xed\\xa0\\x80");           // a surrogate
  EXPECT_EQ(printable("\xF0\x80\x80\xAF"), "\\xf0\\x80\\x80\\xaf");  // overlong
  EXPECT_EQ(printable("\xF4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // over U+10FFFF
  EXPECT_EQ(printable("\xF5\x80\x80\x80"), "\\xf5\\x80\\x80\\x80");
  EXPECT_EQ(printable("\xFF\xFE"), "\\xff\\xfe");
  // Cut short: at the end, and before an ASCII byte, which stays a character of its own.
  EXPECT_EQ(printable("a\xE2\x82"), "a\\xe2\\x82");
  EXPECT_EQ(printable("\xE2\x82"
                      "a\xC3\xA9"),
            "\\xe2\\x82a\xC3\xA9");
  // A broken sequence does not swallow the control byte after it.
  EXPECT_EQ(printable("\xE2\x1b[0m"), "\\xe2\\x1b[0m");
}

TEST(PrintableTest, OutputIsAlwaysPrintable) {
  // Every byte pair: nothing below 0x20, no DEL, and well-formed UTF-8 without C1 controls.
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      std::string text{static_cast<char>(a), static_cast<char>(b)};
      auto out = printable(text);
      EXPECT_EQ(printable(out), out);
      bool ok = std::none_of(out.begin(), out.end(), [](char c) {
        auto byte = static_cast<unsigned char>(c);
        return byte < 0x20 || byte == 0x7F;
      });
      ASSERT_TRUE(ok) << a << " " << b << ": " << out;
    }
  }
}

// ---- config problems ------------------------------------------------------------------------

TEST(PrintableProblemTest, UnknownKeyWithControlBytes) {
  // YAML's own escapes put ESC and BEL in the key name.
  auto result = load("server:\n  \"\\e[31mevil\\a\": 1\n" + valid_yaml());
  ASSERT_TRUE(has_only_problem(result, "server.\\x1b[31mevil\\x07", "unknown key"));
  EXPECT_EQ(result.problems[0].to_string().substr(0, 42),
            "test.yaml:2:3: server.\\x1b[31mevil\\x07: un");
  EXPECT_TRUE(prints_safely(result));
}

TEST(PrintableProblemTest, RawControlBytesInTheFile) {
  auto result = load("server:\n  idle_timeout: \"5\x1b]0;pwned\x07s\"\n" + valid_yaml());
  ASSERT_TRUE(has_only_problem(result, "server.idle_timeout",
                               "unknown duration unit \"\\x1b]0;pwned\\x07s\""));
  EXPECT_TRUE(prints_safely(result));
}

TEST(PrintableProblemTest, SuggestionDrawnFromTheFileIsEscaped) {
  // The did-you-mean of a route's upstream is an upstream name the file chose.
  auto result =
      load(kAdmin + "upstreams:\n  \"ap\\x9bp\":\n    url: \"http://127.0.0.1:8000\"\n" + kRoutes);
  EXPECT_TRUE(has_problem(result, "upstreams.ap\\xc2\\x9bp", "upstream name must be"));
  EXPECT_TRUE(has_problem(result, "routes[0].upstream",
                          "unknown upstream \"app\"; did you mean \"ap\\xc2\\x9bp\"?"));
  EXPECT_TRUE(prints_safely(result));
}

TEST(PrintableProblemTest, ValueInAMessageIsEscaped) {
  auto result = load(kAdmin + kUpstreams +
                     "routes:\n  - {name: a, match: {path: /}, upstream: \"n\\u0007pe\", "
                     "auth: none}\n");
  EXPECT_TRUE(has_only_problem(result, "routes[0].upstream", "unknown upstream \"n\\x07pe\""));
  EXPECT_TRUE(prints_safely(result));
}

TEST(PrintableProblemTest, Utf8KeyIsKeptAsWritten) {
  auto result = load("server:\n  d\xC3\xA9lai: 5s\n" + valid_yaml());
  EXPECT_TRUE(has_only_problem(result, "server.d\xC3\xA9lai", "unknown key"));
}

TEST(PrintableProblemTest, InvalidUtf8KeyIsEscaped) {
  auto result = load("server:\n  d\xE9lai: 5s\n" + valid_yaml());
  EXPECT_TRUE(has_problem(result, "server.d\\xe9lai", "unknown key")) << printed(result);
  EXPECT_TRUE(prints_safely(result));
}

TEST(PrintableProblemTest, EnvReferenceWithControlBytes) {
  auto result = load("server:\n  idle_timeout: \"${A\x1b[2JB}\"\n" + valid_yaml());
  EXPECT_TRUE(has_only_problem(result, "server.idle_timeout",
                               "\"${A\\x1b[2JB}\" is not a valid reference"));
  EXPECT_TRUE(prints_safely(result));
}

TEST(PrintableProblemTest, YamlErrorQuotingTheFileIsEscaped) {
  // yaml-cpp's "unknown escape character: " is followed by the byte the file has there.
  auto result = load("server:\n  listen: \"\\\x1b\"\n" + valid_yaml());
  ASSERT_EQ(result.problems.size(), 1u) << printed(result);
  EXPECT_EQ(result.problems[0].message.find('\x1b'), std::string::npos);
  EXPECT_TRUE(prints_safely(result));
}

TEST(PrintableProblemTest, FileNameIsEscaped) {
  auto result = load_config_text("colour: blue\n" + valid_yaml(), "evil\x1b]2;x\x07.yaml");
  ASSERT_EQ(result.problems.size(), 1u);
  EXPECT_EQ(result.problems[0].file, "evil\\x1b]2;x\\x07.yaml");
  auto unreadable = load_config("/nonexistent/\x1b[2J.yaml");
  ASSERT_EQ(unreadable.problems.size(), 1u);
  EXPECT_EQ(unreadable.problems[0].to_string(),
            "/nonexistent/\\x1b[2J.yaml: cannot read the config file: No such file or directory");
}

}  // namespace
}  // namespace rampart::config
