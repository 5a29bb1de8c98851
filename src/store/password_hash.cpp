#include "store/password_hash.hpp"

#include <argon2.h>
#include <openssl/rand.h>

#include <array>
#include <charconv>
#include <cstring>
#include <optional>
#include <stdexcept>

namespace rampart::store {

namespace {

constexpr std::string_view kEncodedPrefix = "$argon2id$v=19$";

// Reads "<key>=<decimal>" at the front of `text` and moves past it; nullopt when it is not
// there or does not fit in 32 bits.
std::optional<std::uint32_t> take_parameter(std::string_view& text, std::string_view key) {
  if (text.substr(0, key.size()) != key || text.substr(key.size(), 1) != "=") {
    return std::nullopt;
  }
  text.remove_prefix(key.size() + 1);
  std::uint32_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end == text.data()) {
    return std::nullopt;
  }
  text.remove_prefix(static_cast<std::size_t>(end - text.data()));
  return value;
}

// Whether `encoded` is argon2id v=19 with parameters a verification may spend: checked before
// libargon2 allocates m KiB for it.
bool parameters_in_bounds(std::string_view encoded) {
  if (encoded.substr(0, kEncodedPrefix.size()) != kEncodedPrefix) {
    return false;
  }
  std::string_view rest = encoded.substr(kEncodedPrefix.size());
  auto memory = take_parameter(rest, "m");
  if (!memory || rest.substr(0, 1) != ",") {
    return false;
  }
  rest.remove_prefix(1);
  auto iterations = take_parameter(rest, "t");
  if (!iterations || rest.substr(0, 1) != ",") {
    return false;
  }
  rest.remove_prefix(1);
  auto parallelism = take_parameter(rest, "p");
  if (!parallelism || rest.substr(0, 1) != "$") {
    return false;
  }
  return *memory <= kMaxVerifyMemoryKiB && *iterations <= kMaxVerifyIterations &&
         *parallelism <= kMaxVerifyParallelism;
}

}  // namespace

std::string hash_password(std::string_view password) {
  if (password.empty()) {
    throw std::invalid_argument("password is empty");
  }
  if (password.size() > kMaxPasswordBytes) {
    throw std::invalid_argument("password is longer than " + std::to_string(kMaxPasswordBytes) +
                                " bytes");
  }
  std::array<unsigned char, kArgon2SaltBytes> salt{};
  if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1) {
    throw std::runtime_error("password hash: the random generator failed");
  }
  // argon2_encodedlen counts the terminating NUL.
  std::string encoded(argon2_encodedlen(kArgon2Iterations, kArgon2MemoryKiB, kArgon2Parallelism,
                                        kArgon2SaltBytes, kArgon2HashBytes, Argon2_id),
                      '\0');
  int rc = argon2id_hash_encoded(kArgon2Iterations, kArgon2MemoryKiB, kArgon2Parallelism,
                                 password.data(), password.size(), salt.data(), salt.size(),
                                 kArgon2HashBytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) {
    throw std::runtime_error(std::string("password hash: argon2id failed: ") +
                             argon2_error_message(rc));
  }
  encoded.resize(std::strlen(encoded.c_str()));
  return encoded;
}

bool verify_password(std::string_view password, std::string_view encoded) {
  if (password.empty() || password.size() > kMaxPasswordBytes) {
    return false;
  }
  // argon2id_verify reads a C string: a NUL inside would hide the rest from it.
  if (encoded.find('\0') != std::string_view::npos || !parameters_in_bounds(encoded)) {
    return false;
  }
  std::string terminated(encoded);
  return argon2id_verify(terminated.c_str(), password.data(), password.size()) == ARGON2_OK;
}

}  // namespace rampart::store
