#pragma once
// One request's context on its way through the pipeline: what was asked, what the policies
// decided, and what goes back. Owned by the client connection and reused for each request
// on it (clear() keeps the capacity), so a request allocates nothing once warmed up.

#include <boost/asio/ip/address.hpp>
#include <boost/beast/http/verb.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/route_template.hpp"
#include "http/header_list.hpp"
#include "http/problem.hpp"

namespace rampart::config {
struct RouteConfig;
}  // namespace rampart::config

namespace rampart::http {

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

/// rampart's own answer when it is not a problem (a health body, a CORS preflight's 204), and
/// the headers a stage adds to whatever rampart answers itself (Allow, WWW-Authenticate,
/// Retry-After). The connection writes it; hooks of on_response still run on it.
struct Reply {
  int status = 0;                 ///< 0 with no problem set: the request goes on to the upstream
  std::string headers;            ///< complete "Name: value\r\n" lines
  std::string_view content_type;  ///< static text
  std::string body;
};

/// Something a request holds until its response is done or abandoned (a route's concurrency
/// slot). Its destructor gives it back: on every way out of a request — answered, proxied,
/// upstream failure, client gone, connection closed — the Exchange drops it.
class ExchangeHold {
 public:
  virtual ~ExchangeHold() = default;
};

class Exchange {
 public:
  void clear();

  // Set by the connection before the pipeline runs.
  RequestHead request;
  boost::asio::ip::address peer;  ///< the TCP peer
  std::string_view peer_text;     ///< the same as text, owned by the connection
  std::string client_ip;          ///< the client as rampart believes it (trusted_proxies)
  std::string forwarded_for;      ///< the X-Forwarded-For value to send upstream
  bool tls = false;
  Clock::time_point started;

  // Decided by the pipeline and its policies.
  std::string request_id;
  std::string traceparent;
  const config::RouteConfig* route = nullptr;
  std::size_t route_index = 0;  ///< valid when route is set
  /// What the route's path_template or path_regex captured: names from the config, values
  /// viewing request.path (raw, still percent-encoded).
  std::vector<config::CaptureSpan> captures;
  /// The path the upstream gets when the route rewrites it (without the query, which is
  /// kept); empty: request.path as received.
  std::string upstream_path;
  std::uint16_t stage = 0;  ///< the pipeline's next request stage
  /// When the pipeline asks for the body: the most it may be (413 beyond).
  std::size_t body_limit = 0;
  /// The request body, decoded, once read whole for the stages that asked for it: views the
  /// connection's buffers until the response is written.
  std::string_view body;
  bool body_read = false;
  /// Set by the connection when a pending stage's deadline passed before it decided.
  bool policy_timed_out = false;
  /// `dry_run: true`: the first refusal that was let through, as "<stage>:<code>[:reason]".
  std::string dry_run_refusal;
  std::string identity;                ///< "ip:<addr>", "key:<id>" or "jwt:<sub>"
  std::string tier;                    ///< the client's tier (its key's, or tier_claim's)
  std::string upstream_extra_headers;  ///< complete "Name: value\r\n" lines for the upstream
  /// RateLimit-* lines the rate_limit stage decided, for whatever response the request gets.
  std::string limit_headers;
  bool rate_limited = false;  ///< refused (or, dry_run, would have been) by a rate limit
  /// What a stage that answered pending hands to its own wait() (the webhook's replay key,
  /// so that the signature is not checked twice). One stage waits at a time.
  std::string pending_note;
  /// The request's Host as received (without surrounding blanks), kept by the routing stage
  /// for what needs it after the request's fields are gone: X-Forwarded-Host, preserve_host,
  /// redirects pointed back at the client. Empty when the request has none.
  std::string client_host;
  /// Released by the connection as soon as the response is finished (and by clear()).
  std::unique_ptr<ExchangeHold> hold;

  // The response on its way back.
  ResponseHead response;
  std::string response_extra_headers;  ///< complete "Name: value\r\n" lines for the client
  std::optional<Problem> problem;      ///< set when rampart answers with a problem
  Reply reply;                         ///< rampart's own non-problem answer, and added headers

  // For the request log line and metrics.
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::optional<double> upstream_ms;
};

}  // namespace rampart::http
