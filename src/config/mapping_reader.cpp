#include "config/mapping_reader.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "config/key_path.hpp"
#include "config/spelling.hpp"
#include "config/units.hpp"

namespace rampart::config {

namespace {

// What was found instead, for "expected X, got Y". Never the value itself: it may be a secret
// that landed under the wrong key.
std::string_view describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return "a single value";
    default:
      return "nothing";
  }
}

// The scalar text, or a problem "expected <what>, got ...".
std::optional<std::string> scalar(const Field& field, ProblemList& problems,
                                  std::string_view what) {
  if (!field.node.IsScalar()) {
    problems.add(field.mark, field.path,
                 fmt::format("expected {}, got {}", what, describe(field.node)));
    return std::nullopt;
  }
  return field.node.Scalar();
}

template <typename T>
std::optional<T> checked(const Field& field, ProblemList& problems, Parsed<T> parsed) {
  if (!parsed.value) {
    problems.add(field.mark, field.path, std::move(parsed.error));
  }
  return parsed.value;
}

}  // namespace

std::optional<std::string> read_string(const Field& field, ProblemList& problems) {
  return scalar(field, problems, "a string");
}

std::optional<bool> read_bool(const Field& field, ProblemList& problems) {
  auto text = scalar(field, problems, "true or false");
  if (!text) {
    return std::nullopt;
  }
  if (*text == "true" || *text == "True" || *text == "TRUE") {
    return true;
  }
  if (*text == "false" || *text == "False" || *text == "FALSE") {
    return false;
  }
  problems.add(field.mark, field.path, "expected true or false");
  return std::nullopt;
}

std::optional<std::uint64_t> read_number(const Field& field, ProblemList& problems,
                                         std::uint64_t min, std::uint64_t max) {
  auto text = scalar(field, problems, "a whole number");
  if (!text) {
    return std::nullopt;
  }
  auto number = checked(field, problems, parse_whole_number(*text));
  if (number && (*number < min || *number > max)) {
    problems.add(field.mark, field.path, fmt::format("must be between {} and {}", min, max));
    return std::nullopt;
  }
  return number;
}

std::optional<Duration> read_duration(const Field& field, ProblemList& problems) {
  auto text = scalar(field, problems, "a duration like 30s");
  if (!text) {
    return std::nullopt;
  }
  auto duration = checked(field, problems, parse_duration(*text));
  if (duration && duration->count() == 0) {
    problems.add(field.mark, field.path, "must be greater than 0");
    return std::nullopt;
  }
  return duration;
}

std::optional<std::size_t> read_size(const Field& field, ProblemList& problems, std::size_t min,
                                     std::size_t max) {
  auto text = scalar(field, problems, "a size like 16KiB");
  if (!text) {
    return std::nullopt;
  }
  auto size = checked(field, problems, parse_size(*text));
  if (size && (*size < min || *size > max)) {
    problems.add(field.mark, field.path,
                 fmt::format("must be between {} and {}", format_size(min), format_size(max)));
    return std::nullopt;
  }
  return size;
}

std::optional<std::vector<Field>> read_list(const Field& field, ProblemList& problems) {
  if (!field.node.IsSequence()) {
    problems.add(field.mark, field.path,
                 fmt::format("expected a list, got {}", describe(field.node)));
    return std::nullopt;
  }
  std::vector<Field> items;
  for (const auto& item : field.node) {
    auto mark = item.IsNull() ? field.mark : item.Mark();
    items.push_back({item, mark, index_path(field.path, items.size()), YAML::Mark::null_mark()});
  }
  return items;
}

std::string not_supported_message(std::string_view what) {
  return fmt::format(
      "{} is not supported yet; remove it (rampart will not silently skip a protection you "
      "asked for)",
      what);
}

std::optional<std::vector<std::pair<std::string, Field>>> read_entries(const Field& field,
                                                                       ProblemList& problems) {
  std::vector<std::pair<std::string, Field>> entries;
  if (!field.node.IsDefined() || field.node.IsNull()) {
    return entries;
  }
  if (!field.node.IsMap()) {
    problems.add(field.mark, field.path,
                 fmt::format("expected a mapping, got {}", describe(field.node)));
    return std::nullopt;
  }
  for (auto it = field.node.begin(); it != field.node.end(); ++it) {
    YAML::Node key = it->first;  // by value: `it->` yields a temporary
    YAML::Node value = it->second;
    if (!key.IsScalar()) {
      problems.add(key.Mark(), field.path,
                   fmt::format("expected a key name, got {}", describe(key)));
      continue;
    }
    auto path = child_path(field.path, key.Scalar());
    bool duplicate = std::any_of(entries.begin(), entries.end(),
                                 [&](const auto& entry) { return entry.first == key.Scalar(); });
    if (duplicate) {
      problems.add(key.Mark(), path, "duplicate key (an earlier line sets it already)");
      continue;
    }
    auto mark = value.IsNull() ? key.Mark() : value.Mark();
    entries.emplace_back(key.Scalar(), Field{value, mark, path, key.Mark()});
  }
  return entries;
}

MappingReader::MappingReader(Field field, ProblemList& problems,
                             std::vector<std::string_view> known_keys)
    : field_(std::move(field)), problems_(problems), known_keys_(std::move(known_keys)) {
  auto entries = read_entries(field_, problems_);
  if (!entries) {
    return;
  }
  is_mapping_ = true;
  for (auto& [name, child] : *entries) {
    if (std::find(known_keys_.begin(), known_keys_.end(), name) != known_keys_.end()) {
      entries_.emplace_back(std::move(name), std::move(child));
    } else if (auto suggestion = closest_match(name, known_keys_)) {
      problems_.add(child.key_mark, child.path,
                    fmt::format("unknown key; did you mean \"{}\"?", *suggestion));
    } else {
      problems_.add(child.key_mark, child.path,
                    fmt::format("unknown key; expected one of: {}", fmt::join(known_keys_, ", ")));
    }
  }
}

std::optional<Field> MappingReader::get(std::string_view key) const {
  for (const auto& [name, child] : entries_) {
    if (name == key) {
      return child;
    }
  }
  return std::nullopt;
}

std::optional<Field> MappingReader::require(std::string_view key, std::string_view message) {
  auto child = get(key);
  if (!child && is_mapping_) {
    problems_.add(field_.mark, child_path(field_.path, key), std::string(message));
  }
  return child;
}

void MappingReader::refuse_unsupported(std::string_view key) {
  if (auto child = get(key)) {
    // At the key, not the value: the key is what has to go.
    problems_.add(child->key_mark, child->path, not_supported_message(key));
  }
}

}  // namespace rampart::config
