#include "policies/request_id/request_id_policy.hpp"

#include <array>
#include <boost/beast/core/string.hpp>
#include <cstdint>
#include <random>

namespace rampart::policies {

using gateway::field;

namespace {

constexpr std::string_view kRequestIdHeader = "x-request-id";
constexpr std::string_view kTraceparentHeader = "traceparent";
constexpr char kHex[] = "0123456789abcdef";

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

/// Two hex digits per byte value: ids are formatted a byte at a time.
constexpr std::array<char, 512> make_hex_pairs() {
  std::array<char, 512> pairs{};
  for (int b = 0; b < 256; ++b) {
    pairs[2 * b] = kHex[b >> 4];
    pairs[2 * b + 1] = kHex[b & 0xf];
  }
  return pairs;
}
constexpr auto kHexPairs = make_hex_pairs();

/// Writes `digits` (even) hex digits of `value` at `out`; returns the end.
char* put_hex(char* out, std::uint64_t value, int digits) {
  for (int shift = (digits - 2) * 4; shift >= 0; shift -= 8) {
    const char* pair = &kHexPairs[2 * ((value >> shift) & 0xff)];
    *out++ = pair[0];
    *out++ = pair[1];
  }
  return out;
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
  char buf[36];
  char* p = put_hex(buf, hi >> 32, 8);
  *p++ = '-';
  p = put_hex(p, (hi >> 16) & 0xffff, 4);
  *p++ = '-';
  p = put_hex(p, hi & 0xffff, 4);
  *p++ = '-';
  p = put_hex(p, lo >> 48, 4);
  *p++ = '-';
  put_hex(p, lo & 0xffffffffffffULL, 12);
  out.append(buf, sizeof buf);
}

void append_new_traceparent(std::string& out) {
  char buf[55];
  char* p = buf;
  *p++ = '0';
  *p++ = '0';
  *p++ = '-';
  p = put_hex(p, generator().next() | 1, 16);  // | 1: an id is never all zeros
  p = put_hex(p, generator().next(), 16);
  *p++ = '-';
  p = put_hex(p, generator().next() | 1, 16);
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
