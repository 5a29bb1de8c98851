#pragma once
// A route's `body:` (SPEC §2, §3 step 9): how large its request body may be, and whether it
// must be JSON. (`schema:`, JSON Schema validation, is refused until it is built.)

#include <cstddef>
#include <memory>
#include <string_view>

#include "config/policy_settings.hpp"

namespace rampart::policies {

inline constexpr std::string_view kBodyKey = "body";
inline constexpr std::size_t kDefaultBodyMaxBytes = 1024 * 1024;
inline constexpr std::size_t kMaxBodyMaxBytes = 64 * 1024 * 1024;

struct BodySettings final : config::PolicySettings {
  std::size_t max_bytes = kDefaultBodyMaxBytes;
  bool json = false;
};

std::shared_ptr<const config::PolicySettings> read_body(const config::Field& field,
                                                        config::ProblemList& problems,
                                                        config::Env env);

}  // namespace rampart::policies
