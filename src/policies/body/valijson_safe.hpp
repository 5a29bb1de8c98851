#pragma once
// valijson 1.0, made safe for hostile request bodies. Its ValidationVisitor has no hook for a
// regex engine: `pattern`, `patternProperties` and the date/time formats run std::regex on the
// client's strings, and libstdc++'s std::regex recurses once per character (a 1 MiB string
// overflows a worker's stack) and backtracks exponentially. `uniqueItems` compares every pair
// (O(n²): 150,000 numbers in a 1 MiB body are 10^10 comparisons) and records every duplicate
// pair. The visitor's member functions for those constraints are explicitly specialized here
// for the two adapters rampart instantiates (Boost.JSON for the body, std::string for
// propertyNames): patterns run on RE2 (linear time), formats are checked by hand, uniqueness
// by sorting canonical forms (O(n log n)).
//
// Include this header, never valijson's validator directly: every translation unit that
// instantiates the visitor must see these specializations first.

// valijson reports a bad schema by throwing only with this set; without it, it aborts the
// process. Its exceptions.hpp defines VALIJSON_NORETURN: seen already means it was included
// without the define.
#ifdef VALIJSON_NORETURN
#error "include policies/body/valijson_safe.hpp before any valijson header"
#endif
#define VALIJSON_USE_EXCEPTIONS 1

#include <re2/re2.h>

#include <memory>
#include <string>
#include <unordered_map>
#include <valijson/adapters/boost_json_adapter.hpp>
#include <valijson/adapters/std_string_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validation_visitor.hpp>

namespace rampart::policies {

/// How many errors (valijson's, wrappers included) a collecting validation records before it
/// stops: a 1 MiB array of 500,000 wrong items would otherwise record a million errors
/// (~200 MB, ~0.7 s) for a 422 that shows 20.
inline constexpr std::size_t kErrorBudget = 100;

/// Thrown by the visitor when the budget is spent; caught by JsonSchema::validate, which then
/// reports what was recorded. It only ends the pass that collects errors for a body already
/// found invalid, valijson offering no other way out of its recursion.
struct ErrorBudgetSpent {};

/// The compiled RE2 of every `pattern` and `patternProperties` key of one schema, by source.
using RegexTable = std::unordered_map<std::string, std::unique_ptr<const re2::RE2>>;

/// Makes `table` the one the specialized visitors use on this thread while it lives. valijson's
/// visitor carries no context of ours, so the table of the schema being validated is handed to
/// it this way, for the duration of one synchronous validate() on the calling thread.
class RegexScope {
 public:
  explicit RegexScope(const RegexTable& table);
  ~RegexScope();
  RegexScope(const RegexScope&) = delete;
  RegexScope& operator=(const RegexScope&) = delete;

 private:
  const RegexTable* previous_;
};

}  // namespace rampart::policies

namespace valijson {

using BoostVisitor = ValidationVisitor<adapters::BoostJsonAdapter>;
using StringVisitor = ValidationVisitor<adapters::StdStringAdapter>;

template <>
bool BoostVisitor::validateSchema(const Subschema& subschema);
template <>
bool BoostVisitor::visit(const constraints::PatternConstraint& constraint);
template <>
bool BoostVisitor::visit(const constraints::PropertiesConstraint& constraint);
template <>
bool BoostVisitor::visit(const constraints::FormatConstraint& constraint);
template <>
bool BoostVisitor::visit(const constraints::UniqueItemsConstraint& constraint);
template <>
bool StringVisitor::visit(const constraints::PatternConstraint& constraint);
template <>
bool StringVisitor::visit(const constraints::FormatConstraint& constraint);

}  // namespace valijson
