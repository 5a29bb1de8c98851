#include "http/json_writer.hpp"

#include <gtest/gtest.h>

#include "http/problem.hpp"

namespace rampart::http {
namespace {

TEST(JsonWriter, EscapesEverythingThatCouldBreakALine) {
  std::string out;
  append_json_escaped(out, std::string("a\"b\\c\nd\x01\xff", 9));
  EXPECT_EQ(out, "a\\\"b\\\\c\\nd\\u0001\\u00ff");
}

TEST(JsonWriter, WritesObjects) {
  std::string out;
  JsonWriter json(out);
  json.begin_object();
  json.field("a", "x");
  json.field("n", 5LL);
  json.field("t", true);
  json.key("o");
  json.begin_object();
  json.field("k", "v");
  json.end_object();
  json.end_object();
  EXPECT_EQ(out, R"({"a":"x","n":5,"t":true,"o":{"k":"v"}})");
}

TEST(JsonWriter, MillisecondFieldsHaveThreeDecimals) {
  std::string out;
  JsonWriter json(out);
  json.begin_object();
  json.field_double("a", 2.5, 3);
  json.field_double("b", 0.001, 3);
  json.field_double("c", 1234.0004, 3);
  json.field_double("d", 1.2, 1);
  json.end_object();
  EXPECT_EQ(out, R"({"a":2.500,"b":0.001,"c":1234.000,"d":1.2})");
}

TEST(JsonWriter, QuotesPlainAndEscapedStrings) {
  std::string out;
  append_json_quoted(out, "plain/path");
  append_json_quoted(out, "tab\there");
  EXPECT_EQ(out, "\"plain/path\"\"tab\\there\"");
}

TEST(JsonWriter, EveryByteAtEveryPositionOfAWordIsEscapedOrNot) {
  // The plain-text check looks at eight bytes at a time: each byte value must be caught in
  // each position of a word and in the tail.
  for (int b = 0; b < 256; ++b) {
    for (std::size_t pos = 0; pos < 19; ++pos) {
      std::string text(19, 'a');
      text[pos] = static_cast<char>(b);
      std::string escaped;
      append_json_escaped(escaped, text);
      std::string quoted;
      append_json_quoted(quoted, text);
      ASSERT_EQ(quoted, "\"" + escaped + "\"") << "byte " << b << " at " << pos;
      const bool plain = b >= 0x20 && b < 0x80 && b != '"' && b != '\\';
      ASSERT_EQ(escaped == text, plain) << "byte " << b << " at " << pos;
    }
  }
}

TEST(Problem, BodyHasEveryField) {
  std::string body;
  http::append_problem_body(
      http::Problem::of(http::ProblemCode::rate_limited, "limit 10/minute exceeded"), "id-1", body);
  EXPECT_EQ(body,
            R"({"type":"about:blank","title":"Too Many Requests","status":429,)"
            R"("detail":"limit 10/minute exceeded","code":"rate_limited","request_id":"id-1"})");
}

}  // namespace
}  // namespace rampart::http
