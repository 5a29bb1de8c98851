#include "observe/json_writer.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace rampart::observe {

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

void append_json_quoted(std::string& out, std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && kPlain[static_cast<unsigned char>(text[i])]) {
    ++i;
  }
  if (i == text.size()) {
    // Nothing to escape (nearly always): reserve once, then copy.
    std::size_t old = out.size();
    out.resize(old + text.size() + 2);
    char* p = out.data() + old;
    *p = '"';
    std::memcpy(p + 1, text.data(), text.size());
    p[text.size() + 1] = '"';
    return;
  }
  out += '"';
  append_json_escaped(out, text);
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
  if (decimals == 3 && value >= 0 && value < 1e12) {
    // Integer formatting of thousandths: several times cheaper than to_chars(double).
    auto thousandths = static_cast<unsigned long long>(value * 1000.0 + 0.5);
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf - 4, thousandths / 1000);
    *end++ = '.';
    auto frac = static_cast<unsigned>(thousandths % 1000);
    *end++ = static_cast<char>('0' + frac / 100);
    *end++ = static_cast<char>('0' + frac / 10 % 10);
    *end++ = static_cast<char>('0' + frac % 10);
    out_.append(buf, end);
    return;
  }
  char buf[48];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed, decimals);
  out_.append(buf, end);
}

}  // namespace rampart::observe
