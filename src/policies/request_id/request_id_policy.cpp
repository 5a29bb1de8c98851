#include "policies/request_id/request_id_policy.hpp"

#include <array>
#include <boost/beast/core/string.hpp>
#include <cstdint>
#include <cstring>
#include <random>

namespace rampart::policies {

using gateway::field;

namespace {

constexpr std::string_view kRequestIdHeader = "x-request-id";
constexpr std::string_view kTraceparentHeader = "traceparent";

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

bool is_lower_hex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

bool all_zeros(std::string_view s) { return s.find_first_not_of('0') == std::string_view::npos; }

}  // namespace

bool is_acceptable_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) {
    return false;
  }
  for (char c : id) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) {
      return false;
    }
  }
  return true;
}

bool is_valid_traceparent(std::string_view v) {
  // version(2) - trace-id(32) - parent-id(16) - flags(2)
  if (v.size() != 55 || v[2] != '-' || v[35] != '-' || v[52] != '-') {
    return false;
  }
  auto version = v.substr(0, 2), trace = v.substr(3, 32), parent = v.substr(36, 16),
       flags = v.substr(53, 2);
  return version == "00" && is_lower_hex(trace) && is_lower_hex(parent) && is_lower_hex(flags) &&
         !all_zeros(trace) && !all_zeros(parent);
}

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

gateway::Verdict RequestIdPolicy::on_request(gateway::Exchange& exchange) const {
  // One pass: find both headers and mark them removed; rampart sends its own values.
  std::string_view given_id, given_trace;
  for (auto& f : exchange.request.headers.fields()) {
    if (f.id != field::unknown || f.removed) {
      continue;
    }
    if (boost::beast::iequals(f.name, kRequestIdHeader)) {
      if (given_id.empty()) {
        given_id = f.value;
      }
      f.removed = true;
    } else if (boost::beast::iequals(f.name, kTraceparentHeader)) {
      if (given_trace.empty()) {
        given_trace = f.value;
      }
      f.removed = true;
    }
  }
  if (exchange.request_id.empty()) {
    if (is_acceptable_request_id(given_id)) {
      exchange.request_id.assign(given_id);
    } else {
      append_uuid_v4(exchange.request_id);
    }
  }
  if (is_valid_traceparent(given_trace)) {
    exchange.traceparent.assign(given_trace);
  } else {
    append_new_traceparent(exchange.traceparent);
  }
  auto& extra = exchange.upstream_extra_headers;
  extra += "X-Request-ID: ";
  extra += exchange.request_id;
  extra += "\r\ntraceparent: ";
  extra += exchange.traceparent;
  extra += "\r\n";
  return gateway::Verdict::next();
}

void RequestIdPolicy::on_response(gateway::Exchange& exchange) const {
  for (auto& f : exchange.response.headers.fields()) {
    if (f.id == field::unknown && boost::beast::iequals(f.name, kRequestIdHeader)) {
      f.removed = true;
    }
  }
  if (exchange.request_id.empty()) {
    append_uuid_v4(exchange.request_id);
  }
  exchange.response_extra_headers += "X-Request-ID: ";
  exchange.response_extra_headers += exchange.request_id;
  exchange.response_extra_headers += "\r\n";
}

}  // namespace rampart::policies
