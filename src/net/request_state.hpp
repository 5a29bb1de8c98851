#pragma once
// What one request in progress needs. Pooled per worker and lent to a connection only while
// it serves a request: an idle keep-alive connection holds none of it, and a busy one reuses
// a warm state (strings and vectors keep their capacity) instead of allocating.

#include <boost/asio/buffer.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/exchange.hpp"
#include "net/request_parser.hpp"
#include "net/response_parser.hpp"

namespace rampart::net {

struct RequestState {
  gateway::Exchange exchange;
  std::optional<RequestParser> request_parser;
  std::optional<ResponseParser> response_parser;
  std::vector<std::string_view> body_pieces;      ///< decoded body pieces, for the response parser
  std::vector<std::string_view> request_pieces;   ///< decoded request body pieces
  std::string head;                               ///< the serialized head being written
  std::string body;                               ///< rampart's own response bodies
  std::vector<boost::asio::const_buffer> gather;  ///< one gather write to the client
};

}  // namespace rampart::net
