#include "audit/tls_check.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>

namespace rampart::audit {

namespace asio = boost::asio;
using asio::ip::tcp;

void set_server_name(SSL* ssl, const std::string& host) {
  boost::system::error_code not_an_address;
  asio::ip::make_address(host, not_an_address);
  if (not_an_address) {
    SSL_set_tlsext_host_name(ssl, host.c_str());
  }
}

asio::ssl::context verifying_context(const std::optional<std::string>& ca_file) {
  asio::ssl::context context(asio::ssl::context::tls_client);
  context.set_default_verify_paths();
  if (ca_file) {
    context.load_verify_file(*ca_file);  // throws on an unreadable file: the CLI checks first
  }
  context.set_verify_mode(asio::ssl::verify_peer);
  return context;
}

asio::ssl::context legacy_context() {
  asio::ssl::context context(asio::ssl::context::tls_client);
  SSL_CTX* native = context.native_handle();
  SSL_CTX_set_security_level(native, 0);
  SSL_CTX_set_min_proto_version(native, TLS1_VERSION);
  SSL_CTX_set_max_proto_version(native, TLS1_1_VERSION);
  SSL_CTX_set_cipher_list(native, "DEFAULT:@SECLEVEL=0");
  context.set_verify_mode(asio::ssl::verify_none);
  return context;
}

namespace {

struct State {
  State(asio::io_context& io, asio::ssl::context& context) : stream(io, context), deadline(io) {}
  asio::ssl::stream<tcp::socket> stream;
  asio::steady_timer deadline;
  Handshake result;
};

asio::awaitable<void> handshake(std::shared_ptr<State> st, tcp::resolver::results_type endpoints,
                                const Target& target, bool verify) {
  constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
  // One address after the other, as in http_client.cpp: none tried after the deadline.
  boost::system::error_code ec = asio::error::host_not_found;
  for (const auto& entry : endpoints) {
    if (st->result.timed_out) {
      break;
    }
    boost::system::error_code ignored;
    st->stream.next_layer().close(ignored);
    auto [attempt] = co_await st->stream.next_layer().async_connect(entry.endpoint(), kNoThrow);
    ec = attempt;
    if (!ec) {
      break;
    }
  }
  if (ec) {
    st->result.error = "connect: " + ec.message();
    st->deadline.cancel();
    co_return;
  }
  set_server_name(st->stream.native_handle(), target.host);
  if (verify) {
    st->stream.set_verify_callback(asio::ssl::host_name_verification(target.host));
  }
  auto [hec] = co_await st->stream.async_handshake(asio::ssl::stream_base::client, kNoThrow);
  st->deadline.cancel();
  if (hec) {
    st->result.error = hec.message();
    long verify_result = SSL_get_verify_result(st->stream.native_handle());
    if (verify && verify_result != X509_V_OK) {
      st->result.error = X509_verify_cert_error_string(verify_result);
    }
    co_return;
  }
  st->result.completed = true;
  st->result.protocol = SSL_get_version(st->stream.native_handle());
  boost::system::error_code ignored;
  st->stream.next_layer().close(ignored);
}

}  // namespace

Handshake tls_handshake(asio::io_context& io, const tcp::resolver::results_type& endpoints,
                        const Target& target, asio::ssl::context& context, bool verify,
                        std::chrono::steady_clock::duration timeout) {
  auto st = std::make_shared<State>(io, context);
  st->deadline.expires_after(timeout);
  st->deadline.async_wait([st](const boost::system::error_code& ec) {
    if (!ec) {
      st->result.timed_out = true;
      boost::system::error_code ignored;
      st->stream.next_layer().close(ignored);
    }
  });
  asio::co_spawn(io, handshake(st, endpoints, target, verify), asio::detached);
  io.restart();
  io.run();
  if (st->result.timed_out) {
    st->result.completed = false;
    st->result.error = "no handshake within the deadline";
  }
  return std::move(st->result);
}

}  // namespace rampart::audit
