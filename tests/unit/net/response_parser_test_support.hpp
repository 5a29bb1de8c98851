#pragma once
// Shared by the ResponseParser tests: a driver that feeds it like proxy.cpp, and messages.

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/response_parser.hpp"

namespace rampart::net::testing_support {

using boost::system::error_code;

/// Drives a parser the way proxy.cpp does: bytes arrive in a fixed buffer; the head is passed
/// from its start until complete, then body bytes from the first unconsumed one.
class Feeder {
 public:
  explicit Feeder(std::size_t capacity, bool collect = true) : collect_(collect) {
    buffer_.reserve(capacity);  // views into it must survive later arrivals
    parser_.emplace(head_, pieces_);
    parser_->header_limit(64 * 1024);
    parser_->body_limit(boost::none);
  }

  /// The first error other than need_more, or need_more while the message is incomplete.
  error_code arrive(std::string_view bytes) {
    EXPECT_LE(buffer_.size() + bytes.size(), buffer_.capacity());
    buffer_.append(bytes);
    error_code ec;
    if (!parser_->is_header_done()) {
      consumed_ += parser_->put(rest(), ec);
      if (ec || parser_->is_done()) {
        return ec;
      }
      parser_->eager(true);
      parser_->collect_decoded(collect_);
    }
    while (!parser_->is_done() && consumed_ < buffer_.size()) {
      pieces_.clear();
      auto used = parser_->put(rest(), ec);
      for (auto piece : pieces_) {
        decoded.append(piece);
      }
      body.append(buffer_.data() + consumed_, used);
      consumed_ += used;
      if (ec) {
        return ec;
      }
      EXPECT_GT(used, 0u) << "no progress and no need_more";
      if (used == 0) {
        break;
      }
    }
    return ec;
  }

  ResponseParser& parser() { return *parser_; }
  http::ResponseHead& head() { return head_; }
  std::size_t unconsumed() const { return buffer_.size() - consumed_; }

  std::string decoded;  ///< the collected pieces
  std::string body;     ///< the body bytes consumed, framing included

 private:
  boost::asio::const_buffer rest() const {
    return boost::asio::buffer(buffer_.data() + consumed_, buffer_.size() - consumed_);
  }

  bool collect_;
  std::string buffer_;
  std::size_t consumed_ = 0;
  http::ResponseHead head_;
  std::vector<std::string_view> pieces_;
  std::optional<ResponseParser> parser_;
};

inline error_code parse_error(std::string_view text) {
  Feeder feeder(text.size());
  return feeder.arrive(text);
}

constexpr std::string_view kNginxHead =
    "HTTP/1.1 200 OK\r\nServer: nginx/1.24.0\r\nDate: Mon, 23 Nov 2026 14:21:29 GMT\r\n"
    "Content-Type: application/json\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\n";

constexpr std::string_view kChunkedHead =
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n";
constexpr std::string_view kChunkedBody =
    "5\r\nhello\r\n"
    "A;name=value;q=\"a \\\"quoted\\\" ; string\"\r\n0123456789\r\n"
    "001 ; x\r\n!\r\n"
    "0\r\nExpires: never\r\nX-Checksum: abc\r\n\r\n";

}  // namespace rampart::net::testing_support
