#pragma once
// Shared by the config tests: a valid base document and problem lookups.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "config/config.hpp"

namespace rampart::config::testing_support {

/// 32 characters: the shortest admin key accepted.
inline const std::string kAdminKey = "k7Qz2mXv9LpR4tYb8NcW3sHd6FgJ1aE5";

inline const std::string kAdmin = "admin:\n  api_key: \"" + kAdminKey + "\"\n";
inline const std::string kUpstreams = "upstreams:\n  app:\n    url: \"http://127.0.0.1:8000\"\n";
inline const std::string kRoutes =
    "routes:\n"
    "  - name: all\n"
    "    match: {path_prefix: /}\n"
    "    upstream: app\n"
    "    auth: none\n";

/// A minimal valid document.
inline std::string valid_yaml() { return kAdmin + kUpstreams + kRoutes; }

inline LoadResult load(const std::string& yaml, LoadOptions options = {}) {
  return load_config_text(yaml, "test.yaml", options);
}

/// All problems as printed, one per line, for failure messages.
inline std::string printed(const LoadResult& result) {
  std::string out;
  for (const auto& p : result.problems) {
    out += p.to_string() + "\n";
  }
  return out;
}

/// The result has exactly one problem, at `key_path`, whose message contains `message`.
inline ::testing::AssertionResult has_only_problem(const LoadResult& result,
                                                   const std::string& key_path,
                                                   const std::string& message) {
  if (result.problems.size() != 1) {
    return ::testing::AssertionFailure()
           << "expected 1 problem, got " << result.problems.size() << ":\n"
           << printed(result);
  }
  const auto& p = result.problems.front();
  if (p.key_path != key_path || p.message.find(message) == std::string::npos) {
    return ::testing::AssertionFailure()
           << "got: " << p.to_string() << "\nwanted: " << key_path << ": ..." << message << "...";
  }
  if (result.config != nullptr) {
    return ::testing::AssertionFailure() << "a config was returned despite the problem";
  }
  return ::testing::AssertionSuccess();
}

/// Some problem is at `key_path` and its message contains `message`.
inline ::testing::AssertionResult has_problem(const LoadResult& result, const std::string& key_path,
                                              const std::string& message) {
  bool found = std::any_of(result.problems.begin(), result.problems.end(), [&](const auto& p) {
    return p.key_path == key_path && p.message.find(message) != std::string::npos;
  });
  if (!found) {
    return ::testing::AssertionFailure()
           << "no problem " << key_path << ": ..." << message << "... among:\n"
           << printed(result);
  }
  return ::testing::AssertionSuccess();
}

}  // namespace rampart::config::testing_support
