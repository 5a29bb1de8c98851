// SchemaProgram::compile: a draft 7 schema document to the program's node table.

#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "policies/body/pattern_dfa.hpp"
#include "policies/body/schema_node.hpp"

namespace rampart::policies {

namespace {

std::optional<long double> number_of(const boost::json::value& v) {
  if (v.is_int64()) {
    return static_cast<long double>(v.get_int64());
  }
  if (v.is_uint64()) {
    return static_cast<long double>(v.get_uint64());
  }
  if (v.is_double()) {
    return static_cast<long double>(v.get_double());
  }
  return std::nullopt;
}

/// A non-negative integer keyword (`maxLength`, `minItems`, ...); 2.0 counts, as valijson's.
std::optional<std::uint64_t> count_of(const boost::json::value& v) {
  if (v.is_int64() && v.get_int64() >= 0) {
    return static_cast<std::uint64_t>(v.get_int64());
  }
  if (v.is_uint64()) {
    return v.get_uint64();
  }
  if (v.is_double() && v.get_double() >= 0 && std::trunc(v.get_double()) == v.get_double() &&
      v.get_double() < 1.8e19) {
    return static_cast<std::uint64_t>(v.get_double());
  }
  return std::nullopt;
}

std::uint8_t type_bit(std::string_view name) {
  if (name == "null") {
    return kTypeNull;
  }
  if (name == "boolean") {
    return kTypeBoolean;
  }
  if (name == "integer") {
    return kTypeInteger;
  }
  if (name == "number") {
    return kTypeNumber;  // an integer's bits hold both
  }
  if (name == "string") {
    return kTypeString;
  }
  if (name == "array") {
    return kTypeArray;
  }
  if (name == "object") {
    return kTypeObject;
  }
  return 0;
}

/// The value a `#...` reference names (RFC 6901 after percent-decoding), or null.
const boost::json::value* resolve(const boost::json::value& root, std::string_view ref) {
  std::string fragment;
  for (std::size_t i = 1; i < ref.size(); ++i) {
    if (ref[i] == '%' && i + 2 < ref.size() &&
        std::isxdigit(static_cast<unsigned char>(ref[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(ref[i + 2]))) {
      fragment += static_cast<char>(std::stoi(std::string(ref.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      fragment += ref[i];
    }
  }
  if (fragment.empty()) {
    return &root;
  }
  if (fragment[0] != '/') {
    return nullptr;  // a name given by `$id`: valijson's to resolve
  }
  boost::system::error_code ec;
  const auto* found = root.find_pointer(fragment, ec);
  return ec ? nullptr : found;
}

}  // namespace

class SchemaProgram::Compiler {
 public:
  /// `ids_from_root`: a nested `$id` does not stop the compiler, and every `#` reference is
  /// resolved against the document's root, as valijson resolves them.
  Compiler(SchemaProgram& program, const boost::json::value& root, std::string& error,
           bool ids_from_root = false)
      : program_(program), root_(root), error_(error), ids_from_root_(ids_from_root) {}

  bool saw_nested_id() const { return saw_nested_id_; }

  /// The index of the node for `schema`, compiling it first if needed; kNoSchema on error.
  std::int32_t compile(const boost::json::value& schema, const std::string& at) {
    if (auto it = done_.find(&schema); it != done_.end()) {
      return it->second;
    }
    const auto index = static_cast<std::int32_t>(program_.nodes_.size());
    program_.nodes_.emplace_back();
    done_.emplace(&schema, index);
    Node node;
    if (schema.is_bool()) {
      node.never = !schema.get_bool();
    } else if (!schema.is_object()) {
      return fail("the schema at " + at + " is neither an object nor a boolean");
    } else if (!fill(node, schema.get_object(), at)) {
      return kNoSchema;
    }
    program_.nodes_[static_cast<std::size_t>(index)] = std::move(node);
    return index;
  }

  /// Refuses a cycle of subschemas that all apply to the same value (a `$ref` to an
  /// ancestor through `allOf`, `not`, ... only): it would recurse for ever.
  bool no_idle_cycle() {
    std::vector<std::uint8_t> state(program_.nodes_.size(), 0);  // 0 new, 1 open, 2 done
    for (std::size_t i = 0; i < state.size(); ++i) {
      if (!visit(i, state)) {
        return false;
      }
    }
    return true;
  }

 private:
  std::int32_t fail(std::string message) {
    if (error_.empty()) {
      error_ = std::move(message);
    }
    return kNoSchema;
  }

  bool bad(std::string message) {
    fail(std::move(message));
    return false;
  }

  std::int32_t sub(const boost::json::value& v, const std::string& at) { return compile(v, at); }

  bool list(const boost::json::value& v, const std::string& at, std::vector<std::int32_t>& out) {
    if (!v.is_array() || v.get_array().empty()) {
      fail(at + " must be a non-empty array of schemas");
      return false;
    }
    std::size_t i = 0;
    for (const auto& item : v.get_array()) {
      out.push_back(sub(item, at + "/" + std::to_string(i++)));
      if (out.back() == kNoSchema) {
        return false;
      }
    }
    return true;
  }

  /// A count keyword (`minItems`, `maxProperties`, ...), when the schema has it: into `out`,
  /// and `used` set.
  bool counts(const boost::json::object& schema, const std::string& at, const char* key,
              std::uint64_t& out, bool& used) {
    const auto* v = schema.if_contains(key);
    if (v == nullptr) {
      return true;
    }
    const auto n = count_of(*v);
    if (!n) {
      return bad(at + "/" + key + " must be a non-negative integer");
    }
    out = *n;
    used = true;
    return true;
  }

  bool strings(const boost::json::value& v, const std::string& at, std::vector<std::string>& out) {
    if (!v.is_array()) {
      fail(at + " must be an array of strings");
      return false;
    }
    for (const auto& item : v.get_array()) {
      if (!item.is_string()) {
        fail(at + " must be an array of strings");
        return false;
      }
      out.emplace_back(item.get_string());
    }
    return true;
  }

  SchemaPattern regex(std::string_view source, const std::string& at) {
    re2::RE2::Options options;
    options.set_log_errors(false);
    auto compiled = std::make_unique<const re2::RE2>(std::string(source), options);
    if (!compiled->ok()) {
      fail("the pattern at " + at + " is not one RE2 runs");
      return {};
    }
    program_.regexes_.push_back(std::move(compiled));
    SchemaPattern pattern{program_.regexes_.back().get(), nullptr};
    if (auto dfa = PatternDfa::compile(source)) {
      program_.dfas_.push_back(std::move(dfa));
      pattern.dfa = program_.dfas_.back().get();
    }
    return pattern;
  }

  bool fill(Node& node, const boost::json::object& schema, const std::string& at);
  bool fill_numbers(Node& node, std::string_view key, const boost::json::value& v,
                    const std::string& here);
  bool fill_arrays(Node& node, const boost::json::object& schema, const std::string& at);
  bool fill_objects(Node& node, const boost::json::object& schema, const std::string& at);

  bool visit(std::size_t i, std::vector<std::uint8_t>& state) {
    if (state[i] == 2) {
      return true;
    }
    if (state[i] == 1) {
      fail(
          "a $ref cycle: a subschema refers back to itself without moving into the body, so "
          "validating would never end");
      return false;
    }
    state[i] = 1;
    const Node& n = program_.nodes_[i];
    std::vector<std::int32_t> next{n.ref, n.negated, n.when, n.then, n.otherwise};
    next.insert(next.end(), n.all_of.begin(), n.all_of.end());
    next.insert(next.end(), n.any_of.begin(), n.any_of.end());
    next.insert(next.end(), n.one_of.begin(), n.one_of.end());
    for (const auto& d : n.dependencies) {
      next.push_back(d.schema);
    }
    for (auto j : next) {
      if (j != kNoSchema && !visit(static_cast<std::size_t>(j), state)) {
        return false;
      }
    }
    state[i] = 2;
    return true;
  }

  SchemaProgram& program_;
  const boost::json::value& root_;
  std::string& error_;
  std::unordered_map<const boost::json::value*, std::int32_t> done_;
  bool ids_from_root_ = false;
  bool saw_nested_id_ = false;
};

bool SchemaProgram::Compiler::fill(Node& node, const boost::json::object& schema,
                                   const std::string& at) {
  if (const auto* ref = schema.if_contains("$ref")) {
    if (!ref->is_string() || !ref->get_string().starts_with("#")) {
      return bad("the $ref at " + at + " is not inside the document");
    }
    const auto* target = resolve(root_, ref->get_string());
    if (target == nullptr) {
      return bad("the $ref at " + at + " names no subschema by pointer");
    }
    node.ref = sub(*target, std::string(ref->get_string()));
    return node.ref != kNoSchema;  // draft 7: the rest of the object is ignored
  }
  if (!ids_from_root_ && schema.contains("$id") && &schema != root_.if_object()) {
    // A nested $id moves the base of the `#` references under it: valijson's to follow.
    saw_nested_id_ = true;
    return bad("the $id at " + at + " changes the base of references");
  }
  for (const auto& member : schema) {
    const std::string_view key = member.key();
    const auto& v = member.value();
    const std::string here = at + "/" + std::string(key);
    if (key == "type") {
      if (v.is_string()) {
        node.types = type_bit(v.get_string());
      } else if (v.is_array()) {
        for (const auto& t : v.get_array()) {
          node.types |= t.is_string() ? type_bit(t.get_string()) : 0;
        }
      }
      if (node.types == 0) {
        return bad(here + " names no type");
      }
    } else if (!fill_numbers(node, key, v, here)) {
      return false;
    } else if (key == "minLength" || key == "maxLength") {
      const auto n = count_of(v);
      if (!n) {
        return bad(here + " must be a non-negative integer");
      }
      (key == "minLength" ? node.min_length : node.max_length) = *n;
      node.textual = true;
    } else if (key == "pattern" && v.is_string()) {
      node.pattern = regex(v.get_string(), here);
      node.textual = true;
      if (node.pattern.re2 == nullptr) {
        return false;
      }
    } else if (key == "format" && v.is_string()) {
      node.format = format_named(v.get_string());
      node.textual = node.textual || node.format != StringFormat::none;
    } else if (key == "const") {
      node.constant = v;
    } else if (key == "enum") {
      if (!v.is_array()) {
        return bad(here + " must be an array");
      }
      node.enumeration = v.get_array();
    } else if (key == "allOf" || key == "anyOf" || key == "oneOf") {
      auto& out = key == "allOf" ? node.all_of : key == "anyOf" ? node.any_of : node.one_of;
      if (!list(v, here, out)) {
        return false;
      }
      node.combined = true;
    } else if (key == "not" || key == "if" || key == "then" || key == "else") {
      auto& out = key == "not"    ? node.negated
                  : key == "if"   ? node.when
                  : key == "then" ? node.then
                                  : node.otherwise;
      out = sub(v, here);
      if (out == kNoSchema) {
        return false;
      }
      node.combined = true;
    }
  }
  return fill_arrays(node, schema, at) && fill_objects(node, schema, at);
}

bool SchemaProgram::Compiler::fill_numbers(Node& node, std::string_view key,
                                           const boost::json::value& v, const std::string& here) {
  std::optional<long double>* bound = key == "minimum"            ? &node.minimum
                                      : key == "maximum"          ? &node.maximum
                                      : key == "exclusiveMinimum" ? &node.exclusive_minimum
                                      : key == "exclusiveMaximum" ? &node.exclusive_maximum
                                                                  : nullptr;
  if (bound == nullptr && key != "multipleOf") {
    return true;
  }
  const auto n = number_of(v);
  if (!n) {
    return bad(here + " must be a number");
  }
  if (bound != nullptr) {
    *bound = *n;
  } else if (*n <= 0) {
    return bad(here + " must be greater than 0");
  } else {
    node.multiple_of = static_cast<double>(*n);
  }
  node.numeric = true;
  return true;
}

bool SchemaProgram::Compiler::fill_arrays(Node& node, const boost::json::object& schema,
                                          const std::string& at) {
  if (!counts(schema, at, "minItems", node.min_items, node.listing) ||
      !counts(schema, at, "maxItems", node.max_items, node.listing)) {
    return false;
  }
  if (const auto* v = schema.if_contains("uniqueItems"); v != nullptr && v->is_bool()) {
    node.unique_items = v->get_bool();
    node.listing = node.listing || node.unique_items;
  }
  if (const auto* v = schema.if_contains("items")) {
    node.listing = true;
    if (v->is_array()) {
      node.tuple = true;
      std::size_t i = 0;
      for (const auto& item : v->get_array()) {
        node.tuple_items.push_back(sub(item, at + "/items/" + std::to_string(i++)));
        if (node.tuple_items.back() == kNoSchema) {
          return false;
        }
      }
      if (const auto* extra = schema.if_contains("additionalItems")) {
        node.additional_items = sub(*extra, at + "/additionalItems");
        if (node.additional_items == kNoSchema) {
          return false;
        }
      }
    } else if ((node.items = sub(*v, at + "/items")) == kNoSchema) {
      return false;
    }
  }
  if (const auto* v = schema.if_contains("contains")) {
    node.listing = true;
    if ((node.contains = sub(*v, at + "/contains")) == kNoSchema) {
      return false;
    }
  }
  return true;
}

bool SchemaProgram::Compiler::fill_objects(Node& node, const boost::json::object& schema,
                                           const std::string& at) {
  if (!counts(schema, at, "minProperties", node.min_properties, node.keyed) ||
      !counts(schema, at, "maxProperties", node.max_properties, node.keyed)) {
    return false;
  }
  if (const auto* v = schema.if_contains("required")) {
    node.keyed = true;
    if (!strings(*v, at + "/required", node.required)) {
      return false;
    }
  }
  if (const auto* v = schema.if_contains("properties"); v != nullptr && v->is_object()) {
    node.keyed = true;
    for (const auto& member : v->get_object()) {
      const auto s = sub(member.value(), at + "/properties/" + std::string(member.key()));
      if (s == kNoSchema) {
        return false;
      }
      node.properties.emplace_back(std::string(member.key()), s);
    }
    std::sort(node.properties.begin(), node.properties.end());
  }
  for (const auto& name : node.required) {
    auto it = std::lower_bound(node.properties.begin(), node.properties.end(), name,
                               [](const auto& p, const std::string& n) { return p.first < n; });
    const auto index = it - node.properties.begin();
    if (it != node.properties.end() && it->first == name && index < 64) {
      node.required_properties |= std::uint64_t{1} << index;
    } else {
      node.required_elsewhere.push_back(name);
    }
  }
  if (const auto* v = schema.if_contains("patternProperties"); v != nullptr && v->is_object()) {
    node.keyed = true;
    for (const auto& member : v->get_object()) {
      const std::string here = at + "/patternProperties/" + std::string(member.key());
      const auto re = regex(member.key(), here);
      const auto s = re.re2 == nullptr ? kNoSchema : sub(member.value(), here);
      if (s == kNoSchema) {
        return false;
      }
      node.pattern_properties.emplace_back(re, s);
    }
  }
  if (const auto* v = schema.if_contains("additionalProperties")) {
    node.keyed = true;
    if ((node.additional_properties = sub(*v, at + "/additionalProperties")) == kNoSchema) {
      return false;
    }
  }
  if (const auto* v = schema.if_contains("dependencies"); v != nullptr && v->is_object()) {
    node.keyed = true;
    for (const auto& member : v->get_object()) {
      Node::Dependency d{std::string(member.key()), {}, kNoSchema};
      const std::string here = at + "/dependencies/" + d.name;
      if (member.value().is_array() ? !strings(member.value(), here, d.required)
                                    : (d.schema = sub(member.value(), here)) == kNoSchema) {
        return false;
      }
      node.dependencies.push_back(std::move(d));
    }
  }
  if (const auto* v = schema.if_contains("propertyNames")) {
    node.keyed = true;
    if ((node.property_names = sub(*v, at + "/propertyNames")) == kNoSchema) {
      return false;
    }
  }
  return true;
}

SchemaProgram::SchemaProgram() = default;
SchemaProgram::~SchemaProgram() = default;

std::unique_ptr<const SchemaProgram> SchemaProgram::compile(const boost::json::value& schema,
                                                            std::string& error, bool& refuse) {
  refuse = false;
  error.clear();
  auto program = std::make_unique<SchemaProgram>();
  Compiler compiler(*program, schema, error);
  if (compiler.compile(schema, "#") == kNoSchema) {
    if (compiler.saw_nested_id()) {
      // valijson alone will run this schema, and it resolves every `#` reference against the
      // root whatever the `$id`s say: its parser and its validator recurse for ever on a cycle
      // that never moves into the body (the first request crashed the worker). Look for one
      // the way valijson will follow the references.
      SchemaProgram probe;
      std::string why;
      Compiler valijsons_reading(probe, schema, why, true);
      if (valijsons_reading.compile(schema, "#") != kNoSchema &&
          !valijsons_reading.no_idle_cycle()) {
        error = why;
        refuse = true;
      }
    }
    return nullptr;
  }
  if (!compiler.no_idle_cycle()) {
    refuse = true;
    return nullptr;
  }
  return program;
}

}  // namespace rampart::policies
