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

#include <boost/system/error_code.hpp>
#include <string_view>
#include <vector>

#include "http/exchange.hpp"
#include "net/message_parser.hpp"

namespace rampart::net {

/// Parses one HTTP/1.x response: the head into a ResponseHead, then the body framing.
/// Errors are boost::beast::http::error values, need_more meaning "call again with more".
class ResponseParser : public MessageParser<ResponseParser> {
 public:
  /// `pieces` is kept by the caller so that its capacity outlives the parser. The default body
  /// limit is Beast's 8 MiB.
  ResponseParser(http::ResponseHead& head, std::vector<std::string_view>& pieces)
      : MessageParser(8 * 1024 * 1024, &pieces), head_(head), pieces_(pieces) {}

  /// The request was HEAD: the response ends with its head whatever the head says.
  void skip(bool on) { skip_body_ = on; }
  /// When set, decoded body pieces (chunk framing removed) are collected in pieces().
  void collect_decoded(bool on) { body_.collect_decoded(on); }
  std::vector<std::string_view>& pieces() { return pieces_; }
  /// The upstream closed: that ends a close-delimited body, any other is partial_message.
  void put_eof(boost::system::error_code& ec);

  /// The body ends when the upstream closes (no Content-Length, not chunked).
  bool need_eof() const { return need_eof_; }
  bool keep_alive() const { return !need_eof_ && fields_keep_alive(); }
  int version() const { return framing_.http11 ? 11 : 10; }

 private:
  friend class MessageParser<ResponseParser>;
  std::size_t parse_head(const char* first, const char* last, boost::system::error_code& ec);
  void finish_head(boost::system::error_code& ec);

  http::ResponseHead& head_;
  std::vector<std::string_view>& pieces_;
  bool skip_body_ = false;
  bool need_eof_ = false;
};

}  // namespace rampart::net
