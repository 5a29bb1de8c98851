#pragma once
// How keys are shown to people and programs (`rampart keys list --json`, GET
// /admin/api/keys): every field but the secret and its hash, times in RFC 3339 UTC.

#include <cstdint>
#include <string>
#include <vector>

#include "store/store.hpp"

namespace rampart::store {

/// "2026-11-30T02:00:00Z" (RFC 3339, UTC, seconds).
std::string format_unix_time(std::int64_t seconds);

/// One key as a JSON object: id, name, tier, created, expires, last_used, revoked.
void append_key_json(std::string& out, const ApiKeyRecord& key);
/// All of them as a JSON array.
void append_keys_json(std::string& out, const std::vector<ApiKeyRecord>& keys);

}  // namespace rampart::store
