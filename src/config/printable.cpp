#include "config/printable.hpp"

#include <fmt/format.h>

#include <cstddef>
#include <cstdint>

namespace rampart::config {

namespace {

bool is_continuation(std::uint8_t byte) { return (byte & 0xC0) == 0x80; }

// The length of the well-formed UTF-8 sequence of two or more bytes starting at `i`, or 0 when
// the byte there does not start one. The allowed second bytes are RFC 3629's table: they are
// what rules out overlong forms (E0 80..9F, F0 80..8F), surrogates (ED A0..BF) and code points
// over U+10FFFF (F4 90..BF).
std::size_t multibyte_length(std::string_view text, std::size_t i) {
  auto byte = [&](std::size_t at) { return static_cast<std::uint8_t>(text[at]); };
  std::uint8_t lead = byte(i);
  std::size_t length = 0;
  std::uint8_t second_min = 0x80;
  std::uint8_t second_max = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    second_min = lead == 0xE0 ? 0xA0 : 0x80;
    second_max = lead == 0xED ? 0x9F : 0xBF;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    second_min = lead == 0xF0 ? 0x90 : 0x80;
    second_max = lead == 0xF4 ? 0x8F : 0xBF;
  } else {
    return 0;
  }
  if (text.size() - i < length || byte(i + 1) < second_min || byte(i + 1) > second_max) {
    return 0;
  }
  for (std::size_t k = 2; k < length; ++k) {
    if (!is_continuation(byte(i + k))) {
      return 0;
    }
  }
  return length;
}

void append_escaped(std::string& out, std::uint8_t byte) { out += fmt::format("\\x{:02x}", byte); }

}  // namespace

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    auto byte = static_cast<std::uint8_t>(text[i]);
    if (byte < 0x80) {
      if (byte < 0x20 || byte == 0x7F) {
        append_escaped(out, byte);
      } else {
        out += static_cast<char>(byte);
      }
      ++i;
      continue;
    }
    std::size_t length = multibyte_length(text, i);
    if (length == 0) {
      // One byte at a time: what follows a broken sequence may be a character of its own.
      append_escaped(out, byte);
      ++i;
      continue;
    }
    bool is_c1_control = byte == 0xC2 && static_cast<std::uint8_t>(text[i + 1]) <= 0x9F;
    if (is_c1_control) {
      append_escaped(out, byte);
      append_escaped(out, static_cast<std::uint8_t>(text[i + 1]));
    } else {
      out.append(text.substr(i, length));
    }
    i += length;
  }
  return out;
}

}  // namespace rampart::config
