#pragma once
// A chunked-body decoder written straight from the grammar of RFC 9112 §7.1, for the fuzz
// targets to hold BodyFraming against. Slow and plain on purpose: it reads the ABNF rule by
// rule over the whole buffer, with no limits and no shortcuts, so that where it and
// BodyFraming disagree the grammar, not an optimisation, decides.
//
//   chunked-body    = *chunk last-chunk trailer-section CRLF
//   chunk           = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//   chunk-size      = 1*HEXDIG
//   last-chunk      = 1*("0") [ chunk-ext ] CRLF
//   chunk-ext       = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
//   chunk-ext-val   = token / quoted-string
//   trailer-section = *( field-line CRLF )
//   field-line      = field-name ":" OWS field-value OWS

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>

namespace rampart::fuzz {

/// What the reference made of a buffer that starts with a chunked body.
struct ChunkedReference {
  enum class Verdict { complete, incomplete, invalid };
  Verdict verdict = Verdict::incomplete;
  std::size_t consumed = 0;  ///< complete: the body's length, framing included
  std::string decoded;       ///< the chunk data so far, framing removed

  // What BodyFraming limits and the grammar doesn't, as far as the reference read.
  std::size_t longest_size_line = 0;  ///< a chunk-size line's bytes, CRLF included
  bool size_overflow = false;         ///< a chunk-size of 2^64 or more
  std::uint64_t declared = 0;         ///< the chunk sizes added up (saturating)
  bool declared_overflow = false;     ///< the chunk sizes add up to 2^64 or more
  std::size_t trailer_bytes = 0;      ///< the trailer section and the final CRLF
};

namespace chunked_detail {

inline bool is_tchar(unsigned char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
    return true;
  }
  return c != 0 &&
         std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}
inline bool is_vchar_or_obs(unsigned char c) { return (c >= 0x21 && c <= 0x7e) || c >= 0x80; }
inline bool is_ws(unsigned char c) { return c == ' ' || c == '\t'; }
inline int hex(unsigned char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

/// One pass over the input; each rule returns kOk, kMore (the input ended inside it) or kBad.
class Decoder {
 public:
  enum Step { kOk, kMore, kBad };

  explicit Decoder(std::string_view in) : in_(in) {}

  ChunkedReference run() {
    for (;;) {
      const std::size_t line_start = pos_;
      std::uint64_t size = 0;
      Step step = chunk_size_line(size);
      out_.longest_size_line = std::max(out_.longest_size_line, pos_ - line_start);
      if (step != kOk) {
        return finish(step);
      }
      if (size == 0) {
        break;
      }
      add_declared(size);
      if (in_.size() - pos_ < size) {
        out_.decoded.append(in_.substr(pos_));
        return finish(kMore);
      }
      out_.decoded.append(in_.substr(pos_, size));
      pos_ += size;
      if ((step = crlf()) != kOk) {
        return finish(step);
      }
    }
    const std::size_t trailer_start = pos_;
    Step step = trailer_section();
    out_.trailer_bytes = pos_ - trailer_start;
    if (step == kOk) {
      out_.consumed = pos_;
    }
    return finish(step);
  }

 private:
  bool at_end() const { return pos_ == in_.size(); }
  unsigned char peek() const { return static_cast<unsigned char>(in_[pos_]); }

  ChunkedReference finish(Step step) {
    out_.verdict = step == kOk    ? ChunkedReference::Verdict::complete
                   : step == kBad ? ChunkedReference::Verdict::invalid
                                  : ChunkedReference::Verdict::incomplete;
    return std::move(out_);
  }

  void add_declared(std::uint64_t size) {
    const auto max = std::numeric_limits<std::uint64_t>::max();
    if (size > max - out_.declared) {
      out_.declared = max;
      out_.declared_overflow = true;
    } else {
      out_.declared += size;
    }
  }

  Step crlf() {
    if (at_end()) {
      return kMore;
    }
    if (peek() != '\r') {
      return kBad;
    }
    ++pos_;
    if (at_end()) {
      return kMore;
    }
    if (peek() != '\n') {
      return kBad;
    }
    ++pos_;
    return kOk;
  }

  void skip_ws() {
    while (!at_end() && is_ws(peek())) {
      ++pos_;
    }
  }

  /// 1*tchar, as long as it goes; kMore when the input ends in it (it might go on).
  Step token() {
    if (at_end()) {
      return kMore;
    }
    if (!is_tchar(peek())) {
      return kBad;
    }
    while (!at_end() && is_tchar(peek())) {
      ++pos_;
    }
    return at_end() ? kMore : kOk;
  }

  Step quoted_string() {  // at the opening DQUOTE
    for (++pos_;; ++pos_) {
      if (at_end()) {
        return kMore;
      }
      const unsigned char c = peek();
      if (c == '"') {
        ++pos_;
        return kOk;
      }
      if (c == '\\') {
        if (++pos_ == in_.size()) {
          return kMore;
        }
        if (!is_ws(peek()) && !is_vchar_or_obs(peek())) {
          return kBad;
        }
      } else if (!is_ws(c) && !is_vchar_or_obs(c)) {
        return kBad;
      }
    }
  }

  Step chunk_size_line(std::uint64_t& size) {
    if (at_end()) {
      return kMore;
    }
    if (hex(peek()) < 0) {
      return kBad;
    }
    for (; !at_end() && hex(peek()) >= 0; ++pos_) {
      if (size > (std::numeric_limits<std::uint64_t>::max() >> 4)) {
        out_.size_overflow = true;
      }
      size = size << 4 | static_cast<unsigned>(hex(peek()));
    }
    for (;;) {  // chunk-ext
      const std::size_t before_ws = pos_;
      skip_ws();
      if (at_end()) {
        return kMore;
      }
      if (peek() == '\r' && pos_ == before_ws) {
        break;
      }
      if (peek() != ';') {
        return kBad;
      }
      ++pos_;
      skip_ws();
      if (Step step = token(); step != kOk) {
        return step;
      }
      const std::size_t after_name = pos_;
      skip_ws();
      if (at_end()) {
        return kMore;
      }
      if (peek() != '=') {
        pos_ = after_name;  // that BWS is the next extension's
        continue;
      }
      ++pos_;
      skip_ws();
      if (at_end()) {
        return kMore;
      }
      Step step = peek() == '"' ? quoted_string() : token();
      if (step != kOk) {
        return step;
      }
    }
    if (out_.size_overflow) {
      size = std::numeric_limits<std::uint64_t>::max();  // more than any input holds
    }
    return crlf();
  }

  Step trailer_section() {
    for (;;) {
      if (at_end()) {
        return kMore;
      }
      if (peek() == '\r') {
        return crlf();
      }
      if (Step step = token(); step != kOk) {
        return step;
      }
      if (peek() != ':') {
        return kBad;
      }
      ++pos_;
      while (!at_end() && (is_ws(peek()) || is_vchar_or_obs(peek()))) {
        ++pos_;
      }
      if (Step step = crlf(); step != kOk) {
        return step;
      }
    }
  }

  std::string_view in_;
  std::size_t pos_ = 0;
  ChunkedReference out_;
};

}  // namespace chunked_detail

/// Decodes the chunked body at the start of `in`; bytes after its end are not looked at.
inline ChunkedReference decode_chunked(std::string_view in) {
  return chunked_detail::Decoder(in).run();
}

}  // namespace rampart::fuzz
