#pragma once
// A small HTTP/1.1 client for the probes (Beast over Asio): one connection per request, one
// deadline per request, and a cap on what it keeps of a response, so a service that never
// answers, resets, or sends an endless body still gives a bounded result.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "audit/target.hpp"
#include "audit/tls_check.hpp"

namespace rampart::audit {

using HeaderPairs = std::vector<std::pair<std::string, std::string>>;

/// What a probe sends. `filler_bytes` > 0 streams that many bytes as the body instead of
/// `body` (the body-limit probe), stopping as soon as the server answers.
struct ProbeRequest {
  ProbeRequest() = default;
  ProbeRequest(std::string m, std::string t, HeaderPairs h = {}, std::string b = {})
      : method(std::move(m)), target(std::move(t)), headers(std::move(h)), body(std::move(b)) {}

  std::string method = "GET";
  std::string target = "/";  ///< origin-form: path and query
  HeaderPairs headers;
  std::string body;
  std::size_t filler_bytes = 0;
};

/// How the exchange ended at the transport level.
enum class Transport { ok, refused, timeout, closed, error };

/// What came back, capped: the body keeps its first kKeptBodyBytes.
struct ProbeResponse {
  Transport transport = Transport::error;
  std::string error;  ///< the transport failure, for "undecided" details
  unsigned status = 0;
  std::string reason;
  HeaderPairs headers;
  std::string body;
  bool body_truncated = false;
  std::size_t body_bytes_sent = 0;  ///< of the request body, for the body-limit probe
  std::chrono::milliseconds elapsed{0};

  bool answered() const { return transport == Transport::ok && status != 0; }
  /// The first header of that name (case-insensitive), or nullptr.
  const std::string* header(std::string_view name) const;
};

/// Kept of each response body: enough for every leak pattern and an evidence excerpt.
inline constexpr std::size_t kKeptBodyBytes = 64 * 1024;
/// Read at most this much of a body before hanging up: an endless body must not stall a probe.
inline constexpr std::size_t kMaxReadBodyBytes = 1024 * 1024;

/// Sends probe requests to one target. Not thread-safe; one io_context of its own.
class HttpClient {
 public:
  explicit HttpClient(Target target);

  /// Resolves the host once; returns an error message on failure.
  std::optional<std::string> resolve();
  /// One request on a new connection, bounded by `timeout` from connect to the last byte.
  ProbeResponse send(const ProbeRequest& request, std::chrono::steady_clock::duration timeout);

  /// One TLS handshake with `context` (the https:// checks); no request.
  Handshake handshake(boost::asio::ssl::context& context, bool verify,
                      std::chrono::steady_clock::duration timeout);

  const Target& target() const { return target_; }

 private:
  Target target_;
  boost::asio::io_context io_;
  /// The probes' context: verifies nothing, so that a bad certificate does not hide the
  /// application's other problems (the certificate is its own check).
  boost::asio::ssl::context probe_tls_;
  boost::asio::ip::tcp::resolver::results_type endpoints_;
};

}  // namespace rampart::audit
