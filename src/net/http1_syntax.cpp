#include "net/http1_syntax.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace rampart::net::http1 {

namespace bhttp = boost::beast::http;

namespace {

constexpr std::uint64_t kHighBits = 0x8080808080808080;

/// Skips value characters, a word at a time while it holds no CTL or DEL: values are most of
/// a head's bytes. HTAB, the one CTL a value may hold, costs a step of its own.
const char* skip_value_chars(const char* p, const char* last) {
#if defined(__SSE2__)
  const __m128i max_ctl = _mm_set1_epi8(0x1f);
  const __m128i del = _mm_set1_epi8(0x7f);
  while (last - p >= 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i ctl = _mm_cmpeq_epi8(_mm_min_epu8(x, max_ctl), x);
    const auto flagged =
        static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(ctl, _mm_cmpeq_epi8(x, del))));
    if (flagged == 0) {
      p += 16;
      continue;
    }
    p += std::countr_zero(flagged);
    if (*p != '\t') {
      return p;
    }
    ++p;
  }
#endif
  if constexpr (std::endian::native == std::endian::little) {
    // The "has a byte less than" bit trick: its lowest flagged byte is exact.
    while (last - p >= 8) {
      const std::uint64_t x = load8(p);
      const std::uint64_t below_space = x - kOnes * 0x20;
      const std::uint64_t is_del = (x ^ (kOnes * 0x7f)) - kOnes;
      const std::uint64_t flagged = (below_space | is_del) & ~x & kHighBits;
      if (flagged == 0) {
        p += 8;
        continue;
      }
      p += std::countr_zero(flagged) / 8;
      if (*p != '\t') {
        return p;
      }
      ++p;
    }
  }
  while (p < last && is_value(*p)) {
    ++p;
  }
  return p;
}

/// Skips request-target bytes: anything but CTL, SP and DEL. A target can be most of a
/// request's head.
const char* skip_target_chars(const char* p, const char* last) {
#if defined(__SSE2__)
  const __m128i space = _mm_set1_epi8(0x20);
  const __m128i del = _mm_set1_epi8(0x7f);
  while (last - p >= 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i ctl_or_space = _mm_cmpeq_epi8(_mm_min_epu8(x, space), x);
    const auto flagged = static_cast<unsigned>(
        _mm_movemask_epi8(_mm_or_si128(ctl_or_space, _mm_cmpeq_epi8(x, del))));
    if (flagged != 0) {
      return p + std::countr_zero(flagged);
    }
    p += 16;
  }
#endif
  while (p < last && is_value(*p) && *p != ' ' && *p != '\t') {
    ++p;
  }
  return p;
}

const char* skip_token_chars(const char* p, const char* last) {
  while (last - p >= 4 && is_token(p[0]) && is_token(p[1]) && is_token(p[2]) && is_token(p[3])) {
    p += 4;
  }
  while (p < last && is_token(*p)) {
    ++p;
  }
  return p;
}

inline const char* crlf(const char* p, const char* last, bhttp::error bad_char, error_code& ec) {
  if (p == last || (*p == '\r' && p + 1 == last)) {
    ec = bhttp::error::need_more;
    return nullptr;
  }
  if (*p != '\r' && *p != '\n') {
    ec = bad_char;
    return nullptr;
  }
  // A bare LF ends a line for some parsers and not for others: refused.
  if (*p != '\r' || p[1] != '\n') {
    ec = bhttp::error::bad_line_ending;
    return nullptr;
  }
  return p + 2;
}

}  // namespace

bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return is_token(c); });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_ows(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && is_ows(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

bool parse_decimal(std::string_view s, std::uint64_t& value) {
  constexpr std::size_t kSafeDigits = 19;  // below 2^64 whatever they are
  constexpr auto kMax = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const unsigned digit = static_cast<unsigned char>(s[i]) - unsigned{'0'};
    if (digit > 9 || (i >= kSafeDigits && v > (kMax - digit) / 10)) {
      return false;
    }
    v = v * 10 + digit;
  }
  value = v;
  return !s.empty();
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  const char lower = static_cast<char>(c | 0x20);
  return lower >= 'a' && lower <= 'f' ? lower - 'a' + 10 : -1;
}

namespace {

/// The fields of a typical request or response, by exact comparison: no hashing, and a name
/// that matches is a token without checking its bytes. field::unknown for any other name.
field common_field(std::string_view name) {
  switch (name.size()) {
    case 4:
      return iequals(name, "host")   ? field::host
             : iequals(name, "date") ? field::date
             : iequals(name, "etag") ? field::etag
             : iequals(name, "vary") ? field::vary
                                     : field::unknown;
    case 6:
      return iequals(name, "accept")   ? field::accept
             : iequals(name, "server") ? field::server
             : iequals(name, "cookie") ? field::cookie
             : iequals(name, "expect") ? field::expect
                                       : field::unknown;
    case 10:
      return iequals(name, "user-agent")   ? field::user_agent
             : iequals(name, "connection") ? field::connection
             : iequals(name, "keep-alive") ? field::keep_alive
             : iequals(name, "set-cookie") ? field::set_cookie
                                           : field::unknown;
    case 12:
      return iequals(name, "content-type") ? field::content_type : field::unknown;
    case 13:
      return iequals(name, "authorization")   ? field::authorization
             : iequals(name, "cache-control") ? field::cache_control
             : iequals(name, "last-modified") ? field::last_modified
                                              : field::unknown;
    case 14:
      return iequals(name, "content-length") ? field::content_length : field::unknown;
    case 15:
      return iequals(name, "accept-encoding")   ? field::accept_encoding
             : iequals(name, "accept-language") ? field::accept_language
                                                : field::unknown;
    case 17:
      return iequals(name, "transfer-encoding") ? field::transfer_encoding : field::unknown;
    default:
      return field::unknown;
  }
}

[[gnu::noinline]] field rare_field(std::string_view name) {
  return bhttp::string_to_field({name.data(), name.size()});
}

}  // namespace

field field_id(std::string_view name) {
  const field id = common_field(name);
  return id != field::unknown ? id : rare_field(name);
}

const char* end_of_line(const char* p, const char* last, bhttp::error bad_char, error_code& ec) {
  return crlf(p, last, bad_char, ec);
}

const char* parse_status_line(const char* p, const char* last, StatusLine& line, error_code& ec) {
  constexpr std::ptrdiff_t kFixedBytes = 13;  // "HTTP/1.1 200 "
  if (last - p < kFixedBytes) {
    // Bytes that can't begin a status line fail at once (as a request line's do), or a short
    // first read would only be looked at again when the head's end or the limit came.
    constexpr std::string_view kPattern = "HTTP/1.1 999 ";
    for (std::ptrdiff_t i = 0; i < last - p; ++i) {
      const char c = p[i];
      const bool fits = i == 7               ? (c == '0' || c == '1')
                        : i == 9             ? (c >= '1' && c <= '9')
                        : i >= 10 && i <= 11 ? (c >= '0' && c <= '9')
                                             : c == kPattern[i];
      if (!fits) {
        ec = i < 9 ? bhttp::error::bad_version : bhttp::error::bad_status;
        return nullptr;
      }
    }
    ec = bhttp::error::need_more;
    return nullptr;
  }
  if (std::memcmp(p, "HTTP/1.", 7) != 0 || (p[7] != '0' && p[7] != '1') || p[8] != ' ') {
    ec = bhttp::error::bad_version;
    return nullptr;
  }
  auto digit = [](char c) { return static_cast<unsigned>(static_cast<unsigned char>(c) - '0'); };
  if (digit(p[9]) - 1 > 8 || digit(p[10]) > 9 || digit(p[11]) > 9 || p[12] != ' ') {
    ec = bhttp::error::bad_status;  // not 100 to 999
    return nullptr;
  }
  line.status = static_cast<int>(digit(p[9]) * 100 + digit(p[10]) * 10 + digit(p[11]));
  line.http11 = p[7] == '1';
  const char* reason = p + kFixedBytes;
  p = skip_value_chars(reason, last);
  line.reason = std::string_view(reason, p - reason);
  return crlf(p, last, bhttp::error::bad_reason, ec);
}

const char* parse_request_line(const char* p, const char* last, RequestLine& line, error_code& ec) {
  // Each part either ends inside the input, or the input ends inside it: need_more. Bytes
  // that can't be part of a request line fail at once, so garbage is answered without waiting.
  const char* start = p;
  p = skip_token_chars(p, last);
  if (p == last) {
    ec = bhttp::error::need_more;
    return nullptr;
  }
  if (*p != ' ' || p == start) {
    ec = bhttp::error::bad_method;
    return nullptr;
  }
  line.method = std::string_view(start, p - start);
  start = ++p;
  p = skip_target_chars(p, last);
  if (p == last) {
    ec = bhttp::error::need_more;
    return nullptr;
  }
  if (*p != ' ' || p == start) {
    ec = bhttp::error::bad_target;
    return nullptr;
  }
  line.target = std::string_view(start, p - start);
  ++p;
  constexpr std::string_view kVersion = "HTTP/1.";
  const auto available = static_cast<std::size_t>(last - p);
  if (std::memcmp(p, kVersion.data(), std::min(available, kVersion.size())) != 0) {
    ec = bhttp::error::bad_version;
    return nullptr;
  }
  if (available <= kVersion.size()) {
    ec = bhttp::error::need_more;
    return nullptr;
  }
  // HTTP/1.2 and later minor versions would be answered as 1.1 (RFC 9110 §2.5), but no such
  // version exists, and a client sending one is more likely probing than speaking HTTP.
  const char minor = p[kVersion.size()];
  if (minor != '0' && minor != '1') {
    ec = bhttp::error::bad_version;
    return nullptr;
  }
  line.http11 = minor == '1';
  return crlf(p + kVersion.size() + 1, last, bhttp::error::bad_version, ec);
}

const char* parse_field_line(const char* p, const char* last, FieldLine& line, error_code& ec) {
  // The colon ends the name; a name that is one of the common fields needs no other check.
  const auto* colon = static_cast<const char*>(std::memchr(p, ':', last - p));
  line.id = colon == nullptr ? field::unknown : common_field({p, std::size_t(colon - p)});
  if (line.id == field::unknown) {
    const char* end = skip_token_chars(p, last);
    if (end == last) {
      ec = bhttp::error::need_more;
      return nullptr;
    }
    if (end != colon || end == p) {
      // Obsolete line folding is refused rather than unfolded: parsers disagree on it.
      ec = is_ows(*p) ? bhttp::error::bad_obs_fold : bhttp::error::bad_field;
      return nullptr;
    }
    line.id = rare_field({p, std::size_t(colon - p)});
  }
  line.name = std::string_view(p, colon - p);
  p = colon + 1;
  while (p < last && is_ows(*p)) {
    ++p;
  }
  const char* start = p;
  p = skip_value_chars(p, last);
  const char* end = p;
  while (end > start && is_ows(end[-1])) {
    --end;
  }
  line.value = std::string_view(start, end - start);
  return crlf(p, last, bhttp::error::bad_value, ec);
}

bool valid_chunk_extensions(const char* p, const char* last) {
  // chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
  auto skip_ows = [&] {
    while (p < last && is_ows(*p)) {
      ++p;
    }
  };
  auto skip_token = [&] {
    const char* start = p;
    while (p < last && is_token(*p)) {
      ++p;
    }
    return p > start;
  };
  while (p < last) {
    skip_ows();
    if (p == last || *p++ != ';') {
      return false;
    }
    skip_ows();
    if (!skip_token()) {
      return false;
    }
    const char* after_name = p;
    skip_ows();
    if (p == last || *p != '=') {
      p = after_name;
      continue;
    }
    ++p;
    skip_ows();
    if (p == last || *p != '"') {
      if (!skip_token()) {
        return false;
      }
      continue;
    }
    for (++p;; ++p) {  // quoted-string: qdtext and quoted-pair are value characters
      if (p == last || !is_value(*p)) {
        return false;
      }
      if (*p == '"') {
        ++p;
        break;
      }
      if (*p == '\\' && (++p == last || !is_value(*p))) {
        return false;
      }
    }
  }
  return true;
}

}  // namespace rampart::net::http1
