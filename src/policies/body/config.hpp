#pragma once
// A route's `body:` (SPEC §2, §3 step 9): how large its request body may be, whether it must
// be JSON, and the JSON Schema (draft 7) it must satisfy.

#include <cstddef>
#include <memory>
#include <string_view>

#include "config/policy_settings.hpp"
#include "policies/body/schema.hpp"

namespace rampart::policies {

inline constexpr std::string_view kBodyKey = "body";
/// Also the limit of a `schema:` route that sets none: a schema route always parses the body
/// into a document, so its size is always bounded.
inline constexpr std::size_t kDefaultBodyMaxBytes = 1024 * 1024;
inline constexpr std::size_t kMaxBodyMaxBytes = 64 * 1024 * 1024;

struct BodySettings final : config::PolicySettings {
  std::size_t max_bytes = kDefaultBodyMaxBytes;
  bool json = false;                         ///< true too when `schema` is set
  std::shared_ptr<const JsonSchema> schema;  ///< compiled at load; null without `schema:`
};

std::shared_ptr<const config::PolicySettings> read_body(const config::Field& field,
                                                        config::ProblemList& problems,
                                                        config::Env env);

}  // namespace rampart::policies
