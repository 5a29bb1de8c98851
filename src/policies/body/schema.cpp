#include "policies/body/schema.hpp"

// First: it sets how valijson reports errors, before any valijson header is seen.
#include <boost/json/stream_parser.hpp>
#include <exception>
#include <unordered_map>

#include "policies/body/schema_program.hpp"
#include "policies/body/valijson_safe.hpp"

namespace rampart::policies {

struct JsonSchema::Impl {
  valijson::Schema schema;
  RegexTable regexes;
  std::unique_ptr<const SchemaProgram> program;
};

namespace {

std::string escaped(std::string_view token) {
  std::string out;
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

/// Keywords whose values are data, not schemas: a `$ref` or `pattern` inside is not one.
bool holds_data(std::string_view key) {
  return key == "enum" || key == "const" || key == "default" || key == "examples";
}

/// Refuses every `$ref` that leaves the document and compiles every regex, before valijson
/// sees the schema: valijson would try to fetch the former, and compile the latter with
/// std::regex.
class SchemaWalk {
 public:
  SchemaWalk(RegexTable& regexes, std::string& error) : regexes_(regexes), error_(error) {}

  bool walk(const boost::json::value& node, const std::string& at) {
    if (const auto* array = node.if_array()) {
      for (std::size_t i = 0; i < array->size(); ++i) {
        if (!walk((*array)[i], at + "/" + std::to_string(i))) {
          return false;
        }
      }
      return true;
    }
    const auto* object = node.if_object();
    if (object == nullptr) {
      return true;
    }
    for (const auto& [key, value] : *object) {
      const std::string here = at + "/" + escaped(key);
      if (holds_data(key)) {
        continue;
      }
      if (key == "$ref" && value.is_string() && !value.get_string().starts_with("#")) {
        error_ = "$ref \"" + std::string(value.get_string()) + "\" at " + here +
                 " is not inside the schema file: rampart fetches no URL and reads no other "
                 "file; move what it names under `definitions` and refer to it as "
                 "\"#/definitions/...\"";
        return false;
      }
      if (key == "pattern" && value.is_string() && !compile(value.get_string(), here)) {
        return false;
      }
      if (key == "patternProperties" && value.is_object()) {
        for (const auto& member : value.get_object()) {
          if (!compile(member.key(), here + "/" + escaped(member.key()))) {
            return false;
          }
        }
      }
      if (!walk(value, here)) {
        return false;
      }
    }
    return true;
  }

 private:
  bool compile(std::string_view pattern, const std::string& at) {
    const std::string source(pattern);
    if (regexes_.count(source) != 0) {
      return true;
    }
    re2::RE2::Options options;
    options.set_log_errors(false);
    auto regex = std::make_unique<const re2::RE2>(source, options);
    if (!regex->ok()) {
      error_ = "the pattern at " + at +
               " is not a regular expression rampart can run (RE2: " + regex->error() +
               "); RE2 has no backreferences or lookaround, which is what keeps matching "
               "linear in time";
      return false;
    }
    regexes_.emplace(source, std::move(regex));
    return true;
  }

  RegexTable& regexes_;
  std::string& error_;
};

/// valijson's Boost.JSON adapter knows int64 and double numbers only: a uint64 (an integer
/// from 2^63 to 2^64-1, which Boost.JSON keeps exact) is neither, so it failed `type: number`
/// and slipped past `maximum`, `multipleOf` and the other numeric bounds (found by the
/// json_check fuzz target). As a double it is compared as a number; `type: integer` refuses
/// it, as valijson refuses every double (fail closed). The document is the validator's own
/// copy: the body goes upstream byte for byte. The schema's numbers are widened the same way.
void widen_unsigned(boost::json::value& value) {
  if (value.is_uint64()) {
    value = static_cast<double>(value.get_uint64());
  } else if (auto* array = value.if_array()) {
    for (auto& item : *array) {
      widen_unsigned(item);
    }
  } else if (auto* object = value.if_object()) {
    for (auto& member : *object) {
      widen_unsigned(member.value());
    }
  }
}

/// Parses `text` as one JSON value; on failure says why and at which byte.
bool parse_document(std::string_view text, boost::json::value& out, std::string& error) {
  boost::json::parse_options options;
  options.max_depth = 256;
  boost::json::stream_parser parser({}, options);
  boost::json::error_code ec;
  const std::size_t consumed = parser.write_some(text.data(), text.size(), ec);
  if (!ec && consumed < text.size()) {
    ec = boost::json::error::extra_data;
  }
  if (!ec) {
    parser.finish(ec);
  }
  if (ec) {
    error = "is not JSON (" + ec.message() + " at byte " + std::to_string(consumed) + ")";
    return false;
  }
  out = parser.release();
  return true;
}

}  // namespace

JsonSchema::JsonSchema(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
JsonSchema::~JsonSchema() = default;

std::size_t JsonSchema::regex_count() const { return impl_->regexes.size(); }

const SchemaProgram* JsonSchema::program() const { return impl_->program.get(); }

std::shared_ptr<const JsonSchema> JsonSchema::compile(std::string_view text, std::string& error) {
  boost::json::value document;
  if (!parse_document(text, document, error)) {
    return nullptr;
  }
  if (!document.is_object() && !document.is_bool()) {
    error = "is not a JSON Schema: the document must be an object (or true/false)";
    return nullptr;
  }
  // The schema's own numbers as the instance's will be (a bound or an enum value past 2^63).
  widen_unsigned(document);
  auto impl = std::make_unique<Impl>();
  SchemaWalk walk(impl->regexes, error);
  if (!walk.walk(document, "")) {
    return nullptr;
  }
  // Before valijson sees it: valijson's parser recurses for ever on a `$ref` cycle that never
  // moves into the body ({"$ref": "#"} crashed `rampart check`, and a reload).
  std::string unsupported;
  bool refuse = false;
  impl->program = SchemaProgram::compile(document, unsupported, refuse);
  if (refuse) {
    error = "cannot be validated: " + unsupported;
    return nullptr;
  }
  try {
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    valijson::adapters::BoostJsonAdapter adapter(document);
    parser.populateSchema(adapter, impl->schema);
  } catch (const std::exception& e) {
    error = std::string("is not a valid JSON Schema draft 7 (valijson: ") + e.what() + ")";
    return nullptr;
  }
  return std::shared_ptr<const JsonSchema>(new JsonSchema(std::move(impl)));
}

namespace {

/// valijson's errors that only say "a child failed" above the child's own error.
bool is_wrapper(std::string_view description) {
  return description.starts_with("Failed to validate item #") ||
         description.starts_with("Failed to validate against schema associated with") ||
         description.starts_with("Failed to validate against additional properties schema") ||
         description.starts_with("Failed to validate against child schema");
}

}  // namespace

bool JsonSchema::validate(boost::json::value& instance,
                          std::vector<http::ProblemError>& errors) const {
  widen_unsigned(instance);
  using Visitor = valijson::ValidationVisitor<valijson::adapters::BoostJsonAdapter>;
  RegexScope scope(impl_->regexes);
  std::unordered_map<std::string, std::regex> unused;  // valijson's; the RE2 table replaces it
  const valijson::adapters::BoostJsonAdapter target(instance);
  valijson::ValidationResults results;
  try {
    // Stops at the first violation: a valid body (the usual case) pays for no error text.
    Visitor first_failure(target, {"<root>"}, true, nullptr, unused);
    if (first_failure.validateSchema(impl_->schema)) {
      return true;
    }
    Visitor all_failures(target, {"<root>"}, true, &results, unused);
    all_failures.validateSchema(impl_->schema);
  } catch (const ErrorBudgetSpent&) {
    // Enough recorded: the body is invalid (the first pass said so); report those.
  } catch (const std::exception&) {
    errors.push_back({"", "could not be validated against the schema"});
    return false;
  }
  std::vector<http::ProblemError> wrappers;
  valijson::ValidationResults::Error error;
  while (results.popError(error) && errors.size() < kMaxSchemaErrors) {
    http::ProblemError entry{pointer_of(error.context), message_of(error.description)};
    auto& into = is_wrapper(error.description) ? wrappers : errors;
    bool seen = false;
    for (const auto& e : into) {
      seen = seen || (e.pointer == entry.pointer && e.message == entry.message);
    }
    if (!seen) {
      into.push_back(std::move(entry));
    }
  }
  if (errors.empty()) {
    // Only wrappers (not expected): say where, in general terms.
    errors = wrappers.empty() ? std::vector<http::ProblemError>{{"", "does not match the schema"}}
                              : std::move(wrappers);
    if (errors.size() > kMaxSchemaErrors) {
      errors.resize(kMaxSchemaErrors);
    }
  }
  return false;
}

}  // namespace rampart::policies
