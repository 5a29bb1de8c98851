#include "http/json_writer.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace rampart::http {

namespace {
/// True for the bytes that need no escaping, so the common case is one table lookup.
constexpr std::array<bool, 256> make_plain_table() {
  std::array<bool, 256> table{};
  for (int c = 0x20; c < 0x80; ++c) {
    table[c] = c != '"' && c != '\\';
  }
  return table;
}
constexpr auto kPlain = make_plain_table();

}  // namespace

/// True when some byte of `text` is not plain (kPlain), eight bytes at a time: a log line's
/// values are scanned on every request and nearly never need escaping.
bool needs_json_escaping(std::string_view text) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHighs = kOnes * 0x80;
  const char* p = text.data();
  std::size_t n = text.size();
  for (; n >= 8; p += 8, n -= 8) {
    std::uint64_t x;
    std::memcpy(&x, p, sizeof x);
    const std::uint64_t quote = x ^ (kOnes * '"');
    const std::uint64_t backslash = x ^ (kOnes * '\\');
    // "Some byte below 0x20", "some byte is zero" (after the xor) and "some byte >= 0x80",
    // exact for the word as a whole (the bit-twiddling hacks' hasless and haszero).
    const std::uint64_t flagged = ((x - kOnes * 0x20) & ~x) | ((quote - kOnes) & ~quote) |
                                  ((backslash - kOnes) & ~backslash) | x;
    if (flagged & kHighs) {
      return true;
    }
  }
  for (; n > 0; ++p, --n) {
    if (!kPlain[static_cast<unsigned char>(*p)]) {
      return true;
    }
  }
  return false;
}

char* put_thousandths(char* out, double value) {
  if (!(value >= 0 && value < 1e12)) {  // also false for NaN
    return nullptr;
  }
  // Integer formatting of thousandths: several times cheaper than to_chars(double).
  auto thousandths = static_cast<unsigned long long>(value * 1000.0 + 0.5);
  out = std::to_chars(out, out + 13, thousandths / 1000).ptr;
  *out++ = '.';
  auto frac = static_cast<unsigned>(thousandths % 1000);
  *out++ = static_cast<char>('0' + frac / 100);
  *out++ = static_cast<char>('0' + frac / 10 % 10);
  *out++ = static_cast<char>('0' + frac % 10);
  return out;
}

void append_json_quoted(std::string& out, std::string_view text) {
  out += '"';
  if (needs_json_escaping(text)) {
    append_json_escaped(out, text);
  } else {
    out += text;
  }
  out += '"';
}

void append_json_escaped(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::size_t run_start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (kPlain[c]) {
      continue;
    }
    out.append(text.data() + run_start, i - run_start);
    run_start = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xf];
    }
  }
  out.append(text.data() + run_start, text.size() - run_start);
}

void JsonWriter::number(long long value) {
  separator();
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  out_.append(buf, end);
}

void JsonWriter::number(unsigned long long value) {
  separator();
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  out_.append(buf, end);
}

void JsonWriter::field_double(std::string_view name, double value, int decimals) {
  key(name);
  separator();
  if (!std::isfinite(value)) {
    out_ += "null";
    return;
  }
  if (decimals == 3) {
    char buf[32];
    if (char* end = put_thousandths(buf, value)) {
      out_.append(buf, end);
      return;
    }
  }
  char buf[48];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed, decimals);
  out_.append(buf, end);
}

}  // namespace rampart::http
