#pragma once
// The schema walker: typed reads of YAML values, each check reported as a ConfigProblem that
// names the key path. Section readers (server_section.cpp, upstreams_section.cpp, ...) are
// written with these and nothing else from yaml-cpp.

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "config/problem_list.hpp"

namespace rampart::config {

/// A YAML value with where it is written and how problems name it.
struct Field {
  YAML::Node node;
  YAML::Mark mark;  ///< of the value, or of its key when the value is empty
  std::string path;
  YAML::Mark key_mark = YAML::Mark::null_mark();  ///< of its key, for a mapping's value
};

/// Each read returns the value, or adds a problem at the field and returns nothing.
std::optional<std::string> read_string(const Field& field, ProblemList& problems);
std::optional<bool> read_bool(const Field& field, ProblemList& problems);
std::optional<std::uint64_t> read_number(const Field& field, ProblemList& problems,
                                         std::uint64_t min, std::uint64_t max);
/// A duration greater than zero.
std::optional<Duration> read_duration(const Field& field, ProblemList& problems);
std::optional<std::size_t> read_size(const Field& field, ProblemList& problems, std::size_t min,
                                     std::size_t max);
/// The items of a list, each a Field named "path[i]".
std::optional<std::vector<Field>> read_list(const Field& field, ProblemList& problems);

/// One of a fixed set of words, e.g. `level: info`.
template <typename Enum>
std::optional<Enum> read_choice(const Field& field, ProblemList& problems,
                                std::initializer_list<std::pair<std::string_view, Enum>> choices);

/// A mapping whose keys are names the user chooses (upstreams:): its entries in file order,
/// each a Field named "path.key". Duplicate and non-string keys are problems and left out.
/// An empty value is an empty mapping.
std::optional<std::vector<std::pair<std::string, Field>>> read_entries(const Field& field,
                                                                       ProblemList& problems);

/// The message for a key that names a feature not built yet. Refusing it is the point:
/// accepting `rate_limit:` and not limiting would be a silent hole.
std::string not_supported_message(std::string_view what);

/// One YAML mapping read against its fixed table of keys, the way nginx reads directives:
/// construction reports a value that is not a mapping, unknown keys (with a suggestion) and
/// duplicate keys; get() then finds the known ones. An empty value counts as an empty mapping.
class MappingReader {
 public:
  MappingReader(Field field, ProblemList& problems, std::vector<std::string_view> known_keys);

  bool is_mapping() const { return is_mapping_; }
  const Field& field() const { return field_; }
  ProblemList& problems() { return problems_; }

  std::optional<Field> get(std::string_view key) const;
  /// Like get(), with a problem at the mapping when the key is absent.
  std::optional<Field> require(std::string_view key, std::string_view message);
  /// A problem at the key when it is present: `key is not supported yet; ...`.
  void refuse_unsupported(std::string_view key);

  /// get() + a typed read, assigned to `out` only when present and valid.
  template <typename T, typename Reader>
  void read(std::string_view key, T& out, Reader&& reader) {
    if (auto child = get(key)) {
      if (auto value = reader(*child, problems_)) {
        out = *value;
      }
    }
  }

 private:
  Field field_;
  ProblemList& problems_;
  std::vector<std::string_view> known_keys_;
  std::vector<std::pair<std::string, Field>> entries_;
  bool is_mapping_ = false;
};

// ---- template definitions -----------------------------------------------------------------

template <typename Enum>
std::optional<Enum> read_choice(const Field& field, ProblemList& problems,
                                std::initializer_list<std::pair<std::string_view, Enum>> choices) {
  auto text = read_string(field, problems);
  if (!text) {
    return std::nullopt;
  }
  std::vector<std::string_view> names;
  for (const auto& [name, value] : choices) {
    if (*text == name) {
      return value;
    }
    names.push_back(name);
  }
  std::string expected = "expected ";
  for (std::size_t i = 0; i < names.size(); ++i) {
    expected += i == 0 ? "" : (i + 1 == names.size() ? " or " : ", ");
    expected += names[i];
  }
  problems.add(field.mark, field.path, expected);
  return std::nullopt;
}

}  // namespace rampart::config
