#pragma once
// What RequestParser and ResponseParser share: the Beast-compatible interface the connection
// drives (put, eager, limits, the Beast error codes) around each one's own head parsing,
// and what the framing fields mean for keep-alive. CRTP, so put() calls the head parser
// directly on the request path.

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/optional/optional.hpp>
#include <boost/system/error_code.hpp>
#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

#include "net/body_framing.hpp"

namespace rampart::net {

namespace http = boost::beast::http;

/// `Derived` provides `std::size_t parse_head(const char* first, std::size_t size, ec)`:
/// nothing consumed until the whole head is there, then the head's size, with framing_
/// filled in, header_done_ set and body_ started.
template <class Derived>
class MessageParser {
 public:
  /// A head (and, separately, a trailer) longer than this fails with
  /// http::error::header_limit.
  void header_limit(std::uint32_t bytes) {
    header_limit_ = bytes;
    body_.trailer_limit(bytes);
  }
  /// A body longer than this fails with http::error::body_limit; none: no limit. The proxy,
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
      ec = http::error::stale_parser;
      return 0;
    }
    const char* const first = static_cast<const char*>(buffer.data());
    const char* p = first;
    if (!header_done_) {
      p += static_cast<Derived*>(this)->parse_head(first, buffer.size(), ec);
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
