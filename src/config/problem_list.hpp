#pragma once
// Collects every ConfigProblem of one load, positioned in the original file.

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/source_map.hpp"

namespace rampart::config {

/// The problems found so far. Loading never stops at the first one: a user fixing a config
/// wants the whole list at once.
///
/// Every problem passes through here, so this is where the text the file chose (key names,
/// values, suggestions drawn from the file, yaml-cpp's quotes of it) is made printable(): the
/// file name, key path and message of a ConfigProblem never hold a control byte.
class ProblemList {
 public:
  ProblemList(std::string file, const SourceMap& source_map);

  /// At a yaml-cpp mark (an offset of the substituted text); a null mark gives no position.
  void add(const YAML::Mark& mark, std::string key_path, std::string message);
  /// At a position of the original text. `key_path` and `message` as built, unescaped.
  void add(SourcePosition position, std::string key_path, std::string message);

  /// Drops later problems at this key path (as built, unescaped) or under it: they follow from an
  /// unset ${VAR} already reported there (an empty api_key is "too short" only because its variable
  /// is missing).
  void suppress_key(std::string key_path) { suppressed_keys_.push_back(std::move(key_path)); }

  bool empty() const { return problems_.empty(); }
  /// How many so far: a reader compares it before and after an entry to know it was clean.
  std::size_t size() const { return problems_.size(); }
  const SourceMap& source_map() const { return source_map_; }
  /// The config file's name as given: a key naming another file is relative to its directory.
  const std::string& file() const { return file_; }

  /// In file order (line, then column); problems without a position first.
  std::vector<ConfigProblem> take();

 private:
  std::string file_;
  const SourceMap& source_map_;
  std::vector<std::string> suppressed_keys_;
  std::vector<ConfigProblem> problems_;
};

}  // namespace rampart::config
