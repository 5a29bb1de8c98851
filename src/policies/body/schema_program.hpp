#pragma once
// `body.schema`'s fast path: a JSON Schema draft 7 compiled into a table of nodes, one per
// subschema, that says whether a document on a JsonTape satisfies it, in one walk that
// allocates nothing. valijson (schema.cpp) stays the authority on *what* is wrong: it runs
// only when this says a body is refused, to write the 422's errors. Measured on a 1 KiB order
// (bench/json_bench.cpp): valijson's yes/no pass took ~14 us, mostly copying its context
// vectors and allocating a std::set per object.
//
// Where valijson 1.0 departs from draft 7 the program follows the draft: 10.5 is not a
// multiple of 5 (valijson truncates it to 10), 1 equals 1.0 in `enum` and `const`, and an
// integer past 2^63 is an integer. Where the draft leaves a choice it takes valijson's:
// `integer` means no fraction or exponent was written (1.0 is a number), and `format` asserts
// date, time and date-time only.

#include <boost/json/value.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "policies/body/json_tape.hpp"

namespace re2 {
class RE2;
}

namespace rampart::policies {

class PatternDfa;

/// What a run of the program found.
enum class SchemaAnswer : std::uint8_t {
  accepted,
  refused,
  too_costly,  ///< the walk passed kMaxSchemaSteps or kMaxSchemaNesting: refused, unexplained
};

/// How many (subschema, value) visits one body may cost: a schema with nested `anyOf`s can ask
/// for a walk exponential in the body's depth.
inline constexpr std::uint64_t kMaxSchemaSteps = 4'000'000;
/// How deep subschemas may nest while walking (the body's own nesting is at most 64).
inline constexpr unsigned kMaxSchemaNesting = 1024;

/// A compiled, immutable schema; shared by every worker.
class SchemaProgram {
 public:
  /// Compiles a parsed draft 7 schema whose `$ref`s all start with '#'. Null when it uses
  /// what the program does not run (a `$ref` by `$id`, say): `error` says what, and the route
  /// validates with valijson alone. `refuse` is set when the schema can never be run at all
  /// (a `$ref` cycle that never moves into the body), which is a load error.
  static std::unique_ptr<const SchemaProgram> compile(const boost::json::value& schema,
                                                      std::string& error, bool& refuse);

  SchemaProgram();
  ~SchemaProgram();
  SchemaProgram(const SchemaProgram&) = delete;
  SchemaProgram& operator=(const SchemaProgram&) = delete;

  /// Whether the document on `tape` (non-empty) satisfies the schema.
  SchemaAnswer run(const JsonTape& tape) const;

  struct Node;
  class Compiler;
  class Walk;

 private:
  std::vector<Node> nodes_;  ///< nodes_[0] is the root
  std::vector<std::unique_ptr<const re2::RE2>> regexes_;
  std::vector<std::unique_ptr<const PatternDfa>> dfas_;
};

}  // namespace rampart::policies
