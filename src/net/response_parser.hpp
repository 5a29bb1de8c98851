#pragma once
// The upstream response parser. It has the interface of Beast's basic_parser<false> that the
// proxy relies on (put, eager, skip, the Beast error codes) but is written for the one job:
// the head goes into the Exchange as views into the read buffer, body bytes are forwarded as
// they arrived. Beast's generic parser cost ~3,300 instructions per nginx response head (its
// token lists, field table hash, per-field callbacks); this one about 1,400.
//
// Framing is strict on purpose (RFC 9112): a response that two parsers could read differently
// is refused, since a desynchronized upstream connection would hand one client's response to
// another.

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/optional/optional.hpp>
#include <boost/system/error_code.hpp>
#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

#include "gateway/exchange.hpp"
#include "net/body_framing.hpp"

namespace rampart::net {

namespace http = boost::beast::http;

/// Parses one HTTP/1.x response: the head into a ResponseHead, then the body framing.
/// Errors are boost::beast::http::error values, need_more meaning "call again with more".
class ResponseParser {
 public:
  /// `pieces` is kept by the caller so that its capacity outlives the parser.
  ResponseParser(gateway::ResponseHead& head, std::vector<std::string_view>& pieces)
      : head_(head), pieces_(pieces), body_(&pieces) {
    body_.limit(8 * 1024 * 1024);  // Beast's default
    body_.trailer_limit(header_limit_);
  }

  /// A head (and, separately, a trailer) longer than this fails with
  /// http::error::header_limit.
  void header_limit(std::uint32_t bytes) {
    header_limit_ = bytes;
    body_.trailer_limit(bytes);
  }
  /// A body longer than this fails with http::error::body_limit; none: no limit. The default
  /// is Beast's 8 MiB: the proxy, which streams, sets none.
  void body_limit(boost::optional<std::uint64_t> bytes) {
    body_.limit(bytes ? *bytes : std::numeric_limits<std::uint64_t>::max());
  }
  /// The request was HEAD: the response ends with its head whatever the head says.
  void skip(bool on) { skip_body_ = on; }
  /// Off (Beast's default): put() stops after the head. On: it goes on with the body bytes it
  /// is given. Past the head put() always takes all it can.
  void eager(bool on) { eager_ = on; }
  /// When set, decoded body pieces (chunk framing removed) are collected in pieces().
  void collect_decoded(bool on) { body_.collect_decoded(on); }
  std::vector<std::string_view>& pieces() { return pieces_; }

  /// Returns the bytes consumed. Until the head is complete nothing is consumed (need_more):
  /// call again with the same bytes and more. In the body, a partial chunk-size or trailer
  /// line is left unconsumed (need_more); call again with it and what follows.
  std::size_t put(boost::asio::const_buffer buffer, boost::system::error_code& ec);
  /// The upstream closed: that ends a close-delimited body, any other is partial_message.
  void put_eof(boost::system::error_code& ec);

  bool is_header_done() const { return header_done_; }
  bool is_done() const { return header_done_ && body_.done(); }
  /// The body ends when the upstream closes (no Content-Length, not chunked).
  bool need_eof() const { return need_eof_; }
  bool keep_alive() const;
  bool chunked() const { return framing_.chunked; }
  int version() const { return framing_.http11 ? 11 : 10; }
  boost::optional<std::uint64_t> content_length() const;

 private:
  std::size_t parse_head(const char* first, std::size_t size, boost::system::error_code& ec);
  bool head_may_be_complete(const char* first, std::size_t window);
  void finish_head(boost::system::error_code& ec);

  gateway::ResponseHead& head_;
  std::vector<std::string_view>& pieces_;
  FramingFields framing_;
  BodyFraming body_;
  bool header_done_ = false;
  bool skip_body_ = false;
  bool eager_ = false;
  bool need_eof_ = false;
  std::uint32_t header_limit_ = 8 * 1024;  // Beast's default
  std::size_t head_scanned_ = 0;           // bytes seen without the head's end
};

}  // namespace rampart::net
