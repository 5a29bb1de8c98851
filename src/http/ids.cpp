#include "http/ids.hpp"

#include <array>
#include <cstdint>
#include <cstring>
#include <random>

namespace rampart::http {

namespace {

/// xoshiro256**: fast, good statistical quality; ids need uniqueness, not secrecy.
class IdGenerator {
 public:
  IdGenerator() {
    std::random_device device;
    for (auto& word : state_) {
      word = (static_cast<std::uint64_t>(device()) << 32) ^ device();
    }
  }
  std::uint64_t next() {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::array<std::uint64_t, 4> state_{};
};

IdGenerator& generator() {
  thread_local IdGenerator g;
  return g;
}

/// The 8 hex digits of a 32-bit value, most significant first, as the bytes of one word (a
/// branch-free nibble spread: about a tenth of a byte-at-a-time table loop).
std::uint64_t hex_word(std::uint32_t value) {
  std::uint64_t x = value;
  x = (x | (x << 16)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x << 8)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0FULL;  // byte i = nibble i
  const std::uint64_t letters = ((x + 0x0606060606060606ULL) >> 4) & 0x0101010101010101ULL;
  x += 0x3030303030303030ULL + letters * ('a' - '0' - 10);
  return __builtin_bswap64(x);  // most significant nibble first in memory
}

/// Writes the 16 hex digits of `value` at `out`; returns the end.
char* put_hex16(char* out, std::uint64_t value) {
  const std::uint64_t high = hex_word(static_cast<std::uint32_t>(value >> 32));
  const std::uint64_t low = hex_word(static_cast<std::uint32_t>(value));
  std::memcpy(out, &high, 8);
  std::memcpy(out + 8, &low, 8);
  return out + 16;
}

}  // namespace

void append_uuid_v4(std::string& out) {
  std::uint64_t hi = generator().next();
  std::uint64_t lo = generator().next();
  hi = (hi & ~0xf000ULL) | 0x4000ULL;        // version 4
  lo = (lo & ~(3ULL << 62)) | (2ULL << 62);  // RFC 4122 variant
  char digits[32];
  put_hex16(put_hex16(digits, hi), lo);
  // 8-4-4-4-12
  char buf[36];
  std::memcpy(buf, digits, 8);
  buf[8] = '-';
  std::memcpy(buf + 9, digits + 8, 4);
  buf[13] = '-';
  std::memcpy(buf + 14, digits + 12, 4);
  buf[18] = '-';
  std::memcpy(buf + 19, digits + 16, 4);
  buf[23] = '-';
  std::memcpy(buf + 24, digits + 20, 12);
  out.append(buf, sizeof buf);
}

void append_new_traceparent(std::string& out) {
  char buf[55];
  char* p = buf;
  *p++ = '0';
  *p++ = '0';
  *p++ = '-';
  p = put_hex16(p, generator().next() | 1);  // | 1: an id is never all zeros
  p = put_hex16(p, generator().next());
  *p++ = '-';
  p = put_hex16(p, generator().next() | 1);
  *p++ = '-';
  *p++ = '0';
  *p++ = '1';
  out.append(buf, sizeof buf);
}

}  // namespace rampart::http
