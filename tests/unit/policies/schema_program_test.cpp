// The schema program (body.schema's fast path) and the tape it walks: the tape against
// Boost.JSON's own document on generated bodies; the program against valijson on generated
// bodies and schemas; the documented departures from valijson; what is refused at load; and
// the attacker's class (exponential schemas, huge strings and arrays, duplicate keys).

#include "policies/body/schema_program.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <random>
#include <set>
#include <string>

#include "policies/body/body_policy.hpp"
#include "policies/body/json_check.hpp"
#include "policies/body/schema.hpp"

namespace rampart::policies {
namespace {

std::shared_ptr<const JsonSchema> compiled(std::string_view text) {
  std::string error;
  auto schema = JsonSchema::compile(text, error);
  EXPECT_NE(schema, nullptr) << error;
  return schema;
}

SchemaAnswer answer(const JsonSchema& schema, std::string_view body) {
  JsonTape tape;
  const auto problem = check_json(body, &tape);
  EXPECT_EQ(problem.reason, "") << body.substr(0, 200);
  EXPECT_NE(schema.program(), nullptr);
  return schema.program()->run(tape);
}

bool accepted(const JsonSchema& schema, std::string_view body) {
  return answer(schema, body) == SchemaAnswer::accepted;
}

bool valijson_accepts(const JsonSchema& schema, std::string_view body) {
  auto document = boost::json::parse(body);
  std::vector<http::ProblemError> errors;
  return schema.validate(document, errors);
}

/// The tape back as a Boost.JSON value, to compare with Boost.JSON's own parse.
boost::json::value value_of(const JsonTape& tape, std::uint32_t at) {
  const TapeNode& n = tape.nodes[at];
  switch (n.kind) {
    case JsonKind::null:
      return nullptr;
    case JsonKind::boolean:
      return n.flag;
    case JsonKind::int64:
      return n.int64;
    case JsonKind::uint64:
      return n.uint64;
    case JsonKind::real:
      return n.real;
    case JsonKind::string:
      return boost::json::string(tape.string(at));
    case JsonKind::array: {
      boost::json::array out;
      for (std::uint32_t i = 0, item = at + 1; i < n.size; ++i, item = tape.next(item)) {
        out.push_back(value_of(tape, item));
      }
      EXPECT_EQ(tape.next(at), at + 1 + (n.size == 0 ? 0 : tape.next(at) - at - 1));
      return out;
    }
    case JsonKind::object: {
      boost::json::object out;
      for (std::uint32_t i = 0, key = at + 1; i < n.size; ++i, key = tape.next(key + 1)) {
        out[tape.string(key)] = value_of(tape, key + 1);
      }
      return out;
    }
  }
  return nullptr;
}

/// Whether some object of the body has two equal keys (after unescaping): there the program
/// checks every one and valijson (through Boost.JSON) the last only.
bool has_duplicate_keys(std::string_view body) {
  JsonTape tape;
  check_json(body, &tape);
  for (std::uint32_t at = 0; at < tape.nodes.size(); ++at) {
    if (tape.nodes[at].kind != JsonKind::object) {
      continue;
    }
    std::set<std::string_view> keys;
    for (std::uint32_t i = 0, key = at + 1; i < tape.nodes[at].size;
         ++i, key = tape.next(key + 1)) {
      if (!keys.insert(tape.string(key)).second) {
        return true;
      }
    }
  }
  return false;
}

/// Random JSON text: escapes of every kind, long strings (read in parts), deep nesting,
/// numbers at the edges of int64 and uint64.
class Generator {
 public:
  explicit Generator(unsigned seed) : rng_(seed) {}

  std::string value(int depth) {
    switch (pick(depth > 5 ? 6 : 8)) {
      case 0:
        return "null";
      case 1:
        return pick(2) ? "true" : "false";
      case 2:
        return number();
      case 3:
      case 4:
        return string();
      case 5:
        return word();
      case 6: {
        std::string out = "[";
        for (int i = 0, n = pick(5); i < n; ++i) {
          out += (i ? "," : "") + value(depth + 1);
        }
        return out + "]";
      }
      default: {
        std::string out = "{";
        for (int i = 0, n = pick(5); i < n; ++i) {
          out += (i ? "," : "") + (pick(3) ? word() : string()) + ":" + value(depth + 1);
        }
        return out + "}";
      }
    }
  }

  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

  std::string word() {
    static const char* kWords[] = {"\"a\"",   "\"b\"",   "\"name\"", "\"qty\"",
                                   "\"sku\"", "\"x-1\"", "\"\"",     "\"caf\\u00e9\""};
    return kWords[pick(8)];
  }

  std::string number() {
    static const char* kNumbers[] = {"0",
                                     "-0",
                                     "1",
                                     "1.0",
                                     "-7",
                                     "2.5",
                                     "1e3",
                                     "0.1",
                                     "1000",
                                     "9223372036854775807",
                                     "-9223372036854775808",
                                     "18446744073709551615",
                                     "9223372036854775808",
                                     "5",
                                     "10.5",
                                     "1E-7"};
    return kNumbers[pick(16)];
  }

  std::string string() {
    static const char* kPieces[] = {"a",        "\\n", "\\\"", "\\\\", "\\u00e9", "\\ud83d\\ude00",
                                    "\xc3\xa9", "/",   "\\/",  " ",    "Z"};
    std::string out = "\"";
    const int n = pick(10) == 0 ? 20000 : pick(12);  // now and then longer than a part
    for (int i = 0; i < n; ++i) {
      out += kPieces[pick(11)];
    }
    return out + "\"";
  }

 private:
  std::mt19937 rng_;
};

TEST(JsonTapeTest, HoldsWhatBoostJsonParses) {
  Generator gen(7);
  JsonTape tape;  // reused, as a worker's
  for (int i = 0; i < 3000; ++i) {
    const std::string text = gen.value(0);
    ASSERT_EQ(check_json(text, &tape).reason, "") << text;
    ASSERT_EQ(tape.next(0), tape.nodes.size()) << text;
    EXPECT_EQ(value_of(tape, 0), boost::json::parse(text)) << text;
  }
}

TEST(JsonTapeTest, ARefusedBodyLeavesNoStaleNodesBehind) {
  JsonTape tape;
  ASSERT_EQ(check_json(R"({"a":[1,2,3]})", &tape).reason, "");
  EXPECT_EQ(check_json(R"({"a":[1,2)", &tape).reason, "incomplete");
  ASSERT_EQ(check_json("7", &tape).reason, "");
  EXPECT_EQ(tape.nodes.size(), 1U);
}

// Schemas whose every keyword means the same to valijson and to the program; generated
// bodies must get the same answer from both.
constexpr std::string_view kAgreeingSchemas[] = {
    R"({"type":"object","required":["name"],"properties":{"name":{"type":"string","minLength":1,
        "maxLength":8,"pattern":"^[a-z]"},"qty":{"type":"integer","minimum":0,"maximum":1000}},
        "additionalProperties":{"type":["string","null","boolean"]}})",
    R"({"anyOf":[{"type":"array","items":{"type":"number","exclusiveMaximum":100}},
        {"type":"object","minProperties":2,"maxProperties":3}],"not":{"const":[]}})",
    R"({"oneOf":[{"type":"string"},{"type":"string","maxLength":3},{"type":"integer"}]})",
    R"({"if":{"type":"object","required":["a"]},"then":{"required":["b"]},
        "else":{"type":["array","string","null"]}})",
    R"({"type":"array","items":[{"type":"string"},{"type":"boolean"}],
        "additionalItems":{"type":"null"},"contains":{"type":"string"},"maxItems":4})",
    R"({"type":"array","uniqueItems":true})",
    R"({"patternProperties":{"^x-":{"type":"integer"},"e$":{"type":"string"}},
        "propertyNames":{"maxLength":4},"dependencies":{"a":["b"],"qty":{"required":["sku"]}}})",
    R"({"definitions":{"node":{"type":["object","array","string","null","boolean"],
        "items":{"$ref":"#/definitions/node"},"properties":{"a":{"$ref":"#/definitions/node"},
        "b":{"enum":["x","y",null,true]}}}},"$ref":"#/definitions/node"})",
    R"({"type":"number","multipleOf":0.5,"minimum":-10})",
    R"({"type":"string","format":"date-time"})",
    R"({"properties":{"a":false,"b":true},"required":["b"]})",
};

TEST(SchemaProgramTest, AgreesWithValijsonOnGeneratedBodies) {
  Generator gen(11);
  std::size_t accepted_count = 0, total = 0;
  for (auto text : kAgreeingSchemas) {
    const auto schema = compiled(text);
    ASSERT_NE(schema->program(), nullptr) << text;
    for (int i = 0; i < 600; ++i) {
      // Bodies shaped to pass now and then: generated values, and generated members put
      // into objects the schemas name.
      std::string body = gen.value(0);
      if (i % 3 == 0) {
        body = R"({"name":"ab","a":)" + gen.value(2) + R"(,"b":)" + gen.value(3) + "}";
      }
      // Documented departures: duplicate keys (EveryDuplicateKeyMustSatisfyItsSchema) and
      // integers past 2^63 (FollowsDraft7WhereValijsonDoesNot).
      if (has_duplicate_keys(body) || body.find("9223372036854775808") != std::string::npos ||
          body.find("18446744073709551615") != std::string::npos) {
        continue;
      }
      const bool valijson = valijson_accepts(*schema, body);
      EXPECT_EQ(accepted(*schema, body), valijson) << text << "\nbody: " << body.substr(0, 300);
      accepted_count += valijson ? 1 : 0;
      ++total;
    }
  }
  // Both answers occur often enough for the agreement to mean something.
  EXPECT_GT(accepted_count, total / 10);
  EXPECT_LT(accepted_count, total * 9 / 10);
}

// Where valijson 1.0 departs from draft 7, the program follows the draft (schema_program.hpp).
TEST(SchemaProgramTest, FollowsDraft7WhereValijsonDoesNot) {
  const auto multiple = compiled(R"({"multipleOf":5})");
  EXPECT_FALSE(accepted(*multiple, "10.5"));  // valijson truncates it to 10
  EXPECT_TRUE(valijson_accepts(*multiple, "10.5"));
  EXPECT_TRUE(accepted(*multiple, "10"));
  EXPECT_TRUE(accepted(*multiple, "9223372036854775805"));  // exact past 2^53
  EXPECT_FALSE(accepted(*multiple, "9223372036854775806"));

  const auto one = compiled(R"({"enum":[1,"a"]})");
  EXPECT_TRUE(accepted(*one, "1.0"));
  EXPECT_TRUE(accepted(*compiled(R"({"const":{"a":[1.0]}})"), R"({"a":[1]})"));

  const auto integer = compiled(R"({"type":"integer","minimum":0})");
  EXPECT_TRUE(accepted(*integer, "18446744073709551615"));  // valijson: a double, refused
  EXPECT_FALSE(accepted(*integer, "1.0"));                  // valijson's choice, kept
  // Exact comparisons: 2^53 + 1 is above a maximum of 2^53.
  EXPECT_FALSE(accepted(*compiled(R"({"maximum":9007199254740992})"), "9007199254740993"));
}

TEST(SchemaProgramTest, EveryDuplicateKeyMustSatisfyItsSchema) {
  // A backend may keep the first or the last of two equal keys: both are checked.
  const auto schema = compiled(R"({"properties":{"a":{"type":"integer"}}})");
  EXPECT_FALSE(accepted(*schema, R"({"a":1,"a":"x"})"));
  EXPECT_FALSE(accepted(*schema, R"({"a":"x","a":1})"));
  EXPECT_TRUE(accepted(*schema, R"({"a":1,"a":2})"));
}

TEST(SchemaProgramTest, KeysAndStringsAreComparedUnescaped) {
  const auto schema =
      compiled(R"({"properties":{"ab":{"const":"caf\u00e9"}},"additionalProperties":false})");
  EXPECT_TRUE(accepted(*schema, R"({"a\u0062":"caf\u00e9"})"));
  EXPECT_TRUE(accepted(*schema, "{\"ab\":\"caf\xc3\xa9\"}"));
  EXPECT_FALSE(accepted(*schema, R"({"a\u0063":"caf\u00e9"})"));
  EXPECT_TRUE(accepted(*compiled(R"({"maxLength":1})"), R"("\ud83d\ude00")"));  // one code point
}

TEST(SchemaProgramTest, ACycleThatNeverEntersTheBodyIsRefusedAtLoad) {
  for (const char* text : {R"({"$ref":"#"})", R"({"allOf":[{"$ref":"#/definitions/a"}],
          "definitions":{"a":{"not":{"$ref":"#"}}}})",
                           R"({"anyOf":[{"type":"string"},{"$ref":"#"}]})"}) {
    std::string error;
    EXPECT_EQ(JsonSchema::compile(text, error), nullptr) << text;
    EXPECT_NE(error.find("cycle"), std::string::npos) << error;
  }
  // Recursion through the body's own structure ends with the body.
  const auto tree = compiled(R"({"type":"object","properties":{"child":{"$ref":"#"}}})");
  EXPECT_TRUE(accepted(*tree, R"({"child":{"child":{}}})"));
  EXPECT_FALSE(accepted(*tree, R"({"child":{"child":3}})"));
}

TEST(SchemaProgramTest, ACycleUnderANestedIdIsRefusedAtLoadToo) {
  // valijson alone runs a schema with a nested $id, and resolves `#` against the root: each
  // of these loaded, and the first body validated recursed until the worker's stack ran out.
  for (
      const char* text :
      {R"({"allOf":[{"$ref":"#"}],"properties":{"a":{"$id":"http://x.test/a.json"}}})",
       R"({"properties":{"a":{"$id":"http://x.test/a.json","allOf":[{"$ref":"#/properties/a"}]}}})",
       R"({"definitions":{"d":{"$id":"http://x.test/d.json","anyOf":[{"$ref":"#/definitions/d"}]}},
            "$ref":"#/definitions/d"})"}) {
    std::string error;
    EXPECT_EQ(JsonSchema::compile(text, error), nullptr) << text;
    EXPECT_NE(error.find("cycle"), std::string::npos) << error;
  }
  // Under a nested $id, recursion through the body still loads, and ends with the body.
  const auto tree = compiled(R"({"properties":{"a":{"$id":"http://x.test/a.json",
      "allOf":[{"$ref":"#"}]},"b":{"type":"integer"}}})");
  EXPECT_EQ(tree->program(), nullptr);
  EXPECT_TRUE(valijson_accepts(*tree, R"({"a":{"a":{"b":1}}})"));
  EXPECT_FALSE(valijson_accepts(*tree, R"({"a":{"a":{"b":"x"}}})"));
}

TEST(SchemaProgramTest, WhatItDoesNotRunIsLeftToValijson) {
  // A nested $id moves the base of `#` references: the program leaves that to valijson.
  const auto schema = compiled(R"({"properties":{"a":{"$id":"http://example.com/a.json",
      "type":"integer"}}})");
  EXPECT_EQ(schema->program(), nullptr);
  EXPECT_FALSE(valijson_accepts(*schema, R"({"a":"x"})"));
}

TEST(SchemaProgramTest, AnExponentialSchemaIsCutOffNotRunToTheEnd) {
  // Each level tries two branches that both walk the rest: 2^40 visits for 40 levels.
  const auto schema = compiled(R"({"definitions":{"n":{"anyOf":[
      {"items":{"$ref":"#/definitions/n"},"not":{}},{"items":{"$ref":"#/definitions/n"}}]}},
      "$ref":"#/definitions/n"})");
  const std::string body = std::string(40, '[') + std::string(40, ']');
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(answer(*schema, body), SchemaAnswer::too_costly);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(answer(*schema, "[[[]]]"), SchemaAnswer::accepted);
}

TEST(SchemaProgramTest, HostileStringsAndArraysStayLinear) {
  const auto pattern = compiled(R"({"pattern":"^(a+)+$","format":"date-time"})");
  const std::string long_a = "\"" + std::string(1 << 19, 'a') + "!\"";
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(accepted(*pattern, long_a));

  const auto unique = compiled(R"({"uniqueItems":true})");
  std::string numbers = "[";
  for (int i = 0; i < 150000; ++i) {
    numbers += std::to_string(i) + ",";
  }
  EXPECT_TRUE(accepted(*unique, numbers + "1.5]"));
  EXPECT_FALSE(accepted(*unique, numbers + "149999.0]"));  // equal to 149999
  EXPECT_FALSE(accepted(*unique, R"([{"a":1,"b":[2]},{"b":[2.0],"a":1}])"));
  EXPECT_TRUE(accepted(*unique, R"([{"a":1},{"a":1,"b":1},[1],["1"]])"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

/// The body stage as a route runs it: the program decides, valijson explains.
TEST(SchemaProgramTest, TheRouteAnswersWithValijsonsErrorsWhenTheProgramRefuses) {
  BodySettings settings;
  std::string error;
  settings.json = true;
  settings.schema = JsonSchema::compile(
      R"({"type":"object","properties":{"qty":{"type":"integer","multipleOf":5}},
          "required":["qty"]})",
      error);
  ASSERT_NE(settings.schema, nullptr) << error;
  BodyPolicy policy(settings);
  BodySlot slot(64 * 1024);
  auto run = [&](std::string_view body, http::Exchange& exchange) {
    exchange.request.verb = boost::beast::http::verb::post;
    exchange.request.has_body = true;
    exchange.body = body;
    return policy.on_request(exchange, &slot);
  };
  http::Exchange good, bad, departs;
  EXPECT_EQ(run(R"({"qty":10})", good), Verdict::next);
  ASSERT_EQ(run(R"({"qty":"ten"})", bad), Verdict::respond);
  ASSERT_TRUE(bad.problem.has_value());
  ASSERT_FALSE(bad.problem->errors.empty());
  EXPECT_EQ(bad.problem->errors[0].pointer, "/qty");
  // Refused by the program, accepted by valijson: still a 422, with a general error.
  ASSERT_EQ(run(R"({"qty":10.5})", departs), Verdict::respond);
  ASSERT_TRUE(departs.problem.has_value());
  EXPECT_EQ(departs.problem->errors.size(), 1U);
}

}  // namespace
}  // namespace rampart::policies
