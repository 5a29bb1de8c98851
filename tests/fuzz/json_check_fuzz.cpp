// The body check's two JSON parsers against each other (issue 12): simdjson's fast path
// (json_fast.hpp) may say "well-formed" only where check_json, the authority, does. Input: a
// flags byte (bit 0: give the fast path padding to spare, so it parses in place), then the
// body. Checks:
// - fast path yes => check_json finds nothing wrong (the other way round is allowed: the fast
//   path hands what it cannot decide to check_json);
// - check_json's refusal offset lies within the body;
// - where check_json accepts, the document parses with the body policy's options (the schema
//   path relies on it), and a permissive schema accepts it.

#include <boost/json/parser.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "policies/body/json_check.hpp"
#include "policies/body/json_fast.hpp"
#include "policies/body/schema.hpp"

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
    fuzz::require(fuzz::permissive_schema().validate(document, errors) ||
                      document.is_object(),  // "a" may fail its pattern
                  "a permissive schema refused a well-formed body");
  }
  return 0;
}
