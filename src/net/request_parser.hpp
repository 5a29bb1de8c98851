#pragma once
// The client request parser. It has the interface of Beast's basic_parser<true> that the
// connection relies on (put, eager, the Beast error codes) but is written for the one job: the
// head goes into the Exchange as views into the read buffer, body bytes are forwarded exactly
// as they arrived.
//
// Clients are untrusted, and this is the gateway's first defence against request smuggling:
// a request that two parsers could frame differently is refused (400), never guessed at.
// Responses: response_parser.hpp; both share body_framing.hpp.

#include <boost/system/error_code.hpp>
#include <cstdint>
#include <string_view>
#include <vector>

#include "http/exchange.hpp"
#include "net/message_parser.hpp"

namespace rampart::net {

/// A longer request target is refused, with uri_too_long() set for a 414.
constexpr std::size_t kMaxUriBytes = 8 * 1024;

/// Why a request head was refused: the client gets 400 (431, 414), operators the reason.
enum class Refusal : std::uint8_t {
  smuggling,  ///< ambiguous framing, or Connection naming a protected field
  host,       ///< HTTP/1.1 without Host, Host twice, or a Host that is no host[:port]
  malformed,
  header_too_large,
  uri_too_long,
};

/// Parses one HTTP/1.x request: the head into a RequestHead, then the body framing.
/// Errors are boost::beast::http::error values, need_more meaning "call again with more".
class RequestParser : public MessageParser<RequestParser> {
 public:
  /// The default body limit is Beast's 1 MiB for requests. `pieces`, when given, receives the
  /// decoded body pieces once collect_decoded(true) is set.
  explicit RequestParser(http::RequestHead& head, std::vector<std::string_view>* pieces = nullptr)
      : MessageParser(1024 * 1024, pieces), head_(head) {}

  /// When set, decoded body pieces (chunk framing removed) are appended to `pieces`.
  void collect_decoded(bool on) { body_.collect_decoded(on); }

  bool keep_alive() const { return fields_keep_alive(); }
  /// The request has Expect: 100-continue (ignored in HTTP/1.0, RFC 9110 §10.1.1).
  bool expects_continue() const { return expect_continue_ && framing_.http11; }
  /// The error was a target longer than kMaxUriBytes.
  bool uri_too_long() const { return uri_too_long_; }
  /// What the error `ec` that put() gave means for the client.
  Refusal refusal(const boost::system::error_code& ec) const;

 private:
  friend class MessageParser<RequestParser>;
  std::size_t parse_head(const char* first, const char* last, boost::system::error_code& ec);
  void finish_head(boost::system::error_code& ec);

  http::RequestHead& head_;
  bool expect_continue_ = false;
  bool uri_too_long_ = false;
  bool bad_host_ = false;
  int host_fields_ = 0;
};

}  // namespace rampart::net
