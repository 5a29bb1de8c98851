#pragma once
// Key paths as problems print them: "server.header_timeout", "routes[1].match.methods".

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace rampart::config {

/// "server" + "listen" -> "server.listen"; "" + "env" -> "env".
std::string child_path(std::string_view parent, std::string_view key);
/// "routes" + 1 -> "routes[1]".
std::string index_path(std::string_view parent, std::size_t index);

/// The key path of the value that starts last at or before `offset` of `parsed_text` (the text
/// `root` was parsed from) on the same line, or "" when no value does. Used to name the key of a
/// ${VAR} problem, which is found in the raw text before the YAML tree exists.
std::string key_path_at(const YAML::Node& root, std::string_view parsed_text, std::size_t offset);

}  // namespace rampart::config
