#pragma once
// HTTP/1.1 body framing (RFC 9112 §6, §7), shared by RequestParser and ResponseParser so that
// what a head's fields mean for framing, and chunked decoding, exist once: a request and a
// response that disagreed on where a body ends would be the start of a desynchronization.

#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/system/error_code.hpp>
#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

namespace rampart::net {

/// What a head's fields say about the body's framing and the connection. Strict on purpose:
/// a message that two parsers could frame differently is refused, never guessed at.
struct FramingFields {
  bool http11 = true;
  bool connection_close = false;
  bool connection_keep_alive = false;
  bool has_content_length = false;
  bool transfer_encoding = false;
  bool chunked = false;  ///< the last transfer coding is chunked
  /// Connection names a field that frames the message or that rampart itself writes or
  /// relies on (Content-Length, Host, X-Forwarded-For...): dropping it as hop-by-hop while
  /// still framing by it is how a body becomes a second request (is_protected_field).
  bool connection_names_protected = false;
  std::uint64_t content_length = 0;

  /// Connection, Proxy-Connection, Content-Length and Transfer-Encoding; other ids are
  /// ignored. Sets ec to a boost::beast::http::error for a value that makes framing ambiguous.
  void on_field(boost::beast::http::field id, std::string_view value,
                boost::system::error_code& ec);
  /// Once every field is in: Content-Length and Transfer-Encoding together are refused.
  void check(boost::system::error_code& ec) const;
};

/// Fields a Connection header may not name: the framing, and what rampart writes itself or
/// decides by (a client naming them would make rampart drop them while the upstream
/// believes them, or frame a body the upstream is told has none).
bool is_protected_field(std::string_view name);

/// The body after the head: a Content-Length countdown, chunked decoding, or bytes until the
/// peer closes. Works on the bytes received so far; a partial chunk-size or trailer line is
/// left unconsumed (need_more) for the caller to pass again with what follows.
class BodyFraming {
 public:
  /// `pieces` receives the decoded body pieces (chunk framing removed) while collecting.
  explicit BodyFraming(std::vector<std::string_view>* pieces = nullptr) : pieces_(pieces) {}

  /// Body bytes beyond this fail with bhttp::error::body_limit.
  void limit(std::uint64_t bytes) { body_left_ = bytes; }
  /// Trailer fields beyond this (and beyond 16 KiB) fail with bhttp::error::header_limit.
  void trailer_limit(std::size_t bytes) { trailer_limit_ = bytes; }
  void collect_decoded(bool on) { collect_ = on && pieces_ != nullptr; }

  /// Starts a body of exactly `bytes` (body_limit if over the limit), chunked, or to the close.
  void start_length(std::uint64_t bytes, boost::system::error_code& ec);
  void start_chunked() { state_ = State::chunk_size; }
  void start_to_eof() { state_ = State::body_to_eof; }
  /// No body at all.
  void start_done() { state_ = State::done; }

  /// Returns the first byte not consumed; stops at the body's end.
  const char* parse(const char* p, const char* last, boost::system::error_code& ec);
  /// The peer closed: that ends a close-delimited body, any other is partial_message.
  void eof(boost::system::error_code& ec);

  bool done() const { return state_ == State::done; }

 private:
  enum class State : std::uint8_t {
    not_started,
    body,         // Content-Length bytes
    body_to_eof,  // until the peer closes
    chunk_size,   // a chunk-size line, whole or not at all
    chunk_data,
    chunk_data_cr,
    chunk_data_lf,
    trailer,  // a trailer field line or the final CRLF, whole or not at all
    done,
  };

  const char* parse_chunk_size(const char* p, const char* last, boost::system::error_code& ec);
  const char* parse_trailer(const char* p, const char* last, boost::system::error_code& ec);
  void add_piece(const char* p, std::size_t n) {
    if (collect_ && n > 0) {
      pieces_->emplace_back(p, n);
    }
  }

  std::vector<std::string_view>* pieces_;
  State state_ = State::not_started;
  bool collect_ = false;
  std::uint64_t body_left_ = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t remaining_ = 0;  // bytes left of the Content-Length or of the chunk
  std::size_t trailer_limit_ = 8 * 1024;
  std::size_t trailer_bytes_ = 0;
};

}  // namespace rampart::net
