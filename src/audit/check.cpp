#include "audit/check.hpp"

#include <utility>

namespace rampart::audit {

std::string_view to_string(Category category) {
  switch (category) {
    case Category::security:
      return "security";
    case Category::reliability:
      return "reliability";
    case Category::observability:
      return "observability";
  }
  return "security";
}

std::string_view to_string(Severity severity) {
  switch (severity) {
    case Severity::critical:
      return "critical";
    case Severity::high:
      return "high";
    case Severity::medium:
      return "medium";
    case Severity::low:
      return "low";
  }
  return "low";
}

std::string_view to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::pass:
      return "pass";
    case Outcome::fail:
      return "fail";
    case Outcome::undecided:
      return "undecided";
    case Outcome::not_applicable:
      return "not_applicable";
  }
  return "undecided";
}

void add_pass(std::vector<Check>& out, std::string id, std::string detail, std::string evidence) {
  out.push_back(Check{std::move(id), Outcome::pass, std::move(detail), std::move(evidence)});
}

void add_fail(std::vector<Check>& out, std::string id, std::string detail, std::string evidence) {
  out.push_back(Check{std::move(id), Outcome::fail, std::move(detail), std::move(evidence)});
}

void add_undecided(std::vector<Check>& out, std::string id, std::string why) {
  out.push_back(Check{std::move(id), Outcome::undecided, std::move(why), {}});
}

void add_not_applicable(std::vector<Check>& out, std::string id, std::string why) {
  out.push_back(Check{std::move(id), Outcome::not_applicable, std::move(why), {}});
}

}  // namespace rampart::audit
