// What a 422 says about each violation. valijson's descriptions are not sent: some quote the
// client's property names, and their wording is valijson's. Each known description maps to a
// fixed message; the only text taken from it is a bound or a property name the schema itself
// set (digits, or the quoted name of a `required` property), never the instance's value.

#include <array>
#include <string>
#include <string_view>
#include <utility>

#include "policies/body/schema.hpp"

namespace rampart::policies {

namespace {

struct Mapping {
  std::string_view prefix;   ///< of valijson's description
  std::string_view message;  ///< ours; "{}" is replaced by the schema's bound
};

// Longest prefixes first where one starts another ("less than or equal" before "less than").
constexpr std::array kMessages{
    Mapping{"Value type not permitted", "has a type the schema does not allow"},
    Mapping{"String should be no more than", "must be at most {} characters long"},
    Mapping{"String should be no fewer than", "must be at least {} characters long"},
    Mapping{"Array should contain no more than", "must have at most {} items"},
    Mapping{"Array should contain no fewer than", "must have at least {} items"},
    Mapping{"Object should have no more than", "must have at most {} properties"},
    Mapping{"Object should have no fewer than", "must have at least {} properties"},
    Mapping{"Expected number less than or equal to", "is above the schema's maximum"},
    Mapping{"Expected number less than", "is not below the schema's exclusive maximum"},
    Mapping{"Expected number greater than or equal to", "is below the schema's minimum"},
    Mapping{"Expected number greater than", "is not above the schema's exclusive minimum"},
    Mapping{"Value should be a multiple of", "is not a multiple of the schema's multipleOf"},
    Mapping{"Value could not be converted", "is not a multiple of the schema's multipleOf"},
    Mapping{"Failed to match against any enum", "is not one of the values the schema allows"},
    Mapping{"Failed to match expected value set by 'const'",
            "is not the value the schema requires"},
    Mapping{"Failed to match regex", "does not match the schema's pattern"},
    Mapping{"Failed to validate against any schemas allowed by anyOf",
            "matches none of the schemas of anyOf"},
    Mapping{"Failed to validate against any child schemas allowed by oneOf",
            "matches none of the schemas of oneOf"},
    Mapping{"Failed to validate against exactly one child schema",
            "matches more than one of the schemas of oneOf"},
    Mapping{"Target should not validate", "matches the schema of not"},
    Mapping{"Failed to validate against a conditional schema",
            "does not satisfy the schema's if/then/else"},
    Mapping{"Failed to any values against subschema in 'contains'",
            "has no item that matches the schema of contains"},
    Mapping{"Array contains more items than allowed", "has more items than the schema allows"},
    Mapping{"Cannot validate item #", "has more items than the schema allows"},
    Mapping{"Missing dependency", "lacks a property that another property depends on"},
    Mapping{"Failed to validate against dependent schema",
            "does not satisfy the schema another property depends on"},
    Mapping{"Elements violate uniqueness", "repeats an earlier item: items must be unique"},
    Mapping{"Object contains a property", "is not a property the schema allows"},
    Mapping{"String should be a valid date-time", "is not a date-time"},
    Mapping{"String should be a valid date", "is not a date"},
    Mapping{"String should be a valid time", "is not a time"},
};

/// The first run of digits in `text` (a bound valijson printed from the schema), or "".
std::string_view first_number(std::string_view text) {
  const auto start = text.find_first_of("0123456789");
  if (start == std::string_view::npos) {
    return {};
  }
  const auto end = text.find_first_not_of("0123456789", start);
  return text.substr(start, end == std::string_view::npos ? text.size() - start : end - start);
}

}  // namespace

std::string message_of(std::string_view description) {
  static constexpr std::string_view kRequired = "Missing required property '";
  if (description.starts_with(kRequired)) {
    // The name is the schema's `required` entry (valijson prints it from the schema).
    auto name = description.substr(kRequired.size());
    const auto end = name.rfind('\'');
    name = name.substr(0, end == std::string_view::npos ? name.size() : end);
    return "is missing the required property \"" + std::string(name) + "\"";
  }
  for (const auto& mapping : kMessages) {
    if (!description.starts_with(mapping.prefix)) {
      continue;
    }
    std::string message(mapping.message);
    if (const auto at = message.find("{}"); at != std::string::npos) {
      message.replace(at, 2, first_number(description.substr(mapping.prefix.size())));
    }
    return message;
  }
  return "does not match the schema";
}

std::string pointer_of(const std::vector<std::string>& context) {
  std::string pointer;
  // context[0] is valijson's "<root>"; each step after it is "[name]" or "[index]".
  for (std::size_t i = 1; i < context.size(); ++i) {
    std::string_view step = context[i];
    if (step.size() >= 2 && step.front() == '[' && step.back() == ']') {
      step = step.substr(1, step.size() - 2);
    }
    pointer += '/';
    for (char c : step) {
      if (c == '~') {
        pointer += "~0";
      } else if (c == '/') {
        pointer += "~1";
      } else {
        pointer += c;
      }
    }
  }
  return pointer;
}

}  // namespace rampart::policies
