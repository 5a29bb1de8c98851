#pragma once
// One request's context on its way through the pipeline: what was asked, what the policies
// decided, and what goes back. Owned by the client connection and reused for each request
// on it (clear() keeps the capacity), so a request allocates nothing once warmed up.

#include <boost/asio/ip/address.hpp>
#include <boost/beast/http/verb.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/header_list.hpp"
#include "gateway/problem.hpp"

namespace rampart::config {
struct RouteConfig;
}  // namespace rampart::config

namespace rampart::gateway {

using Clock = std::chrono::steady_clock;

/// The request head. `target` and the header views point into the connection's read buffer:
/// policies may read them in on_request; once the proxy step starts streaming the body they
/// are gone (copy what on_response needs into the Exchange).
struct RequestHead {
  boost::beast::http::verb verb = boost::beast::http::verb::unknown;
  std::string method;       ///< owned: outlives the read buffer, for the log line
  std::string_view target;  ///< as received, with the query; valid until the head is sent
  std::string path;         ///< target without the query, owned
  int version = 11;         ///< 10 or 11
  HeaderList headers;
  bool has_body = false;
  std::optional<std::uint64_t> content_length;
  bool chunked = false;
};

struct ResponseHead {
  int status = 0;
  std::string_view reason;
  HeaderList headers;
};

class Exchange {
 public:
  void clear();

  // Set by the connection before the pipeline runs.
  RequestHead request;
  boost::asio::ip::address peer;  ///< the TCP peer
  std::string client_ip;          ///< the client as rampart believes it (trusted_proxies)
  std::string forwarded_for;      ///< the X-Forwarded-For value to send upstream
  bool tls = false;
  Clock::time_point started;

  // Decided by policies.
  std::string request_id;
  std::string traceparent;
  const config::RouteConfig* route = nullptr;
  std::string identity;                ///< "ip:<addr>" until auth exists
  std::string upstream_extra_headers;  ///< complete "Name: value\r\n" lines for the upstream

  // The response on its way back.
  ResponseHead response;
  std::string response_extra_headers;  ///< complete "Name: value\r\n" lines for the client
  std::optional<Problem> problem;      ///< set when rampart answers itself

  // For the request log line and metrics.
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::optional<double> upstream_ms;
};

}  // namespace rampart::gateway
