#pragma once
// API keys (SPEC §8): "rk_<8-char id>_<secret>", the id public and looked up, the secret 43
// base62 characters (~256 bits) from OpenSSL's CSPRNG. Only the id and the secret's SHA-256
// are ever stored; the key itself is shown once, when it is made.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/store.hpp"

namespace rampart::store {

inline constexpr std::string_view kApiKeyPrefix = "rk_";
inline constexpr std::size_t kApiKeyIdLength = 8;
/// What rampart makes: 43 base62 characters carry 256 bits.
inline constexpr std::size_t kApiKeySecretLength = 43;
/// What rampart accepts (SPEC §8: at least 32), and at most: a bound on what is hashed.
inline constexpr std::size_t kMinApiKeySecretLength = 32;
inline constexpr std::size_t kMaxApiKeySecretLength = 128;

/// The two parts of a well-formed key, as views into the text given.
struct ApiKeyParts {
  std::string_view id;
  std::string_view secret;
};

/// "rk_" + 8 base62 + "_" + 32..128 base62, nothing else (no spaces, no other characters);
/// nullopt for anything else.
std::optional<ApiKeyParts> parse_api_key(std::string_view text);

/// A key just made: the full key (shown once), its id, and the SHA-256 to store.
struct NewApiKey {
  std::string key;
  std::string id;
  std::string secret_sha256;  ///< 32 raw bytes
};

/// Makes a key from OpenSSL's CSPRNG (RAND_bytes, base62 by rejection sampling: no bias).
/// Throws std::runtime_error when the CSPRNG fails.
NewApiKey generate_api_key();

/// A key's name or tier: 1-64 printable ASCII characters (it is printed to terminals, logs and
/// JSON), the same rule for the CLI and the admin API.
bool is_valid_key_label(std::string_view text);

/// Seconds since the epoch, as keys store times.
std::int64_t unix_now();

/// A key made for people: the key itself (shown once) and the record the store keeps.
struct IssuedApiKey {
  std::string key;
  ApiKeyRecord record;
};

/// A new key for `name` and `tier` (both checked by is_valid_key_label before), created now
/// and expiring `lifetime` from now when given. The CLI and the admin API both make keys so.
IssuedApiKey issue_api_key(std::string name, std::string tier,
                           std::optional<std::chrono::seconds> lifetime);

/// SHA-256 of `data`, 32 raw bytes.
std::string sha256(std::string_view data);

/// Equal contents, compared in time that depends only on the lengths (no early exit).
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace rampart::store
