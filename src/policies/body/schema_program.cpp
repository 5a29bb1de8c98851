#include "policies/body/schema_program.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>

#include "policies/body/json_formats.hpp"
#include "policies/body/pattern_dfa.hpp"
#include "policies/body/schema_node.hpp"

namespace rampart::policies {

namespace {

bool is_number(const TapeNode& n) {
  return n.kind == JsonKind::int64 || n.kind == JsonKind::uint64 || n.kind == JsonKind::real;
}

long double number_of(const TapeNode& n) {
  switch (n.kind) {
    case JsonKind::int64:
      return static_cast<long double>(n.int64);
    case JsonKind::uint64:
      return static_cast<long double>(n.uint64);
    default:
      return static_cast<long double>(n.real);
  }
}

std::uint8_t type_bits(const TapeNode& n) {
  switch (n.kind) {
    case JsonKind::null:
      return kTypeNull;
    case JsonKind::boolean:
      return kTypeBoolean;
    case JsonKind::int64:
    case JsonKind::uint64:
      return kTypeInteger | kTypeNumber;
    case JsonKind::real:
      return kTypeNumber;
    case JsonKind::string:
      return kTypeString;
    case JsonKind::array:
      return kTypeArray;
    case JsonKind::object:
      return kTypeObject;
  }
  return 0;
}

std::uint64_t code_points(std::string_view s) {
  std::uint64_t n = 0;
  for (char c : s) {
    n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;  // not a continuation byte
  }
  return n;
}

bool multiple(const TapeNode& n, double divisor) {
  // Integers against an integral divisor: exactly, past 2^53 too.
  if (divisor < 9.2e18 && std::trunc(divisor) == divisor) {
    const auto d = static_cast<std::uint64_t>(divisor);
    if (n.kind == JsonKind::int64) {
      return n.int64 % static_cast<std::int64_t>(d) == 0;
    }
    if (n.kind == JsonKind::uint64) {
      return n.uint64 % d == 0;
    }
  }
  const double value = static_cast<double>(number_of(n));
  if (value == 0) {
    return true;
  }
  // valijson's test, which the suite's 0.0075 / 0.0001 needs: a remainder within epsilon.
  return std::fabs(std::remainder(value, divisor)) <= std::numeric_limits<double>::epsilon();
}

std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  return x ^ (x >> 33);
}

std::uint64_t hash_real(double d) {
  if (d == 0) {
    d = 0;  // -0.0 equals 0.0
  }
  std::uint64_t bits = 0;
  std::memcpy(&bits, &d, sizeof bits);
  return mix(bits);
}

/// A hash equal for values JSON Schema calls equal: an integer and a double of the same
/// value hash alike; an integer no double can hold hashes apart from every double.
std::uint64_t hash_integer(long double value, std::uint64_t bits) {
  const auto d = static_cast<double>(value);
  return static_cast<long double>(d) == value ? hash_real(d) : mix(bits ^ 0x9e3779b97f4a7c15ULL);
}

bool matches(const SchemaPattern& pattern, std::string_view s) {
  if (pattern.dfa != nullptr) {
    return pattern.dfa->search(s);
  }
  return re2::RE2::PartialMatch(re2::StringPiece(s.data(), s.size()), *pattern.re2);
}

thread_local std::vector<std::pair<std::uint64_t, std::uint32_t>> unique_scratch;

}  // namespace

class SchemaProgram::Walk {
 public:
  Walk(const SchemaProgram& program, const JsonTape& tape) : p_(program), t_(tape) {}

  bool spent = false;

  bool ok(std::int32_t schema, std::uint32_t at, unsigned depth) {
    if (spent || ++steps_ > kMaxSchemaSteps || depth > kMaxSchemaNesting) {
      spent = true;
      return false;
    }
    const Node& s = p_.nodes_[static_cast<std::size_t>(schema)];
    if (s.ref != kNoSchema) {
      return ok(s.ref, at, depth + 1);
    }
    if (s.never) {
      return false;
    }
    const TapeNode& v = t_.nodes[at];
    if (s.types != 0 && (s.types & type_bits(v)) == 0) {
      return false;
    }
    switch (v.kind) {
      case JsonKind::int64:
      case JsonKind::uint64:
      case JsonKind::real:
        if (s.numeric && !numbers(s, v)) {
          return false;
        }
        break;
      case JsonKind::string:
        if (s.textual && !text(s, t_.string(at))) {
          return false;
        }
        break;
      case JsonKind::array:
        if (s.listing && !list(s, at, depth)) {
          return false;
        }
        break;
      case JsonKind::object:
        if (s.keyed && !keyed(s, at, depth)) {
          return false;
        }
        break;
      default:
        break;
    }
    if (s.constant && !equal(*s.constant, at)) {
      return false;
    }
    if (s.enumeration && std::none_of(s.enumeration->begin(), s.enumeration->end(),
                                      [&](const auto& e) { return equal(e, at); })) {
      return false;
    }
    return !s.combined || combined(s, at, depth);
  }

 private:
  static bool numbers(const Node& s, const TapeNode& v) {
    const long double x = number_of(v);
    return !(s.minimum && x < *s.minimum) && !(s.maximum && x > *s.maximum) &&
           !(s.exclusive_minimum && x <= *s.exclusive_minimum) &&
           !(s.exclusive_maximum && x >= *s.exclusive_maximum) &&
           !(s.multiple_of && !multiple(v, *s.multiple_of));
  }

  static bool text(const Node& s, std::string_view value) {
    // A string of n bytes holds n/4 to n code points: count them only when that range
    // straddles a bound.
    if ((value.size() + 3) / 4 < s.min_length || value.size() > s.max_length) {
      const auto n = code_points(value);
      if (n < s.min_length || n > s.max_length) {
        return false;
      }
    }
    if (s.pattern.re2 != nullptr && !matches(s.pattern, value)) {
      return false;
    }
    return s.format == StringFormat::none || matches_format(s.format, value);
  }

  bool list(const Node& s, std::uint32_t at, unsigned depth) {
    const TapeNode& a = t_.nodes[at];
    if (a.size < s.min_items || a.size > s.max_items) {
      return false;
    }
    bool contained = s.contains == kNoSchema;
    std::uint32_t item = at + 1;
    for (std::size_t i = 0; i < a.size; ++i, item = t_.next(item)) {
      std::int32_t each = s.items;
      if (s.tuple) {
        each = i < s.tuple_items.size() ? s.tuple_items[i] : s.additional_items;
      }
      if (each != kNoSchema && !ok(each, item, depth + 1)) {
        return false;
      }
      contained = contained || ok(s.contains, item, depth + 1);
    }
    return contained && !spent && (!s.unique_items || unique(at));
  }

  /// The value of the first member named `name`, or 0.
  std::uint32_t member(std::uint32_t at, std::string_view name) const {
    const TapeNode& o = t_.nodes[at];
    std::uint32_t key = at + 1;
    for (std::size_t i = 0; i < o.size; ++i, key = t_.next(key + 1)) {
      if (t_.nodes[key].size == name.size() && t_.string(key) == name) {
        return key + 1;
      }
    }
    return 0;
  }

  /// The index of `name` in `properties`, or -1: a few are scanned, more are searched.
  static std::ptrdiff_t property(const Node& s, std::string_view name) {
    const auto& properties = s.properties;
    if (properties.size() <= 8) {
      for (std::size_t i = 0; i < properties.size(); ++i) {
        const std::string& p = properties[i].first;
        // The first byte before memcmp: a JSON API's keys often share a length.
        if (p.size() == name.size() &&
            (name.empty() ||
             (p[0] == name[0] && std::memcmp(p.data(), name.data(), name.size()) == 0))) {
          return static_cast<std::ptrdiff_t>(i);
        }
      }
      return -1;
    }
    auto it = std::lower_bound(
        properties.begin(), properties.end(), name,
        [](const auto& property, std::string_view n) { return property.first < n; });
    return it != properties.end() && it->first == name ? it - properties.begin() : -1;
  }

  bool keyed(const Node& s, std::uint32_t at, unsigned depth) {
    const TapeNode& o = t_.nodes[at];
    if (o.size < s.min_properties || o.size > s.max_properties) {
      return false;
    }
    for (const auto& name : s.required_elsewhere) {
      if (member(at, name) == 0) {
        return false;
      }
    }
    std::uint64_t seen = 0;
    std::uint32_t key = at + 1;
    for (std::size_t i = 0; i < o.size; ++i, key = t_.next(key + 1)) {
      const std::string_view name = t_.string(key);
      bool matched = false;
      if (!s.properties.empty()) {
        if (const auto p = property(s, name); p >= 0) {
          matched = true;
          seen |= p < 64 ? std::uint64_t{1} << p : 0;
          if (!ok(s.properties[static_cast<std::size_t>(p)].second, key + 1, depth + 1)) {
            return false;
          }
        }
      }
      for (const auto& [pattern, schema] : s.pattern_properties) {
        if (matches(pattern, name)) {
          matched = true;
          if (!ok(schema, key + 1, depth + 1)) {
            return false;
          }
        }
      }
      if (!matched && s.additional_properties != kNoSchema &&
          !ok(s.additional_properties, key + 1, depth + 1)) {
        return false;
      }
      if (s.property_names != kNoSchema && !ok(s.property_names, key, depth + 1)) {
        return false;
      }
    }
    if ((seen & s.required_properties) != s.required_properties) {
      return false;
    }
    for (const auto& d : s.dependencies) {
      if (member(at, d.name) == 0) {
        continue;
      }
      for (const auto& name : d.required) {
        if (member(at, name) == 0) {
          return false;
        }
      }
      if (d.schema != kNoSchema && !ok(d.schema, at, depth + 1)) {
        return false;
      }
    }
    return true;
  }

  bool combined(const Node& s, std::uint32_t at, unsigned depth) {
    for (auto each : s.all_of) {
      if (!ok(each, at, depth + 1)) {
        return false;
      }
    }
    if (!s.any_of.empty() && std::none_of(s.any_of.begin(), s.any_of.end(), [&](std::int32_t each) {
          return ok(each, at, depth + 1);
        })) {
      return false;
    }
    if (!s.one_of.empty()) {
      int passed = 0;
      for (auto each : s.one_of) {
        passed += ok(each, at, depth + 1) ? 1 : 0;
        if (passed > 1) {
          return false;
        }
      }
      if (passed != 1) {
        return false;
      }
    }
    if (s.negated != kNoSchema && ok(s.negated, at, depth + 1)) {
      return false;
    }
    if (s.when != kNoSchema) {
      const auto branch = ok(s.when, at, depth + 1) ? s.then : s.otherwise;
      if (branch != kNoSchema && !ok(branch, at, depth + 1)) {
        return false;
      }
    }
    return !spent;
  }

  /// JSON Schema equality of a schema's value (`const`, `enum`) and the body's.
  bool equal(const boost::json::value& e, std::uint32_t at) {
    const TapeNode& v = t_.nodes[at];
    switch (e.kind()) {
      case boost::json::kind::null:
        return v.kind == JsonKind::null;
      case boost::json::kind::bool_:
        return v.kind == JsonKind::boolean && v.flag == e.get_bool();
      case boost::json::kind::int64:
        return is_number(v) && number_of(v) == static_cast<long double>(e.get_int64());
      case boost::json::kind::uint64:
        return is_number(v) && number_of(v) == static_cast<long double>(e.get_uint64());
      case boost::json::kind::double_:
        return is_number(v) && number_of(v) == static_cast<long double>(e.get_double());
      case boost::json::kind::string:
        return v.kind == JsonKind::string && t_.string(at) == std::string_view(e.get_string());
      case boost::json::kind::array: {
        const auto& items = e.get_array();
        if (v.kind != JsonKind::array || v.size != items.size()) {
          return false;
        }
        std::uint32_t item = at + 1;
        for (const auto& expected : items) {
          if (!equal(expected, item)) {
            return false;
          }
          item = t_.next(item);
        }
        return true;
      }
      case boost::json::kind::object: {
        const auto& members = e.get_object();
        if (v.kind != JsonKind::object || v.size != members.size()) {
          return false;
        }
        for (const auto& m : members) {
          const auto found = member(at, m.key());
          if (found == 0 || !equal(m.value(), found)) {
            return false;
          }
        }
        return true;
      }
    }
    return false;
  }

  /// JSON Schema equality of two values of the body.
  bool same(std::uint32_t a, std::uint32_t b) {
    ++steps_;
    const TapeNode& x = t_.nodes[a];
    const TapeNode& y = t_.nodes[b];
    if (is_number(x) || is_number(y)) {
      return is_number(x) && is_number(y) && number_of(x) == number_of(y);
    }
    if (x.kind != y.kind) {
      return false;
    }
    switch (x.kind) {
      case JsonKind::boolean:
        return x.flag == y.flag;
      case JsonKind::string:
        return t_.string(a) == t_.string(b);
      case JsonKind::array: {
        if (x.size != y.size) {
          return false;
        }
        for (std::uint32_t i = 0, p = a + 1, q = b + 1; i < x.size;
             ++i, p = t_.next(p), q = t_.next(q)) {
          if (!same(p, q)) {
            return false;
          }
        }
        return true;
      }
      case JsonKind::object: {
        if (x.size != y.size) {
          return false;
        }
        std::uint32_t key = a + 1;
        for (std::uint32_t i = 0; i < x.size; ++i, key = t_.next(key + 1)) {
          const auto found = member(b, t_.string(key));
          if (found == 0 || !same(key + 1, found)) {
            return false;
          }
        }
        return true;
      }
      default:
        return true;  // null
    }
  }

  std::uint64_t hash(std::uint32_t at) const {
    const TapeNode& n = t_.nodes[at];
    switch (n.kind) {
      case JsonKind::null:
        return 1;
      case JsonKind::boolean:
        return n.flag ? 2 : 3;
      case JsonKind::int64:
        return hash_integer(static_cast<long double>(n.int64), n.uint64);
      case JsonKind::uint64:
        return hash_integer(static_cast<long double>(n.uint64), n.uint64);
      case JsonKind::real:
        return hash_real(n.real);
      case JsonKind::string:
        return std::hash<std::string_view>{}(t_.string(at));
      case JsonKind::array: {
        std::uint64_t h = 5;
        for (std::uint32_t i = 0, item = at + 1; i < n.size; ++i, item = t_.next(item)) {
          h = mix(h * 31 + hash(item));
        }
        return h;
      }
      case JsonKind::object: {
        std::uint64_t h = 7;  // a sum: the members' order does not count
        for (std::uint32_t i = 0, key = at + 1; i < n.size; ++i, key = t_.next(key + 1)) {
          h += mix(hash(key) * 31 + hash(key + 1));
        }
        return h;
      }
    }
    return 0;
  }

  /// uniqueItems in O(n log n): sorted by hash, only items of equal hash are compared (each
  /// comparison a step of the budget, so colliding hashes cannot make it quadratic for long).
  bool unique(std::uint32_t at) {
    const TapeNode& a = t_.nodes[at];
    auto& scratch = unique_scratch;
    const std::size_t base = scratch.size();
    for (std::uint32_t i = 0, item = at + 1; i < a.size; ++i, item = t_.next(item)) {
      scratch.emplace_back(hash(item), item);
    }
    const auto first = scratch.begin() + static_cast<std::ptrdiff_t>(base);
    std::sort(first, scratch.end());
    bool distinct = true;
    for (auto run = first; distinct && run != scratch.end();) {
      auto end = run + 1;
      while (end != scratch.end() && end->first == run->first) {
        ++end;
      }
      for (auto x = run; distinct && x != end; ++x) {
        for (auto y = x + 1; distinct && y != end; ++y) {
          distinct = !same(x->second, y->second) && steps_ <= kMaxSchemaSteps;
        }
      }
      run = end;
    }
    spent = spent || steps_ > kMaxSchemaSteps;
    scratch.resize(base);
    if (base == 0 && scratch.capacity() > kKeptTapeBytes / sizeof(scratch[0])) {
      scratch.shrink_to_fit();
    }
    return distinct;
  }

  const SchemaProgram& p_;
  const JsonTape& t_;
  std::uint64_t steps_ = 0;
};

SchemaAnswer SchemaProgram::run(const JsonTape& tape) const {
  Walk walk(*this, tape);
  const bool accepted = walk.ok(0, 0, 0);
  if (walk.spent) {
    return SchemaAnswer::too_costly;
  }
  return accepted ? SchemaAnswer::accepted : SchemaAnswer::refused;
}

}  // namespace rampart::policies
