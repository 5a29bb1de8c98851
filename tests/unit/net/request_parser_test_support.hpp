#pragma once
// Shared by the RequestParser tests: a driver that feeds it like the client connection does.

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "net/request_parser.hpp"

namespace rampart::net::testing_support {

/// Drives a parser as client_connection.cpp and proxy.cpp do: bytes arrive in a fixed buffer;
/// the head is passed from its start until complete, then (eager) body bytes from the first
/// unconsumed one, which is where a partial chunk-size line waits for its end.
class RequestFeeder {
 public:
  explicit RequestFeeder(std::size_t capacity, std::uint32_t header_limit = 64 * 1024) {
    buffer_.reserve(capacity);  // views into it must survive later arrivals
    parser_.emplace(head_);
    parser_->header_limit(header_limit);
    parser_->body_limit(boost::none);
  }

  /// The first error other than need_more, or need_more while the request is incomplete.
  boost::system::error_code arrive(std::string_view bytes) {
    EXPECT_LE(buffer_.size() + bytes.size(), buffer_.capacity());
    buffer_.append(bytes);
    boost::system::error_code ec;
    if (!parser_->is_header_done()) {
      consumed_ = parser_->put(rest(), ec);
      if (ec || parser_->is_done()) {
        return ec;
      }
      parser_->eager(true);
    }
    while (!parser_->is_done() && consumed_ < buffer_.size()) {
      auto used = parser_->put(rest(), ec);
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
    if (parser_->is_done()) {
      return {};
    }
    return ec ? ec : make_error_code(boost::beast::http::error::need_more);
  }

  RequestParser& parser() { return *parser_; }
  http::RequestHead& head() { return head_; }
  std::string_view unconsumed() const {
    return std::string_view(buffer_).substr(std::min(consumed_, buffer_.size()));
  }

  std::string body;  ///< the body bytes consumed, framing included

 private:
  boost::asio::const_buffer rest() const {
    return boost::asio::buffer(buffer_.data() + consumed_, buffer_.size() - consumed_);
  }

  std::string buffer_;
  std::size_t consumed_ = 0;
  http::RequestHead head_;
  std::optional<RequestParser> parser_;
};

/// The error of a request arriving in one piece (need_more while it is incomplete).
inline boost::system::error_code request_error(std::string_view text) {
  RequestFeeder feeder(text.size());
  return feeder.arrive(text);
}

}  // namespace rampart::net::testing_support
