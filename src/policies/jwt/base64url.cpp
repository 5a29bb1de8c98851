#include "policies/jwt/base64url.hpp"

#include <array>
#include <cstdint>

namespace rampart::policies::jwt {

namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::uint8_t kInvalid = 0xff;

/// Character -> 6-bit value, kInvalid for everything outside the alphabet.
constexpr std::array<std::uint8_t, 256> kValue = [] {
  std::array<std::uint8_t, 256> table{};
  table.fill(kInvalid);
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
    table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::uint8_t>(i);
  }
  return table;
}();

}  // namespace

std::optional<std::string> base64url_decode(std::string_view text) {
  // 4k+1 characters carry 6 bits in the last group: less than a byte, never a valid encoding.
  if (text.size() % 4 == 1) {
    return std::nullopt;
  }
  std::string out;
  out.reserve(text.size() / 4 * 3 + 2);
  std::uint32_t bits = 0;
  int bit_count = 0;
  for (char c : text) {
    const std::uint8_t value = kValue[static_cast<unsigned char>(c)];
    if (value == kInvalid) {
      return std::nullopt;
    }
    bits = (bits << 6) | value;
    bit_count += 6;
    if (bit_count >= 8) {
      bit_count -= 8;
      out += static_cast<char>((bits >> bit_count) & 0xff);
    }
  }
  // What is left over (2 bits after 3 characters, 4 after 2) is padding inside the last
  // character: an encoder writes zeros there, and any other value is a second spelling.
  if ((bits & ((1u << bit_count) - 1)) != 0) {
    return std::nullopt;
  }
  return out;
}

std::string base64url_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  std::uint32_t bits = 0;
  int bit_count = 0;
  for (unsigned char c : bytes) {
    bits = (bits << 8) | c;
    bit_count += 8;
    while (bit_count >= 6) {
      bit_count -= 6;
      out += kAlphabet[(bits >> bit_count) & 0x3f];
    }
  }
  if (bit_count > 0) {
    out += kAlphabet[(bits << (6 - bit_count)) & 0x3f];
  }
  return out;
}

}  // namespace rampart::policies::jwt
