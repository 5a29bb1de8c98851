#pragma once
// The HTTP(S) client that fetches a JWKS document (RFC 7517 §5) for the key cache. It runs in
// the background, never on the request path, and is deliberately narrow: one GET, no
// redirects, no keep-alive, bounded in time and in size, and every failure is one line for
// the operator's log.

#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "net/asio.hpp"

namespace rampart::policies::jwt {

/// A JWKS location, parsed once at config load.
struct JwksUrl {
  bool https = true;
  std::string host;        ///< as in the URL, IPv6 without brackets
  std::uint16_t port = 0;  ///< 443 / 80 when the URL has none
  std::string target;      ///< path + "?query", "/" when the path is empty
  std::string text;        ///< for logs: never a userinfo, and no query (it may carry a token)
};

/// Parses an absolute http:// or https:// URL. On error returns nullopt and says why in
/// `error` (one line, without the query): not http/https, no host, a userinfo (user:pass@),
/// a fragment, a bad port, a percent-encoded or IPvFuture host, or not a URL at all.
std::optional<JwksUrl> parse_jwks_url(std::string_view url, std::string& error);

/// The freshness a Cache-Control value (RFC 9111 §5.2) gives: max-age's seconds (the name in
/// any case, the value a token or a quoted string, the first one when repeated), zero for
/// no-store or no-cache, nullopt when there is none or the value is malformed. Values past
/// 2^31 saturate there (RFC 9111 §1.2.2). The caller clamps the result to its own bounds.
std::optional<std::chrono::seconds> parse_max_age(std::string_view cache_control);

/// The outcome of one fetch.
struct JwksResponse {
  std::string error;  ///< empty on success; else one line for the operator, never the body
  int status = 0;     ///< 0 when no whole response head was read
  std::string body;   ///< only on success
  std::optional<std::chrono::seconds> max_age;  ///< from Cache-Control, as parse_max_age
  bool too_large = false;  ///< refused for its size: the endpoint answered, but wrongly
};

/// The largest response head accepted: a JWKS endpoint has no reason to send more, and a
/// hostile one must not make the parser buffer without end.
inline constexpr std::size_t kMaxJwksHeaderBytes = 16 * 1024;

/// A TLS client context over the system CA store (SSL_CTX_set_default_verify_paths, so the
/// SSL_CERT_FILE / SSL_CERT_DIR environment variables are honoured), peer verification on,
/// TLS 1.2 at least. Throws boost::system::system_error when OpenSSL refuses (at start-up).
net::asio::ssl::context make_tls_client_context();

/// GETs `url` on the calling coroutine's io_context (which must be run by one thread: the
/// deadline's handler and the exchange share state without a strand). Never throws. `url` is
/// a copy, so that the caller's may change while a fetch is under way; `tls` must outlive it.
/// https: SNI (for a name, not an address) and host-name verification against `url.host`.
/// The response is refused unless it is 200 (redirects are not followed), its head is at
/// most kMaxJwksHeaderBytes, its body at most `max_bytes` (a larger Content-Length before
/// the body is read) and it has no Content-Encoding. `timeout` bounds the whole exchange,
/// from name resolution to the last body byte.
net::Task<JwksResponse> fetch_jwks(net::asio::ssl::context& tls, JwksUrl url, std::size_t max_bytes,
                                   std::chrono::milliseconds timeout);

}  // namespace rampart::policies::jwt
