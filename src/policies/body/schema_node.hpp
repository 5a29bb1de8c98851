#pragma once
// One subschema of a SchemaProgram (schema_program.hpp), shared by its compiler
// (schema_compile.cpp) and its walk (schema_program.cpp). Subschemas refer to each other by
// index into the program's table: `$ref`s may make the graph cyclic.

#include <boost/json/value.hpp>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "policies/body/json_formats.hpp"
#include "policies/body/schema_program.hpp"

namespace rampart::policies {

/// `type` as a bit set.
enum TypeBit : std::uint8_t {
  kTypeNull = 1,
  kTypeBoolean = 2,
  kTypeInteger = 4,
  kTypeNumber = 8,  ///< integers included
  kTypeString = 16,
  kTypeArray = 32,
  kTypeObject = 64,
};

inline constexpr std::int32_t kNoSchema = -1;
inline constexpr std::uint64_t kUnbounded = std::numeric_limits<std::uint64_t>::max();

/// A `pattern`, or a `patternProperties` name: always compiled by RE2 (which says whether the
/// schema loads), and also as a byte DFA when it is in PatternDfa's subset, which then answers
/// instead (~10x faster on the short strings of a JSON API).
struct SchemaPattern {
  const re2::RE2* re2 = nullptr;  ///< null: no pattern
  const PatternDfa* dfa = nullptr;
};

struct SchemaProgram::Node {
  bool never = false;            ///< the schema `false`
  std::int32_t ref = kNoSchema;  ///< draft 7: a `$ref` is all its object says
  std::uint8_t types = 0;        ///< 0: any type

  // Which groups below say anything: a walk skips the rest.
  bool numeric = false, textual = false, listing = false, keyed = false, combined = false;

  // Numbers, compared exactly (long double holds every int64, uint64 and double).
  std::optional<long double> minimum, maximum, exclusive_minimum, exclusive_maximum;
  std::optional<double> multiple_of;

  // Strings (lengths in code points).
  std::uint64_t min_length = 0, max_length = kUnbounded;
  SchemaPattern pattern;
  StringFormat format = StringFormat::none;

  // Arrays.
  std::uint64_t min_items = 0, max_items = kUnbounded;
  bool unique_items = false;
  std::int32_t items = kNoSchema;  ///< one schema for every item
  bool tuple = false;              ///< `items` is an array: `tuple_items`, then additional
  std::vector<std::int32_t> tuple_items;
  std::int32_t additional_items = kNoSchema;
  std::int32_t contains = kNoSchema;

  // Objects.
  std::uint64_t min_properties = 0, max_properties = kUnbounded;
  std::vector<std::string> required;
  std::vector<std::pair<std::string, std::int32_t>> properties;  ///< sorted by name
  /// `required` names that are among the first 64 `properties`, as bits of their index: the
  /// member walk marks them as it meets them, instead of a scan of the object per name.
  std::uint64_t required_properties = 0;
  std::vector<std::string> required_elsewhere;  ///< the other `required` names
  std::vector<std::pair<SchemaPattern, std::int32_t>> pattern_properties;
  std::int32_t additional_properties = kNoSchema;
  struct Dependency {
    std::string name;
    std::vector<std::string> required;  ///< the array form
    std::int32_t schema = kNoSchema;    ///< the schema form
  };
  std::vector<Dependency> dependencies;
  std::int32_t property_names = kNoSchema;

  // Any value.
  std::optional<boost::json::value> constant;
  std::optional<boost::json::array> enumeration;
  std::vector<std::int32_t> all_of, any_of, one_of;
  std::int32_t negated = kNoSchema;
  std::int32_t when = kNoSchema, then = kNoSchema, otherwise = kNoSchema;
};

}  // namespace rampart::policies
