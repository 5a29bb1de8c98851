#pragma once
// The result model of an audit: one Check per question a probe asks of the service. A Check
// that failed is a finding; one the probe could not answer is "undecided" and never scored.

#include <string>
#include <string_view>
#include <vector>

namespace rampart::audit {

/// The field reports' three headings that a probe from outside can judge.
enum class Category { security, reliability, observability };

/// As the field reports grade their issues.
enum class Severity { critical, high, medium, low };

/// What a probe concluded. `not_applicable` (e.g. HSTS over http://) is neither scored nor
/// listed as a finding.
enum class Outcome { pass, fail, undecided, not_applicable };

/// One question, its answer and the proof: the request line and a masked response excerpt.
struct Check {
  std::string id;  ///< stable, e.g. "SEC-CORS-REFLECT"; see catalog.cpp and docs/audit.md
  Outcome outcome = Outcome::undecided;
  std::string detail;    ///< one sentence: what was seen (or why undecided)
  std::string evidence;  ///< request and response excerpt, secrets masked; may be empty
};

std::string_view to_string(Category category);
std::string_view to_string(Severity severity);
std::string_view to_string(Outcome outcome);

/// Appends a check; the helpers keep each probe's code to the question it asks.
void add_pass(std::vector<Check>& out, std::string id, std::string detail,
              std::string evidence = {});
void add_fail(std::vector<Check>& out, std::string id, std::string detail, std::string evidence);
void add_undecided(std::vector<Check>& out, std::string id, std::string why);
void add_not_applicable(std::vector<Check>& out, std::string id, std::string why);

}  // namespace rampart::audit
