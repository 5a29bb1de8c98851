#pragma once
// `rampart keys create|list|revoke` (SPEC §1): API keys in the store named by the config.

#include <optional>
#include <string>

#include "store/key_json.hpp"

namespace rampart::cli {

/// Prints the new key alone on stdout (shown this once: only its SHA-256 is stored) and its
/// details on stderr. `expires` is a duration ("90d"), from now. Returns the exit status.
int run_keys_create(const std::string& config_path, const std::string& name,
                    const std::string& tier, const std::optional<std::string>& expires);
/// id, name, tier, created, expires, last used, revoked: never the secret or its hash.
int run_keys_list(const std::string& config_path, bool json);
/// 1 when there is no such key or it was revoked already.
int run_keys_revoke(const std::string& config_path, const std::string& id);

/// "2026-11-30T02:00:00Z" (RFC 3339, UTC, seconds).
using store::format_unix_time;

}  // namespace rampart::cli
