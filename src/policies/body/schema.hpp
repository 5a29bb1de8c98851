#pragma once
// `body.schema` (SPEC §3 step 9): a JSON Schema draft 7 document, compiled once when the
// config is loaded (and again at each reload), then used by every worker at once. Validation
// runs valijson with the safe visitors of valijson_safe.hpp (RE2 patterns, linear format
// checks, O(n log n) uniqueItems). What it reports is rampart's own text: a pointer into the
// body and a message that names the constraint, never the client's value.

#include <boost/json/value.hpp>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http/problem.hpp"

namespace rampart::policies {

class SchemaProgram;

/// The most violations a 422 lists: enough to fix a form, not an amplifier.
inline constexpr std::size_t kMaxSchemaErrors = 20;
/// A schema file larger than this is refused at load.
inline constexpr std::size_t kMaxSchemaFileBytes = 4 * 1024 * 1024;

/// A compiled, immutable JSON Schema draft 7; shared by every worker.
class JsonSchema {
 public:
  /// Compiles a schema document. On failure returns null and sets `error` to what is wrong
  /// and where (a byte offset for JSON, a JSON Pointer for a keyword).
  static std::shared_ptr<const JsonSchema> compile(std::string_view text, std::string& error);

  ~JsonSchema();
  JsonSchema(const JsonSchema&) = delete;
  JsonSchema& operator=(const JsonSchema&) = delete;

  /// True when `instance` satisfies the schema. Otherwise fills `errors` with at most
  /// kMaxSchemaErrors violations, most specific first, and returns false. `instance` may be
  /// changed first: integers past 2^63 become doubles (see schema.cpp).
  bool validate(boost::json::value& instance, std::vector<http::ProblemError>& errors) const;

  /// The compiled walk that decides (schema_program.hpp); null when the schema uses what it
  /// does not run, and valijson decides alone.
  const SchemaProgram* program() const;

  /// How many `pattern`/`patternProperties` regexes it compiled (RE2).
  std::size_t regex_count() const;

 private:
  struct Impl;
  explicit JsonSchema(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// The RFC 6901 pointer of a valijson context (`<root>`, then `[name]` or `[index]` per step).
std::string pointer_of(const std::vector<std::string>& context);

/// rampart's message for a valijson error description: names the failed constraint (and the
/// schema's own bound or property name where that helps), never the instance's value.
std::string message_of(std::string_view description);

}  // namespace rampart::policies
