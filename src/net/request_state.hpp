#pragma once
// What one request in progress needs. Pooled per worker and lent to a connection only while
// it serves a request: an idle keep-alive connection holds none of it, and a busy one reuses
// a warm state (strings and vectors keep their capacity) instead of allocating.

#include <boost/asio/buffer.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/exchange.hpp"
#include "net/request_parser.hpp"
#include "net/response_parser.hpp"

namespace rampart::net {

struct RequestState {
  http::Exchange exchange;
  std::optional<RequestParser> request_parser;
  std::optional<ResponseParser> response_parser;
  std::vector<std::string_view> body_pieces;      ///< decoded body pieces, for the response parser
  std::vector<std::string_view> request_pieces;   ///< decoded request body pieces
  std::string head;                               ///< the serialized head being written
  std::string body;                               ///< rampart's own response bodies
  std::vector<boost::asio::const_buffer> gather;  ///< one gather write to the client
  std::string kept_head;    ///< the request head, moved out of the read buffer for policies
  std::string body_buffer;  ///< a body read whole for policies that outgrew the read buffer

  /// A body buffer that grew past this is freed after its request, so that a worker's
  /// pooled request states do not each keep a 10 MiB body.
  static constexpr std::size_t kMaxRetainedBody = 256 * 1024;
  void forget_body() {
    if (body_buffer.capacity() > kMaxRetainedBody) {
      std::string().swap(body_buffer);
    } else {
      body_buffer.clear();
    }
  }
};

}  // namespace rampart::net
