#include "config/key_path.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace rampart::config {

std::string child_path(std::string_view parent, std::string_view key) {
  if (parent.empty()) {
    return std::string(key);
  }
  return fmt::format("{}.{}", parent, key);
}

std::string index_path(std::string_view parent, std::size_t index) {
  return fmt::format("{}[{}]", parent, index);
}

namespace {

struct Best {
  std::size_t target_offset;
  int target_line;  // 0-based, as in YAML::Mark
  int found_pos = -1;
  std::string path;
};

void consider(const YAML::Mark& mark, const std::string& path, Best& best) {
  if (mark.is_null() || mark.line != best.target_line) {
    return;
  }
  if (static_cast<std::size_t>(mark.pos) <= best.target_offset && mark.pos >= best.found_pos) {
    best.found_pos = mark.pos;
    best.path = path;
  }
}

void visit(const YAML::Node& node, const std::string& path, Best& best) {
  if (node.IsMap()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      auto key = it->first.IsScalar() ? it->first.Scalar() : std::string("?");
      auto path_here = child_path(path, key);
      // A null value's mark is where the next token starts; its key is where it is written.
      consider(it->second.IsNull() ? it->first.Mark() : it->second.Mark(), path_here, best);
      visit(it->second, path_here, best);
    }
  } else if (node.IsSequence()) {
    std::size_t i = 0;
    for (const auto& item : node) {
      auto path_here = index_path(path, i++);
      consider(item.Mark(), path_here, best);
      visit(item, path_here, best);
    }
  }
}

}  // namespace

std::string key_path_at(const YAML::Node& root, std::string_view parsed_text, std::size_t offset) {
  offset = std::min(offset, parsed_text.size());
  auto line = std::count(parsed_text.begin(), parsed_text.begin() + offset, '\n');
  Best best{offset, static_cast<int>(line), -1, {}};
  visit(root, "", best);
  return best.path;
}

}  // namespace rampart::config
