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

namespace rampart::net {

namespace http = boost::beast::http;

/// Parses one HTTP/1.x response: the head into a ResponseHead, then the body framing.
/// Errors are boost::beast::http::error values, need_more meaning "call again with more".
class ResponseParser {
 public:
  /// `pieces` is kept by the caller so that its capacity outlives the parser.
  ResponseParser(gateway::ResponseHead& head, std::vector<std::string_view>& pieces)
      : head_(head), pieces_(pieces) {}

  /// A head longer than this fails with http::error::header_limit.
  void header_limit(std::uint32_t bytes) { header_limit_ = bytes; }
  /// A body longer than this fails with http::error::body_limit; none: no limit. The default
  /// is Beast's 8 MiB: the proxy, which streams, sets none.
  void body_limit(boost::optional<std::uint64_t> bytes) {
    body_left_ = bytes ? *bytes : std::numeric_limits<std::uint64_t>::max();
  }
  /// The request was HEAD: the response ends with its head whatever the head says.
  void skip(bool on) { skip_body_ = on; }
  /// Off (Beast's default): put() stops after the head. On: it goes on with the body bytes it
  /// is given. Past the head put() always takes all it can.
  void eager(bool on) { eager_ = on; }
  /// When set, decoded body pieces (chunk framing removed) are collected in pieces().
  void collect_decoded(bool on) { collect_ = on; }
  std::vector<std::string_view>& pieces() { return pieces_; }

  /// Returns the bytes consumed. Until the head is complete nothing is consumed (need_more):
  /// call again with the same bytes and more. In the body, a partial chunk-size or trailer
  /// line is left unconsumed (need_more); call again with it and what follows.
  std::size_t put(boost::asio::const_buffer buffer, boost::system::error_code& ec);
  /// The upstream closed: that ends a close-delimited body, any other is partial_message.
  void put_eof(boost::system::error_code& ec);

  bool is_header_done() const { return state_ != State::head; }
  bool is_done() const { return state_ == State::done; }
  /// The body ends when the upstream closes (no Content-Length, not chunked).
  bool need_eof() const { return need_eof_; }
  bool keep_alive() const;
  bool chunked() const { return head_facts_.chunked; }
  int version() const { return head_facts_.http11 ? 11 : 10; }
  boost::optional<std::uint64_t> content_length() const;

 private:
  enum class State : std::uint8_t {
    head,
    body,         // Content-Length bytes
    body_to_eof,  // until the upstream closes
    chunk_size,   // a chunk-size line, whole or not at all
    chunk_data,
    chunk_data_cr,
    chunk_data_lf,
    trailer,  // a trailer field line or the final CRLF, whole or not at all
    done,
  };
  // What the head's fields say about framing and the connection.
  struct HeadFacts {
    bool http11 = true;
    bool connection_close = false;
    bool connection_keep_alive = false;
    bool has_content_length = false;
    bool transfer_encoding = false;
    bool chunked = false;
    std::uint64_t content_length = 0;
  };

  std::size_t parse_head(const char* first, std::size_t size, boost::system::error_code& ec);
  bool head_may_be_complete(const char* first, std::size_t window);
  void on_framing_field(gateway::field id, std::string_view value, boost::system::error_code& ec);
  void finish_head(boost::system::error_code& ec);
  const char* parse_body(const char* p, const char* last, boost::system::error_code& ec);
  const char* parse_chunk_size(const char* p, const char* last, boost::system::error_code& ec);
  const char* parse_trailer(const char* p, const char* last, boost::system::error_code& ec);
  void add_piece(const char* p, std::size_t n) {
    if (collect_ && n > 0) {
      pieces_.emplace_back(p, n);
    }
  }

  gateway::ResponseHead& head_;
  std::vector<std::string_view>& pieces_;
  HeadFacts head_facts_;
  State state_ = State::head;
  bool skip_body_ = false;
  bool eager_ = false;
  bool collect_ = false;
  bool need_eof_ = false;
  std::uint32_t header_limit_ = 8 * 1024;      // Beast's default
  std::uint64_t body_left_ = 8 * 1024 * 1024;  // Beast's default
  std::uint64_t remaining_ = 0;                // bytes left of the Content-Length or of the chunk
  std::size_t head_scanned_ = 0;               // bytes seen without the head's end
  std::size_t trailer_bytes_ = 0;
};

}  // namespace rampart::net
