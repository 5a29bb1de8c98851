#pragma once
// The client request parser. It has the interface of Beast's basic_parser<true> that the
// connection relies on (put, eager, the Beast error codes) but is written for the one job: the
// head goes into the Exchange as views into the read buffer, body bytes are forwarded exactly
// as they arrived.
//
// Clients are untrusted, and this is the gateway's first defence against request smuggling:
// a request that two parsers could frame differently is refused (400), never guessed at.
// Responses: response_parser.hpp; both share body_framing.hpp.

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/optional/optional.hpp>
#include <boost/system/error_code.hpp>
#include <cstdint>
#include <limits>
#include <string_view>

#include "gateway/exchange.hpp"
#include "net/body_framing.hpp"

namespace rampart::net {

namespace http = boost::beast::http;

/// A longer request target is refused, with uri_too_long() set for a 414.
constexpr std::size_t kMaxUriBytes = 8 * 1024;

/// Parses one HTTP/1.x request: the head into a RequestHead, then the body framing.
/// Errors are boost::beast::http::error values, need_more meaning "call again with more".
class RequestParser {
 public:
  explicit RequestParser(gateway::RequestHead& head) : head_(head) {
    body_.limit(1024 * 1024);  // Beast's default for requests
    body_.trailer_limit(header_limit_);
  }

  /// A head (and, separately, a trailer) longer than this fails with
  /// http::error::header_limit.
  void header_limit(std::uint32_t bytes) {
    header_limit_ = bytes;
    body_.trailer_limit(bytes);
  }
  /// A body longer than this fails with http::error::body_limit; none: no limit. The default
  /// is Beast's 1 MiB: the proxy, which streams, sets none.
  void body_limit(boost::optional<std::uint64_t> bytes) {
    body_.limit(bytes ? *bytes : std::numeric_limits<std::uint64_t>::max());
  }
  /// Off (Beast's default): put() stops after the head. On: it goes on with the body bytes it
  /// is given. Past the head put() always takes all it can.
  void eager(bool on) { eager_ = on; }

  /// Returns the bytes consumed. Until the head is complete nothing is consumed (need_more):
  /// call again with the same bytes and more. In the body, a partial chunk-size or trailer
  /// line is left unconsumed (need_more); call again with it and what follows.
  std::size_t put(boost::asio::const_buffer buffer, boost::system::error_code& ec);

  bool is_header_done() const { return header_done_; }
  bool is_done() const { return header_done_ && body_.done(); }
  bool keep_alive() const;
  bool chunked() const { return framing_.chunked; }
  boost::optional<std::uint64_t> content_length() const;
  /// The request has Expect: 100-continue.
  bool expects_continue() const { return expect_continue_; }
  /// The error was a target longer than kMaxUriBytes.
  bool uri_too_long() const { return uri_too_long_; }

 private:
  std::size_t parse_head(const char* first, std::size_t size, boost::system::error_code& ec);
  const char* parse_fields(const char* p, const char* last, boost::system::error_code& ec);
  bool head_may_be_complete(const char* first, std::size_t window) const;
  void finish_head(boost::system::error_code& ec);

  gateway::RequestHead& head_;
  FramingFields framing_;
  BodyFraming body_;
  bool header_done_ = false;
  bool eager_ = false;
  bool expect_continue_ = false;
  bool uri_too_long_ = false;
  std::uint32_t header_limit_ = 8 * 1024;  // Beast's default
  std::size_t head_scanned_ = 0;           // bytes seen without the head's end
};

}  // namespace rampart::net
