#pragma once
// What RequestParser and ResponseParser share: the Beast-compatible interface the connection
// drives (put, eager, limits, the Beast error codes) around each one's own head parsing,
// and what the framing fields mean for keep-alive. CRTP, so put() calls the head parser
// directly on the request path.

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/optional/optional.hpp>
#include <boost/system/error_code.hpp>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string_view>
#include <vector>

#include "http/header_list.hpp"
#include "net/body_framing.hpp"
#include "net/http1_syntax.hpp"

namespace rampart::net {

namespace bhttp = boost::beast::http;

/// `Derived` provides `std::size_t parse_head(const char* first, const char* last, ec)`: the
/// head's size once [first, last) holds it all (with the fields in `head_.headers`, framing_
/// filled in, header_done_ set and body_ started), 0 and need_more when it ends too soon, 0
/// and another error for a head that can't be valid.
template <class Derived>
class MessageParser {
 public:
  /// A head (and, separately, a trailer) longer than this fails with
  /// bhttp::error::header_limit.
  void header_limit(std::uint32_t bytes) {
    header_limit_ = bytes;
    body_.trailer_limit(bytes);
  }
  /// A body longer than this fails with bhttp::error::body_limit; none: no limit. The proxy,
  /// which streams, sets none.
  void body_limit(boost::optional<std::uint64_t> bytes) {
    body_.limit(bytes ? *bytes : std::numeric_limits<std::uint64_t>::max());
  }
  /// Off (Beast's default): put() stops after the head. On: it goes on with the body bytes it
  /// is given. Past the head put() always takes all it can.
  void eager(bool on) { eager_ = on; }

  /// Returns the bytes consumed. Until the head is complete nothing is consumed (need_more):
  /// call again with the same bytes and more. In the body, a partial chunk-size or trailer
  /// line is left unconsumed (need_more); call again with it and what follows.
  std::size_t put(boost::asio::const_buffer buffer, boost::system::error_code& ec) {
    ec = {};
    if (is_done()) {
      ec = bhttp::error::stale_parser;
      return 0;
    }
    const char* const first = static_cast<const char*>(buffer.data());
    const char* p = first;
    if (!header_done_) {
      p += parse_complete_head(first, buffer.size(), ec);
      if (ec || is_done() || !eager_) {
        return p - first;
      }
    }
    return body_.parse(p, first + buffer.size(), ec) - first;
  }

  bool is_header_done() const { return header_done_; }
  bool is_done() const { return header_done_ && body_.done(); }
  bool chunked() const { return framing_.chunked; }
  boost::optional<std::uint64_t> content_length() const {
    if (!framing_.has_content_length) {
      return boost::none;
    }
    return framing_.content_length;
  }

 protected:
  /// Nothing is consumed until the whole head is there (need_more): the caller passes it
  /// again with more.
  std::size_t parse_complete_head(const char* first, std::size_t size,
                                  boost::system::error_code& ec) {
    // The head must end within the header limit: no need to look further.
    const std::size_t window = std::min<std::size_t>(size, header_limit_);
    auto& fields = static_cast<Derived*>(this)->head_.headers.fields();
    const std::size_t first_field = fields.size();
    if (head_scanned_ == 0 || head_may_be_complete(first, window)) {
      const std::size_t used = static_cast<Derived*>(this)->parse_head(first, first + window, ec);
      if (ec != bhttp::error::need_more) {
        return used;
      }
    }
    // Nothing consumed: the next call parses these lines again, from its own buffer.
    fields.resize(first_field);
    head_scanned_ = window;
    ec = size >= header_limit_ ? bhttp::error::header_limit : bhttp::error::need_more;
    return 0;
  }

  /// A head arriving in many small reads would be parsed again and again: parse only once its
  /// end is there (the first CRLFCRLF ends it, since no line holds a CR), or a bare LF, which
  /// is an error to answer now rather than when the head would have overflowed.
  bool head_may_be_complete(const char* first, std::size_t window) const {
    const char* p = first + std::min(window, head_scanned_);
    const char* const last = first + window;
    while ((p = static_cast<const char*>(std::memchr(p, '\n', last - p))) != nullptr) {
      if (p == first || p[-1] != '\r' || (p - first >= 3 && p[-2] == '\n')) {
        return true;
      }
      ++p;
    }
    return false;
  }

  /// The field lines and the empty line after them; returns the byte after the head, or null
  /// with ec set. Framing fields go to framing_, every field into the head's list, and
  /// `on_field(line)` sees each one (for what only one side cares about).
  template <class OnField>
  const char* parse_fields(const char* p, const char* last, boost::system::error_code& ec,
                           OnField on_field) {
    auto& headers = static_cast<Derived*>(this)->head_.headers;
    while (p != last && *p != '\r' && *p != '\n') {
      http1::FieldLine line;
      p = http1::parse_field_line(p, last, line, ec);
      if (p == nullptr) {
        return nullptr;
      }
      switch (line.id) {
        case bhttp::field::connection:
        case bhttp::field::content_length:
        case bhttp::field::transfer_encoding:
        case bhttp::field::proxy_connection:
          framing_.on_field(line.id, line.value, ec);
          if (ec) {
            return nullptr;
          }
          break;
        default:
          on_field(line);
          break;
      }
      headers.add(line.id, line.name, line.value);
    }
    return http1::end_of_line(p, last, bhttp::error::bad_field, ec);
  }

  MessageParser(std::uint64_t default_body_limit, std::vector<std::string_view>* pieces)
      : body_(pieces) {
    body_.limit(default_body_limit);
    body_.trailer_limit(header_limit_);
  }

  /// Keep-alive as the head's fields have it.
  bool fields_keep_alive() const {
    if (!framing_.http11 && framing_.transfer_encoding) {
      // RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 is faulty framing; close after it.
      return false;
    }
    // RFC 9112 §9.3: close wins, even over an HTTP/1.0 keep-alive (Beast lets keep-alive win).
    return !framing_.connection_close && (framing_.http11 || framing_.connection_keep_alive);
  }

  FramingFields framing_;
  BodyFraming body_;
  bool header_done_ = false;
  bool eager_ = false;
  std::uint32_t header_limit_ = 8 * 1024;  // Beast's default
  std::size_t head_scanned_ = 0;           // bytes seen without the head's end
};

}  // namespace rampart::net
