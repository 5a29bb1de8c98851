#include "policies/body/valijson_safe.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <set>
#include <string_view>
#include <vector>

#include "policies/body/json_formats.hpp"

namespace rampart::policies {

namespace constraints = valijson::constraints;
namespace adapters = valijson::adapters;
using valijson::ValidationResults;

namespace {

// Set by RegexScope around one validate() on this thread (see the header for why).
thread_local const RegexTable* current_regexes = nullptr;

}  // namespace

RegexScope::RegexScope(const RegexTable& table) : previous_(current_regexes) {
  current_regexes = &table;
}

RegexScope::~RegexScope() { current_regexes = previous_; }

namespace {

/// The compiled pattern, or null when the schema being validated did not compile it (which
/// the loader prevents: every pattern of a schema is compiled at load).
const re2::RE2* find_regex(const std::string& pattern) {
  if (current_regexes == nullptr) {
    return nullptr;
  }
  auto it = current_regexes->find(pattern);
  return it == current_regexes->end() ? nullptr : it->second.get();
}

/// valijson's three formats, without std::regex; other formats are not asserted (draft 7
/// makes format an annotation unless a validator opts in).
template <typename Visitor, typename Adapter>
bool check_format(const Adapter& target, const constraints::FormatConstraint& constraint,
                  const std::vector<std::string>& context, ValidationResults* results) {
  if (!target.isString()) {
    return true;
  }
  const std::string s = target.asString();
  const std::string format = constraint.getFormat();
  const bool ok = matches_format(format, s);
  if (!ok && results != nullptr) {
    results->pushError(context, "String should be a valid " + format);
  }
  return ok;
}

template <typename Adapter>
bool check_pattern(const Adapter& target, const constraints::PatternConstraint& constraint,
                   const std::vector<std::string>& context, ValidationResults* results) {
  if (!target.isString()) {
    return true;
  }
  const std::string pattern(constraint.getPattern<std::string::allocator_type>());
  const re2::RE2* regex = find_regex(pattern);
  // Fail closed: a pattern that was not compiled at load cannot be checked.
  if (regex == nullptr || !re2::RE2::PartialMatch(target.asString(), *regex)) {
    if (results != nullptr) {
      results->pushError(context, "Failed to match regex specified by 'pattern' constraint.");
    }
    return false;
  }
  return true;
}

/// A canonical text of a JSON value, equal for values JSON Schema calls equal (1 and 1.0,
/// objects whatever their key order), so that uniqueness is a sort, not a pairwise compare.
void canonical(const adapters::BoostJsonAdapter& value, std::string& out) {
  if (value.isNull()) {
    out += 'z';
  } else if (value.isBool()) {
    out += value.asBool() ? 't' : 'f';
  } else if (value.isString()) {
    const std::string s = value.asString();
    out += 's';
    out += std::to_string(s.size());
    out += ':';
    out += s;
  } else if (value.isInteger()) {
    out += 'n';
    out += std::to_string(value.asInteger());
  } else if (value.isDouble()) {
    const double d = value.asDouble();
    out += 'n';
    if (std::trunc(d) == d && std::fabs(d) < 9.2e18) {
      out += std::to_string(static_cast<std::int64_t>(d));
    } else {
      char buffer[32];
      std::snprintf(buffer, sizeof(buffer), "%.17g", d);
      out += buffer;
    }
  } else if (value.isArray()) {
    out += '[';
    for (const auto& item : value.asArray()) {
      canonical(item, out);
      out += ',';
    }
    out += ']';
  } else if (value.isObject()) {
    std::vector<std::string> members;
    for (const auto& member : value.asObject()) {
      std::string text = std::to_string(member.first.size()) + ':' + member.first;
      canonical(member.second, text);
      members.push_back(std::move(text));
    }
    std::sort(members.begin(), members.end());
    out += '{';
    for (const auto& member : members) {
      out += member;
      out += ',';
    }
    out += '}';
  }
}

}  // namespace

}  // namespace rampart::policies

namespace valijson {

using rampart::policies::check_format;
using rampart::policies::check_pattern;

// valijson's own, with the error budget checked on the way into each subschema.
template <>
bool BoostVisitor::validateSchema(const Subschema& subschema) {
  if (m_results != nullptr && m_results->numErrors() >= rampart::policies::kErrorBudget) {
    throw rampart::policies::ErrorBudgetSpent{};
  }
  if (subschema.getAlwaysInvalid()) {
    return false;
  }
  Subschema::ApplyFunction fn(
      std::bind(validationCallback, std::placeholders::_1, std::ref(*this)));
  return m_results == nullptr ? subschema.applyStrict(fn) : subschema.apply(fn);
}

template <>
bool BoostVisitor::visit(const constraints::PatternConstraint& constraint) {
  return check_pattern(m_target, constraint, m_context, m_results);
}

template <>
bool StringVisitor::visit(const constraints::PatternConstraint& constraint) {
  return check_pattern(m_target, constraint, m_context, m_results);
}

template <>
bool BoostVisitor::visit(const constraints::FormatConstraint& constraint) {
  return check_format<BoostVisitor>(m_target, constraint, m_context, m_results);
}

template <>
bool StringVisitor::visit(const constraints::FormatConstraint& constraint) {
  return check_format<StringVisitor>(m_target, constraint, m_context, m_results);
}

// valijson's own, with patternProperties matched by RE2 and each unwanted property reported
// at its own location (valijson reports the object, with the client's key in the message).
template <>
bool BoostVisitor::visit(const constraints::PropertiesConstraint& constraint) {
  if (!m_target.isObject()) {
    return true;
  }
  bool validated = true;
  std::set<std::string> matched;
  const auto object = m_target.asObject();
  constraint.applyToProperties(
      ValidatePropertySubschemas(object, m_context, true, m_results != nullptr, true, m_strictTypes,
                                 m_results, &matched, &validated, m_regexesCache));
  if (!validated && m_results == nullptr) {
    return false;
  }
  constraint.applyToPatternProperties([&](const auto& pattern, const Subschema* subschema) {
    const re2::RE2* regex = rampart::policies::find_regex(std::string(pattern.c_str()));
    for (const auto member : object) {
      if (regex != nullptr && !re2::RE2::PartialMatch(member.first, *regex)) {
        continue;
      }
      matched.insert(member.first);
      std::vector<std::string> context = m_context;
      context.push_back("[" + member.first + "]");
      BoostVisitor validator(member.second, context, m_strictTypes, m_results, m_regexesCache);
      // Fail closed on a pattern not compiled at load: every property fails it.
      if (regex == nullptr || !validator.validateSchema(*subschema)) {
        validated = false;
        if (m_results == nullptr) {
          return false;
        }
      }
    }
    return true;
  });
  if (!validated && m_results == nullptr) {
    return false;
  }
  const Subschema* additional = constraint.getAdditionalPropertiesSubschema();
  for (const auto member : object) {
    if (matched.count(member.first) != 0) {
      continue;
    }
    std::vector<std::string> context = m_context;
    context.push_back("[" + member.first + "]");
    if (additional == nullptr) {
      if (m_results != nullptr) {
        m_results->pushError(context, "Object contains a property that could not be validated");
      }
      validated = false;
    } else {
      BoostVisitor validator(member.second, context, m_strictTypes, m_results, m_regexesCache);
      validated = validator.validateSchema(*additional) && validated;
    }
    if (!validated && m_results == nullptr) {
      return false;
    }
  }
  return validated;
}

template <>
bool BoostVisitor::visit(const constraints::UniqueItemsConstraint&) {
  if (!m_target.isArray()) {
    return true;
  }
  std::vector<std::pair<std::string, std::size_t>> items;
  items.reserve(m_target.getArraySize());
  std::size_t index = 0;
  for (const auto& item : m_target.asArray()) {
    std::string text;
    rampart::policies::canonical(item, text);
    items.emplace_back(std::move(text), index++);
  }
  std::sort(items.begin(), items.end());
  // One error, at the later of the first duplicate pair found: not one per pair.
  for (std::size_t i = 1; i < items.size(); ++i) {
    if (items[i].first == items[i - 1].first) {
      if (m_results != nullptr) {
        std::vector<std::string> context = m_context;
        context.push_back("[" + std::to_string(items[i].second) + "]");
        m_results->pushError(context, "Elements violate uniqueness constraint.");
      }
      return false;
    }
  }
  return true;
}

}  // namespace valijson
