// body.json: one test per refusal class, the byte offset, and what must pass (any JSON value,
// whitespace around it, escapes, big but bounded numbers).

#include "policies/body/json_check.hpp"

#include <gtest/gtest.h>

#include <string>

namespace rampart::policies {
namespace {

std::string_view reason(std::string_view body) { return check_json(body).reason; }

TEST(JsonCheck, WellFormedValuesPass) {
  for (std::string_view body : {R"({"message":"hi"})", R"([1,2,3])", R"("text")", "42", "true",
                                "null", " \r\n\t{\"a\":{\"b\":[]}}\n ", R"({"e":"\u00e9\n\"x"})",
                                R"({"n":-1.5e300})", "{\"caf\xc3\xa9\":\"\xe2\x82\xac\"}"}) {
    EXPECT_EQ(reason(body), "") << body;
  }
}

TEST(JsonCheck, EmptyBody) {
  EXPECT_EQ(reason(""), "empty");
  EXPECT_EQ(reason(" \n"), "empty");
}

TEST(JsonCheck, TruncatedValue) {
  auto p = check_json(R"({"message":"hi")");
  EXPECT_EQ(p.reason, "incomplete");
  EXPECT_EQ(p.offset, 15u);
}

TEST(JsonCheck, TwoValues) {
  auto p = check_json(R"({"a":1} {"b":2})");
  EXPECT_EQ(p.reason, "extra_data");
  EXPECT_EQ(p.offset, 8u);
}

TEST(JsonCheck, SyntaxErrorsSayWhere) {
  auto p = check_json(R"({"a":1,})");
  EXPECT_EQ(p.reason, "syntax");
  EXPECT_EQ(p.offset, 7u);
  EXPECT_EQ(reason("{'a':1}"), "syntax");
  EXPECT_EQ(reason("[1,]"), "syntax");
  EXPECT_EQ(reason("NaN"), "syntax");
  EXPECT_EQ(reason("// comment\n1"), "syntax");
}

TEST(JsonCheck, NestingDeeperThan64) {
  EXPECT_EQ(reason(std::string(64, '[') + std::string(64, ']')), "");
  EXPECT_EQ(reason(std::string(65, '[') + std::string(65, ']')), "too_deep");
  EXPECT_EQ(reason(std::string(10000, '[')), "too_deep");  // 10,000 deep: refused early
}

TEST(JsonCheck, NulInAStringOrKey) {
  EXPECT_EQ(reason(R"({"a":"x\u0000y"})"), "nul");
  EXPECT_EQ(reason(R"({"a\u0000":1})"), "nul");
  EXPECT_EQ(reason(R"({"a":"\"\u0000"})"), "nul");  // an escape first: the string in parts
  // A raw NUL or control byte is not JSON at all: a string that is the body's own bytes is
  // not scanned for NUL, which this relies on (with and without a tape).
  JsonTape tape;
  for (std::string_view body :
       {std::string_view("{\"a\":\"x\0y\"}", 11), std::string_view("{\"a\0\":1}", 9),
        std::string_view("[\"\x01\"]")}) {
    EXPECT_EQ(reason(body), "syntax") << body.size();
    EXPECT_EQ(check_json(body, &tape).reason, "syntax") << body.size();
  }
}

TEST(JsonCheck, InvalidUtf8) {
  auto p = check_json("{\"a\":\"\xff\"}");
  EXPECT_EQ(p.reason, "utf8");
  EXPECT_EQ(p.offset, 6u);
  EXPECT_EQ(reason("{\"a\":\"\xc3\x28\"}"), "utf8");      // a broken two-byte sequence
  EXPECT_EQ(reason("{\"a\":\"\xed\xa0\x80\"}"), "utf8");  // an encoded surrogate
}

TEST(JsonCheck, BoundedSizes) {
  EXPECT_EQ(reason("\"" + std::string(kMaxJsonStringBytes, 'a') + "\""), "");
  EXPECT_EQ(reason("\"" + std::string(kMaxJsonStringBytes + 1, 'a') + "\""), "too_long");
  EXPECT_EQ(reason("1e99999"), "too_long");
}

}  // namespace
}  // namespace rampart::policies
