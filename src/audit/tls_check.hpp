#pragma once
// TLS handshakes for the https:// checks: is the certificate valid for the host (system CAs,
// plus --ca), and does the server still accept TLS 1.0/1.1? One connection each, no request.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "audit/target.hpp"

typedef struct ssl_st SSL;

namespace rampart::audit {

/// How one handshake went.
struct Handshake {
  bool completed = false;
  bool timed_out = false;
  std::string protocol;  ///< e.g. "TLSv1.3" when completed
  std::string error;     ///< why not, with the certificate verification error when there is one
};

/// SNI for host names (RFC 6066 §3: never for an address literal).
void set_server_name(SSL* ssl, const std::string& host);

/// A context that verifies the chain against the system's CAs (and `ca_file`).
boost::asio::ssl::context verifying_context(const std::optional<std::string>& ca_file);
/// A context that offers only TLS 1.0 and 1.1 (OpenSSL's security level 0, so that the
/// client can still speak them) and verifies nothing.
boost::asio::ssl::context legacy_context();

/// Connects and handshakes within `timeout`; with a verifying context the host name is
/// checked too.
Handshake tls_handshake(boost::asio::io_context& io,
                        const boost::asio::ip::tcp::resolver::results_type& endpoints,
                        const Target& target, boost::asio::ssl::context& context, bool verify,
                        std::chrono::steady_clock::duration timeout);

}  // namespace rampart::audit
