#include "store/api_key.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace rampart::store {

namespace {

constexpr std::string_view kBase62 =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// One table lookup per character (it runs on every request that carries a key).
constexpr std::array<bool, 256> kIsBase62 = [] {
  std::array<bool, 256> table{};
  for (char c : kBase62) {
    table[static_cast<unsigned char>(c)] = true;
  }
  return table;
}();

bool is_base62(std::string_view text) {
  bool ok = true;
  for (char c : text) {
    ok &= kIsBase62[static_cast<unsigned char>(c)];
  }
  return ok;
}

/// `n` base62 characters. A random byte is used only below 248 (4 x 62): each character is
/// then exactly uniform, where `byte % 62` would favour the first 8 characters.
std::string random_base62(std::size_t n) {
  std::string out;
  out.reserve(n);
  std::array<unsigned char, 64> bytes{};
  while (out.size() < n) {
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
      throw std::runtime_error("the system's random number generator failed");
    }
    for (unsigned char b : bytes) {
      if (b < 248 && out.size() < n) {
        out += kBase62[b % 62];
      }
    }
  }
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return out;
}

}  // namespace

std::optional<ApiKeyParts> parse_api_key(std::string_view text) {
  if (!text.starts_with(kApiKeyPrefix)) {
    return std::nullopt;
  }
  text.remove_prefix(kApiKeyPrefix.size());
  if (text.size() < kApiKeyIdLength + 1 + kMinApiKeySecretLength ||
      text.size() > kApiKeyIdLength + 1 + kMaxApiKeySecretLength || text[kApiKeyIdLength] != '_') {
    return std::nullopt;
  }
  ApiKeyParts parts{text.substr(0, kApiKeyIdLength), text.substr(kApiKeyIdLength + 1)};
  if (!is_base62(parts.id) || !is_base62(parts.secret)) {
    return std::nullopt;
  }
  return parts;
}

NewApiKey generate_api_key() {
  NewApiKey made;
  made.id = random_base62(kApiKeyIdLength);
  std::string secret = random_base62(kApiKeySecretLength);
  made.key.reserve(kApiKeyPrefix.size() + made.id.size() + 1 + secret.size());
  made.key.append(kApiKeyPrefix).append(made.id).append("_").append(secret);
  made.secret_sha256 = sha256(secret);
  OPENSSL_cleanse(secret.data(), secret.size());
  return made;
}

bool is_valid_key_label(std::string_view text) {
  if (text.empty() || text.size() > 64) {
    return false;
  }
  for (unsigned char c : text) {
    if (c < 0x20 || c >= 0x7f) {
      return false;
    }
  }
  return true;
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

IssuedApiKey issue_api_key(std::string name, std::string tier,
                           std::optional<std::chrono::seconds> lifetime) {
  auto made = generate_api_key();
  IssuedApiKey issued;
  issued.key = std::move(made.key);
  auto& record = issued.record;
  record.id = std::move(made.id);
  record.secret_sha256 = std::move(made.secret_sha256);
  record.name = std::move(name);
  record.tier = std::move(tier);
  record.created = unix_now();
  if (lifetime) {
    record.expires = record.created + lifetime->count();
  }
  return issued;
}

std::string sha256(std::string_view data) {
  std::string digest(32, '\0');
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(digest.data()), &length,
                 EVP_sha256(), nullptr) != 1 ||
      length != digest.size()) {
    throw std::runtime_error("SHA-256 failed");
  }
  return digest;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  // The lengths are public (a SHA-256 is always 32 bytes, a key's secret 43 characters); the
  // contents are compared without an early exit, eight bytes at a time (CRYPTO_memcmp goes a
  // byte at a time: ~300 instructions for a key, on every request).
  if (a.size() != b.size()) {
    return false;
  }
  std::uint64_t diff = 0;
  std::size_t i = 0;
  for (; i + 8 <= a.size(); i += 8) {
    std::uint64_t x = 0;
    std::uint64_t y = 0;
    std::memcpy(&x, a.data() + i, 8);
    std::memcpy(&y, b.data() + i, 8);
    diff |= x ^ y;
  }
  for (; i < a.size(); ++i) {
    diff |= static_cast<std::uint64_t>(static_cast<unsigned char>(a[i]) ^
                                       static_cast<unsigned char>(b[i]));
  }
  return diff == 0;
}

}  // namespace rampart::store
