#include "config/problem_list.hpp"

#include <algorithm>
#include <tuple>

#include "config/printable.hpp"

namespace rampart::config {

ProblemList::ProblemList(std::string file, const SourceMap& source_map)
    : file_(printable(file)), source_map_(source_map) {}

void ProblemList::add(const YAML::Mark& mark, std::string key_path, std::string message) {
  SourcePosition position;
  if (!mark.is_null() && mark.pos >= 0) {
    position = source_map_.at_output(static_cast<std::size_t>(mark.pos));
  }
  add(position, std::move(key_path), std::move(message));
}

void ProblemList::add(SourcePosition position, std::string key_path, std::string message) {
  bool suppressed =
      std::any_of(suppressed_keys_.begin(), suppressed_keys_.end(), [&](const std::string& prefix) {
        return key_path.starts_with(prefix) &&
               (key_path.size() == prefix.size() || key_path[prefix.size()] == '.' ||
                key_path[prefix.size()] == '[');
      });
  if (suppressed) {
    return;
  }
  problems_.push_back(
      {file_, position.line, position.column, printable(key_path), printable(message)});
}

std::vector<ConfigProblem> ProblemList::take() {
  std::stable_sort(problems_.begin(), problems_.end(),
                   [](const ConfigProblem& a, const ConfigProblem& b) {
                     return std::tie(a.line, a.column) < std::tie(b.line, b.column);
                   });
  return std::move(problems_);
}

}  // namespace rampart::config
