// The body check's two JSON parsers against each other (issue 12): simdjson's fast path
// (json_fast.hpp) may say "well-formed" only where check_json, the authority, does. Input: a
// flags byte (bit 0: give the fast path padding to spare, so it parses in place), then the
// body. Checks:
// - fast path yes => check_json finds nothing wrong (the other way round is allowed: the fast
//   path hands what it cannot decide to check_json);
// - check_json's refusal offset lies within the body;
// - where check_json accepts, the document parses with the body policy's options (the schema
//   path relies on it), and a permissive schema accepts it;
// - the tape check_json writes for a schema route (json_tape.hpp) holds the same document as
//   Boost.JSON's parse, and the schema program answers as valijson does on schemas where both
//   follow draft 7 alike (bodies with duplicate keys or integers past 2^63, where they
//   differ on purpose, are left out: schema_program.hpp).

#include <boost/json/parser.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "policies/body/json_check.hpp"
#include "policies/body/json_fast.hpp"
#include "policies/body/schema.hpp"
#include "policies/body/schema_program.hpp"

namespace rampart::fuzz {
namespace {

policies::FastJsonCheck& fast_check() {
  static policies::FastJsonCheck check;
  return check;
}

const policies::JsonSchema& permissive_schema() {
  static std::string error;
  static auto schema = policies::JsonSchema::compile(
      R"({"type":["object","array","string","number","boolean","null"],
          "properties":{"a":{"pattern":"^(a+)+$"}},"patternProperties":{"^x":{}},
          "uniqueItems":false})",
      error);
  return *schema;
}

boost::json::value value_of(const policies::JsonTape& tape, std::uint32_t at) {
  using policies::JsonKind;
  const auto& n = tape.nodes[at];
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

/// Duplicate keys or an integer past 2^63 somewhere: where the program departs on purpose.
bool departs(const policies::JsonTape& tape) {
  using policies::JsonKind;
  for (std::uint32_t at = 0; at < tape.nodes.size(); ++at) {
    const auto& n = tape.nodes[at];
    if (n.kind == JsonKind::uint64) {
      return true;
    }
    if (n.kind == JsonKind::object) {
      for (std::uint32_t i = 0, a = at + 1; i < n.size; ++i, a = tape.next(a + 1)) {
        for (std::uint32_t j = i + 1, b = tape.next(a + 1); j < n.size; ++j, b = tape.next(b + 1)) {
          if (tape.string(a) == tape.string(b)) {
            return true;
          }
        }
      }
    }
  }
  return false;
}

const std::vector<std::shared_ptr<const policies::JsonSchema>>& agreeing_schemas() {
  static const auto schemas = [] {
    std::vector<std::shared_ptr<const policies::JsonSchema>> out;
    std::string error;
    for (const char* text : {
             R"({"type":"object","required":["a"],"properties":{"a":{"type":"string",
                 "minLength":1,"maxLength":8,"pattern":"^[a-z]"},"b":{"type":"integer",
                 "minimum":0,"exclusiveMaximum":1000}},"additionalProperties":{"type":
                 ["string","null","boolean","array"],"items":{"type":"number",
                 "multipleOf":0.5},"uniqueItems":true}})",
             R"({"anyOf":[{"type":"array","items":[{"type":"string"}],"additionalItems":
                 {"$ref":"#"},"contains":{"type":"object"},"maxItems":5},{"type":"object",
                 "patternProperties":{"^x":{"type":"integer"}},"propertyNames":{"maxLength":3},
                 "dependencies":{"a":["b"],"c":{"required":["d"]}}}],"not":{"enum":[[],{},
                 "a",null]}})",
             R"({"oneOf":[{"type":"string","format":"date-time"},{"type":"string",
                 "maxLength":3},{"const":{"k":[true,null]}}],"if":{"type":"string"},
                 "then":{"minLength":2},"else":{"type":"object"}})"}) {
      out.push_back(policies::JsonSchema::compile(text, error));
    }
    return out;
  }();
  return schemas;
}

}  // namespace
}  // namespace rampart::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rampart;
  if (size < 1) {
    return 0;
  }
  const bool padded = (data[0] & 1) != 0;
  std::string storage(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::size_t body_size = storage.size();
  storage.resize(body_size + 64, '\0');
  const std::string_view body(storage.data(), body_size);

  const auto authority = policies::check_json(body);
  fuzz::require(authority.offset <= body.size(), "check_json's offset is past the body");
  const bool fast = fuzz::fast_check().accepts(body, padded ? storage.size() : body.size());
  if (fast && !authority.reason.empty()) {
    fuzz::fail("simdjson accepted a body check_json refuses", fuzz::escaped(body));
  }
  if (authority.reason.empty()) {
    boost::json::parse_options options;
    options.max_depth = policies::kMaxJsonDepth;
    boost::json::parser parser({}, options);
    boost::json::error_code ec;
    parser.write(body.data(), body.size(), ec);
    if (ec) {
      fuzz::fail("check_json accepted a body the document parser refuses", fuzz::escaped(body));
    }
    std::vector<http::ProblemError> errors;
    auto document = parser.release();
    policies::JsonTape tape;
    const auto taped = policies::check_json(body, &tape);
    fuzz::require(taped.reason.empty(), "check_json with a tape refused what it accepted without");
    if (fuzz::value_of(tape, 0) != document) {
      fuzz::fail("the tape holds another document than Boost.JSON's", fuzz::escaped(body));
    }
    if (!fuzz::departs(tape)) {
      for (const auto& schema : fuzz::agreeing_schemas()) {
        auto copy = document;
        std::vector<http::ProblemError> ignored;
        const bool valijson = schema->validate(copy, ignored);
        const auto answer = schema->program()->run(tape);
        if (answer != policies::SchemaAnswer::too_costly &&
            (answer == policies::SchemaAnswer::accepted) != valijson) {
          fuzz::fail("the schema program and valijson disagree", fuzz::escaped(body));
        }
      }
    }
    fuzz::require(fuzz::permissive_schema().validate(document, errors) ||
                      document.is_object(),  // "a" may fail its pattern
                  "a permissive schema refused a well-formed body");
  }
  return 0;
}
