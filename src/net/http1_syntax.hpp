#pragma once
// HTTP/1.1 message syntax (RFC 9110 §5, RFC 9112), the pieces RequestParser and
// ResponseParser are built from.
// Each works on the bytes received so far: it reports need_more when they end before the
// element does, so the caller can wait for more and start again.

#include <array>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/system/error_code.hpp>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace rampart::net::http1 {

using boost::beast::http::field;
using boost::system::error_code;

/// Bits of kCharClass.
enum CharClass : std::uint8_t { kToken = 1, kValue = 2 };

/// tchar (RFC 9110 §5.6.2), and field-vchar / SP / HTAB / obs-text (§5.5): no CTL, no DEL.
inline constexpr std::array<std::uint8_t, 256> kCharClass = [] {
  std::array<std::uint8_t, 256> table{};
  constexpr std::string_view kTokenPunctuation = "!#$%&'*+-.^_`|~";
  for (int c = 0; c < 256; ++c) {
    if ((c >= 0x20 && c != 0x7f) || c == '\t') {
      table[c] |= kValue;
    }
    bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (alnum ||
        (c < 0x80 && kTokenPunctuation.find(static_cast<char>(c)) != std::string_view::npos)) {
      table[c] |= kToken;
    }
  }
  return table;
}();

inline bool is_token(char c) { return kCharClass[static_cast<unsigned char>(c)] & kToken; }
inline bool is_value(char c) { return kCharClass[static_cast<unsigned char>(c)] & kValue; }
inline bool is_ows(char c) { return c == ' ' || c == '\t'; }
bool is_token(std::string_view s);
std::string_view trim(std::string_view s);

constexpr std::uint64_t kOnes = 0x0101010101010101;

inline std::uint64_t load8(const char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline std::uint32_t load4(const char* p) {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

/// Case-insensitive equality with `lowercase`, which must hold only a-z, 0-9 and '-'. A word
/// at a time, and inline: with a literal the compiler reduces it to a few compares.
inline bool iequals(std::string_view s, std::string_view lowercase) {
  const std::size_t n = s.size();
  if (n != lowercase.size()) {
    return false;
  }
  const char* a = s.data();
  const char* b = lowercase.data();
  // Letters, and only they in `lowercase`, have 0x40: fold exactly those positions of `s`.
  auto same8 = [](std::uint64_t x, std::uint64_t y) { return (x | (y & kOnes * 0x40) >> 1) == y; };
  auto same4 = [](std::uint32_t x, std::uint32_t y) { return (x | (y & 0x40404040u) >> 1) == y; };
  if (n >= 8) {
    for (std::size_t i = 0; i + 8 < n; i += 8) {
      if (!same8(load8(a + i), load8(b + i))) {
        return false;
      }
    }
    return same8(load8(a + n - 8), load8(b + n - 8));
  }
  if (n >= 4) {
    return same4(load4(a), load4(b)) && same4(load4(a + n - 4), load4(b + n - 4));
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (!same4(static_cast<unsigned char>(a[i]), static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

/// Calls f(element) for each element of a comma-separated list (RFC 9110 §5.6.1), OWS
/// trimmed, empty ones included. Stops at the first f that returns false.
template <class F>
void for_each_element(std::string_view list, F f) {
  for (;;) {
    auto comma = list.find(',');
    if (!f(trim(list.substr(0, comma))) || comma == std::string_view::npos) {
      return;
    }
    list.remove_prefix(comma + 1);
  }
}

/// 1*DIGIT into 64 bits; false for anything else, overflow included.
bool parse_decimal(std::string_view s, std::uint64_t& value);
/// 0-15, or -1 for a byte that isn't HEXDIG.
int hex_value(char c);

/// Beast's enum for a field name, as boost::beast::http::string_to_field gives it: the names
/// of a typical request or response are looked up first, without hashing. `name` must be a token.
field field_id(std::string_view name);

/// At the byte after a line's content: CRLF must follow. Returns the byte after it, or null
/// with ec set (`bad_char` for a byte other than CR or LF there).
const char* end_of_line(const char* p, const char* last, boost::beast::http::error bad_char,
                        error_code& ec);

/// A status line's parts; `reason` is a view into the input.
struct StatusLine {
  int status = 0;
  std::string_view reason;
  bool http11 = true;
};

/// status-line = HTTP-version SP 3DIGIT SP reason-phrase CRLF (RFC 9112 §4), version 1.0 or
/// 1.1, status 100 to 999. Returns the byte after it, or null with ec set.
const char* parse_status_line(const char* p, const char* last, StatusLine& line, error_code& ec);

/// A request line's parts; `method` and `target` are views into the input.
struct RequestLine {
  std::string_view method;
  std::string_view target;  ///< set as soon as the SP after it is there, even if ec is set later
  bool http11 = true;
};

/// request-line = method SP request-target SP HTTP-version CRLF (RFC 9112 §3), the method a
/// token, the target visible ASCII or obs-text (as Beast), the version 1.0 or 1.1. Returns the
/// byte after it, or null with ec set.
const char* parse_request_line(const char* p, const char* last, RequestLine& line, error_code& ec);

/// A field line's parts; `name` and `value` are views into the input.
struct FieldLine {
  field id = field::unknown;  ///< as field_id() gives it
  std::string_view name;
  std::string_view value;
};

/// field-line = field-name ":" OWS field-value OWS CRLF (RFC 9112 §5), the value trimmed.
/// Returns the byte after it, or null with ec set.
const char* parse_field_line(const char* p, const char* last, FieldLine& line, error_code& ec);

/// The chunk-ext of a whole chunk-size line, between the size and the CRLF (RFC 9112 §7.1.1).
bool valid_chunk_extensions(const char* p, const char* last);

}  // namespace rampart::net::http1
