// body.schema validation: pointers and messages of violations, the 20-error cap, values never
// echoed, and the attacker's class: hostile strings against patterns and formats, huge arrays
// under uniqueItems, deep documents, numbers at the edges. Every hostile case is timed.

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <chrono>
#include <string>

#include "policies/body/schema.hpp"

namespace rampart::policies {
namespace {

std::shared_ptr<const JsonSchema> compiled(std::string_view text) {
  std::string error;
  auto schema = JsonSchema::compile(text, error);
  EXPECT_NE(schema, nullptr) << error;
  return schema;
}

std::vector<http::ProblemError> violations(const JsonSchema& schema, std::string_view body) {
  std::vector<http::ProblemError> errors;
  boost::json::parse_options options;
  options.max_depth = 64;  // as the body policy parses
  auto document = boost::json::parse(body, {}, options);
  const bool ok = schema.validate(document, errors);
  EXPECT_EQ(ok, errors.empty());
  return errors;
}

bool has(const std::vector<http::ProblemError>& errors, std::string_view pointer,
         std::string_view message_part) {
  for (const auto& e : errors) {
    if (e.pointer == pointer && e.message.find(message_part) != std::string::npos) {
      return true;
    }
  }
  return false;
}

std::string all(const std::vector<http::ProblemError>& errors) {
  std::string out;
  for (const auto& e : errors) {
    out += e.pointer + ": " + e.message + "\n";
  }
  return out;
}

/// Runs `f` and fails when it took longer than `limit`.
template <typename F>
void within(std::chrono::milliseconds limit, F&& f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, limit) << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                         << " ms";
}

constexpr std::string_view kOrder = R"({
  "type": "object",
  "required": ["customer", "items"],
  "additionalProperties": false,
  "properties": {
    "customer": {"type": "object", "properties": {"email": {"type": "string", "maxLength": 20}}},
    "items": {"type": "array", "items": {"type": "object", "required": ["sku"],
              "properties": {"sku": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]+$"},
                             "qty": {"type": "integer", "minimum": 1}}}},
    "a/b~c": {"type": "string"},
    "note": {"type": "string", "minLength": 1, "maxLength": 5000}
  }
})";

TEST(JsonSchemaTest, AValidBodyPasses) {
  auto schema = compiled(kOrder);
  EXPECT_TRUE(
      violations(*schema, R"({"customer":{"email":"a@b.c"},"items":[{"sku":"ABC-1"}]})").empty());
}

TEST(JsonSchemaTest, ViolationsArePointedAt) {
  auto schema = compiled(kOrder);
  auto errors = violations(*schema, R"({"customer":{"email":"a-very-long-address@example.com"},
      "items":[{"sku":"ABC-1"},{"sku":"nope","qty":0},{}], "extra": 1, "a/b~c": 5})");
  EXPECT_TRUE(has(errors, "/customer/email", "must be at most 20 characters long")) << all(errors);
  EXPECT_TRUE(has(errors, "/items/1/sku", "does not match the schema's pattern")) << all(errors);
  EXPECT_TRUE(has(errors, "/items/1/qty", "below the schema's minimum")) << all(errors);
  EXPECT_TRUE(has(errors, "/items/2", "is missing the required property \"sku\"")) << all(errors);
  EXPECT_TRUE(has(errors, "/extra", "is not a property the schema allows")) << all(errors);
  EXPECT_TRUE(has(errors, "/a~1b~0c", "has a type the schema does not allow")) << all(errors);
  // Only the failures themselves: not valijson's "item #1 failed" above each one.
  EXPECT_EQ(errors.size(), 6u) << all(errors);
}

TEST(JsonSchemaTest, AMissingRequiredPropertyIsReportedAtItsObject) {
  auto schema = compiled(kOrder);
  auto errors = violations(*schema, R"({"items":[]})");
  EXPECT_TRUE(has(errors, "", "is missing the required property \"customer\"")) << all(errors);
}

TEST(JsonSchemaTest, AtMost20Errors) {
  auto schema = compiled(R"({"type":"array","items":{"type":"string"}})");
  std::string body = "[";
  for (int i = 0; i < 1000; ++i) {
    body += (i ? ",1" : "1");
  }
  body += "]";
  auto errors = violations(*schema, body);
  EXPECT_EQ(errors.size(), kMaxSchemaErrors);
  EXPECT_EQ(errors.front().pointer, "/0");
}

TEST(JsonSchemaTest, NoMessageEchoesTheValue) {
  // Every constraint that can fail on a string, an unwanted key and a wrong type: the secret
  // appears in no message (the pointer of an unwanted property is its key, by RFC 6901).
  auto schema = compiled(R"({"type":"object","additionalProperties":false,"properties":{
      "a":{"type":"string","maxLength":3,"pattern":"^x$","enum":["x"],"format":"date"},
      "b":{"const":"x"}, "c":{"type":"integer"}, "d":{"not":{"type":"string"}},
      "e":{"type":"string","format":"date-time"}}})");
  const std::string secret = "sk_live_4eC39HqLyjWDarjtT1zdp7dc";
  auto errors =
      violations(*schema, R"({"a":")" + secret + R"(","b":")" + secret + R"(","c":")" + secret +
                              R"(","d":")" + secret + R"(","e":")" + secret + R"("})");
  EXPECT_GE(errors.size(), 6u) << all(errors);
  for (const auto& e : errors) {
    EXPECT_EQ(e.message.find("sk_live"), std::string::npos) << e.message;
    EXPECT_EQ(e.pointer.find("sk_live"), std::string::npos) << e.pointer;
  }
}

TEST(JsonSchemaTest, MessagesMapEveryValijsonDescription) {
  EXPECT_EQ(message_of("Missing required property 'name'."),
            "is missing the required property \"name\"");
  EXPECT_EQ(message_of("String should be no fewer than 1 characters in length."),
            "must be at least 1 characters long");
  EXPECT_EQ(message_of("Object contains a property that could not be validated: 'sk_live_x'."),
            "is not a property the schema allows");
  EXPECT_EQ(message_of("something valijson adds later 'secret'"), "does not match the schema");
  EXPECT_EQ(pointer_of({"<root>", "[a/b]", "[3]", "[~]"}), "/a~1b/3/~0");
  EXPECT_EQ(pointer_of({"<root>"}), "");
}

TEST(JsonSchemaTest, FieldReport000MessageLengths) {
  auto schema = compiled(kOrder);
  const std::string base = R"({"customer":{},"items":[],"note":")";
  EXPECT_TRUE(violations(*schema, base + std::string(5000, 'm') + "\"}").empty());
  EXPECT_TRUE(
      has(violations(*schema, base + std::string(5001, 'm') + "\"}"), "/note", "at most 5000"));
  EXPECT_TRUE(has(violations(*schema, base + "\"}"), "/note", "at least 1"));
  // maxLength counts characters, not bytes: 5000 two-byte characters pass.
  std::string accents;
  for (int i = 0; i < 5000; ++i) {
    accents += "\xc3\xa9";
  }
  EXPECT_TRUE(violations(*schema, base + accents + "\"}").empty());
}

// The attacker's class. std::regex (valijson's default) overflows the stack on these or runs
// for ever; RE2 and the hand-written format checks are linear.
TEST(JsonSchemaTest, HostileStringsAgainstPatternsAreLinear) {
  auto schema = compiled(R"({"properties":{"s":{"pattern":"^(a+)+$"},
      "d":{"format":"date"},"t":{"format":"date-time"}},
      "patternProperties":{"^(x|x)*y$":{"type":"integer"}}})");
  const std::string long_a(1000000, 'a');
  within(std::chrono::milliseconds(2000), [&] {
    EXPECT_TRUE(has(violations(*schema, R"({"s":")" + long_a + R"(b"})"), "/s", "pattern"));
    EXPECT_TRUE(violations(*schema, R"({"s":")" + long_a + R"("})").empty());
    const std::string digits(1000000, '1');
    EXPECT_TRUE(has(violations(*schema, R"({"d":")" + digits + R"("})"), "/d", "not a date"));
    EXPECT_TRUE(violations(*schema, R"({"d":")" + digits + R"(-02-29"})").empty());
    EXPECT_TRUE(has(violations(*schema, R"({"t":")" + digits + "-01-01T\"}"), "/t", "date-time"));
    const std::string xs(500000, 'x');
    EXPECT_TRUE(has(violations(*schema, R"({")" + xs + R"(y":"no"})"), "/" + xs + "y", "type"));
  });
}

TEST(JsonSchemaTest, FormatsStillWork) {
  auto schema = compiled(R"({"properties":{"d":{"format":"date"},"t":{"format":"time"},
      "dt":{"format":"date-time"}}})");
  EXPECT_TRUE(violations(*schema, R"({"d":"2024-02-29","t":"16:52:45.5+02:00",
      "dt":"2022-07-18t16:52:45Z"})")
                  .empty());
  EXPECT_TRUE(has(violations(*schema, R"({"d":"2024-13-01"})"), "/d", "not a date"));
  EXPECT_TRUE(has(violations(*schema, R"({"d":"2024-04-31"})"), "/d", "not a date"));
  EXPECT_TRUE(has(violations(*schema, R"({"t":"24:00:00Z"})"), "/t", "not a time"));
  EXPECT_TRUE(has(violations(*schema, R"({"t":"12:00:00"})"), "/t", "not a time"));
  EXPECT_TRUE(has(violations(*schema, R"({"dt":"2022-07-18 16:52:45Z"})"), "/dt", "date-time"));
  EXPECT_TRUE(violations(*schema, R"({"d":5})").empty());  // formats ignore non-strings
}

TEST(JsonSchemaTest, HugeArraysUnderUniqueItemsAreNotQuadratic) {
  auto schema = compiled(R"({"uniqueItems":true})");
  std::string body = "[";
  for (int i = 0; i < 150000; ++i) {
    body += (i ? "," : "") + std::to_string(i);
  }
  within(std::chrono::milliseconds(2000), [&] {
    EXPECT_TRUE(violations(*schema, body + "]").empty());
    auto errors = violations(*schema, body + ",77]");
    ASSERT_EQ(errors.size(), 1u) << all(errors);  // one error, not one per pair
    EXPECT_EQ(errors[0].message, "repeats an earlier item: items must be unique");
    std::string same = "[";
    for (int i = 0; i < 150000; ++i) {
      same += (i ? ",0" : "0");
    }
    EXPECT_EQ(violations(*schema, same + "]").size(), 1u);
  });
}

TEST(JsonSchemaTest, UniquenessFollowsJsonSchemaEquality) {
  auto schema = compiled(R"({"uniqueItems":true})");
  EXPECT_FALSE(violations(*schema, R"([1, 1.0])").empty());
  EXPECT_FALSE(violations(*schema, R"([{"a":1,"b":[2]}, {"b":[2.0],"a":1}])").empty());
  EXPECT_TRUE(violations(*schema, R"([1, true, "1", [1], {"1":1}, null, 0, false])").empty());
  EXPECT_TRUE(violations(*schema, R"(["a1", "a", 1])").empty());
  EXPECT_TRUE(violations(*schema, R"([{"a":"b1"}, {"ab":"1"}])").empty());
}

TEST(JsonSchemaTest, DeepDocumentsAndRecursiveSchemas) {
  auto schema =
      compiled(R"({"definitions":{"node":{"type":"array","items":{"$ref":"#/definitions/node"}}},
      "$ref":"#/definitions/node"})");
  EXPECT_TRUE(violations(*schema, std::string(64, '[') + std::string(64, ']')).empty());
  auto errors = violations(*schema, std::string(63, '[') + "1" + std::string(63, ']'));
  ASSERT_FALSE(errors.empty());
  EXPECT_EQ(errors[0].pointer.size(), 63u * 2);  // "/0" per array around the 1
}

// Found by the json_check fuzz target: valijson's adapter ignores Boost.JSON's uint64, so an
// integer from 2^63 up failed `type: number` and passed every numeric bound.
TEST(JsonSchemaTest, IntegersPast2To63AreNumbers) {
  auto schema = compiled(R"({"properties":{"n":{"type":"number"},"max":{"maximum":100},
      "i":{"type":"integer"}}})");
  EXPECT_TRUE(violations(*schema, R"({"n": 11111111111111111111})").empty());
  EXPECT_TRUE(has(violations(*schema, R"({"max": 18446744073709551615})"), "/max", "maximum"));
  auto nested = compiled(R"({"items":{"properties":{"v":{"maximum":1}}}})");
  EXPECT_TRUE(
      has(violations(*nested, R"([{"v": 1}, {"v": 10000000000000000000}])"), "/1/v", "maximum"));
  // The schema's own numbers past 2^63 are widened too: a bound, an enum value.
  auto big =
      compiled(R"({"items":{"maximum":18446744073709551615,"enum":[18446744073709551615]}})");
  EXPECT_TRUE(violations(*big, "[18446744073709551615]").empty());
  EXPECT_FALSE(violations(*big, "[1]").empty());
  // Fail closed: as a double it is not an integer to valijson.
  EXPECT_FALSE(violations(*schema, R"({"i": 9223372036854775808})").empty());
  EXPECT_TRUE(violations(*schema, R"({"i": 9223372036854775807})").empty());
}

TEST(JsonSchemaTest, NumbersAtTheEdges) {
  auto schema = compiled(R"({"properties":{"m":{"multipleOf":7},"f":{"multipleOf":0.01},
      "max":{"maximum":100}}})");
  within(std::chrono::milliseconds(500), [&] {
    // Past 2^64 Boost.JSON gives a double: checked, not a crash or a hang.
    violations(*schema, R"({"m": 123456789012345678901234567890123456789})");
    violations(*schema, R"({"m": 1e300, "f": 1e300})");
    EXPECT_TRUE(violations(*schema, R"({"m": 18446744073709551615})").size() <= 1);
    EXPECT_TRUE(
        violations(*schema, R"({"m": 9223372036854775807})").empty());  // 7 * 1317624576693539401
    EXPECT_TRUE(violations(*schema, R"({"f": 0.07})").empty());
    EXPECT_TRUE(has(violations(*schema, R"({"max": 1e300})"), "/max", "maximum"));
    EXPECT_TRUE(has(violations(*schema, R"({"m": 8})"), "/m", "multipleOf"));
  });
}

}  // namespace
}  // namespace rampart::policies

namespace rampart::policies {
namespace {

// A 1 MiB body of 500,000 violations: valijson would record every one (and a wrapper above
// each: ~200 MB and ~0.7 s) before rampart keeps 20. The error budget stops it at 100.
TEST(JsonSchemaTest, HalfAMillionViolationsStayBounded) {
  auto schema = compiled(R"({"type":"array","items":{"type":"string"}})");
  std::string body = "[";
  for (int i = 0; i < 500000; ++i) {
    body += (i ? ",1" : "1");
  }
  within(std::chrono::milliseconds(3000),
         [&] { EXPECT_EQ(violations(*schema, body + "]").size(), kMaxSchemaErrors); });
}

}  // namespace
}  // namespace rampart::policies
