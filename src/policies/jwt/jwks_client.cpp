#include "policies/jwt/jwks_client.hpp"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>
#include <charconv>
#include <exception>
#include <memory>
#include <utility>

// No compiled Boost.URL is installed: its sources are built here, once for the whole program;
// any other user of Boost.URL includes only its headers.
#include <boost/url/src.hpp>

namespace rampart::policies::jwt {

namespace {

namespace asio = net::asio;
namespace http = boost::beast::http;
namespace urls = boost::urls;
using Resolver = asio::ip::basic_resolver<net::tcp, net::Executor>;
using TlsStream = asio::ssl::stream<net::Socket>;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

/// RFC 9110 §5.6.2 tchar.
bool is_tchar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

/// RFC 9111 §1.2.2 delta-seconds, saturating at 2^31 as that section asks.
std::optional<std::chrono::seconds> delta_seconds(std::string_view digits) {
  constexpr std::int64_t kSaturated = std::int64_t(1) << 31;
  if (digits.empty()) {
    return std::nullopt;
  }
  std::int64_t value = 0;
  for (char c : digits) {
    if (!is_digit(c)) {
      return std::nullopt;
    }
    value = std::min(kSaturated, value * 10 + (c - '0'));
  }
  return std::chrono::seconds(value);
}

/// A host name goes into the Host header, SNI and certificate matching as it is: only the
/// characters of a DNS name, so a percent-encoded byte cannot smuggle anything into those.
bool is_dns_name(std::string_view host) {
  return std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '-' ||
           c == '.' || c == '_';
  });
}

std::string host_header(const JwksUrl& url) {
  std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  if (url.port != (url.https ? 443 : 80)) {
    host += fmt::format(":{}", url.port);
  }
  return host;
}

/// Everything the deadline cuts short. Its handler holds only a weak_ptr: when it is already
/// queued as the fetch ends, it finds the exchange gone rather than freed.
struct Exchange {
  Exchange(net::Executor executor, asio::ssl::context& tls)
      : resolver(executor), stream(executor, tls), deadline(executor) {}

  Resolver resolver;
  TlsStream stream;  ///< over plain http, only its next_layer() is used
  net::Timer deadline;
  std::chrono::milliseconds timeout{};
  bool timed_out = false;

  /// One line for the log: the timeout wins over the error it caused (operation aborted).
  std::string failure(std::string_view step, const net::error_code& ec) const {
    if (timed_out) {
      return fmt::format("{}: timed out after {} ms", step, timeout.count());
    }
    return fmt::format("{}: {}", step, ec.message());
  }
};

/// One timer for the whole exchange, rather than one per operation: a server that trickles a
/// byte at a time must not reset the clock.
void arm_deadline(const std::shared_ptr<Exchange>& exchange) {
  exchange->deadline.expires_after(exchange->timeout);
  exchange->deadline.async_wait([weak = std::weak_ptr<Exchange>(exchange)](net::error_code ec) {
    auto live = weak.lock();
    if (ec || !live) {
      return;
    }
    live->timed_out = true;
    live->resolver.cancel();
    net::error_code ignored;
    live->stream.next_layer().close(ignored);
  });
}

net::Task<std::string> connect(Exchange& exchange, const JwksUrl& url) {
  auto [resolve_ec, endpoints] = co_await exchange.resolver.async_resolve(
      url.host, std::to_string(url.port), Resolver::numeric_service, net::use_tuple);
  if (resolve_ec || exchange.timed_out) {
    co_return exchange.failure(fmt::format("resolving {}", url.host), resolve_ec);
  }
  auto [connect_ec, endpoint] =
      co_await asio::async_connect(exchange.stream.next_layer(), endpoints, net::use_tuple);
  if (connect_ec || exchange.timed_out) {
    co_return exchange.failure(fmt::format("connecting to {}", host_header(url)), connect_ec);
  }
  if (!url.https) {
    co_return std::string();
  }
  net::error_code not_an_address;
  asio::ip::make_address(url.host, not_an_address);
  // RFC 6066 §3: SNI carries host names only, never an address literal.
  if (not_an_address &&
      SSL_set_tlsext_host_name(exchange.stream.native_handle(), url.host.c_str()) != 1) {
    co_return std::string("TLS: the host name does not fit in SNI");
  }
  // A mismatch is also recorded as the verification error, so that the log says "hostname
  // mismatch" and not only "certificate verify failed".
  int mismatch = not_an_address ? X509_V_ERR_HOSTNAME_MISMATCH : X509_V_ERR_IP_ADDRESS_MISMATCH;
  exchange.stream.set_verify_callback(
      [check = asio::ssl::host_name_verification(url.host), mismatch](
          bool preverified, asio::ssl::verify_context& context) {
        bool ok = check(preverified, context);
        if (preverified && !ok) {
          X509_STORE_CTX_set_error(context.native_handle(), mismatch);
        }
        return ok;
      });
  auto [handshake_ec] =
      co_await exchange.stream.async_handshake(asio::ssl::stream_base::client, net::use_tuple);
  if (handshake_ec || exchange.timed_out) {
    std::string error = exchange.failure("TLS handshake", handshake_ec);
    long verify = SSL_get_verify_result(exchange.stream.native_handle());
    if (!exchange.timed_out && verify != X509_V_OK) {
      error += fmt::format(": {}", X509_verify_cert_error_string(verify));
    }
    co_return error;
  }
  co_return std::string();
}

std::string read_failure(const Exchange& exchange, std::string_view step, const net::error_code& ec,
                         std::size_t max_bytes) {
  if (ec == http::error::body_limit && !exchange.timed_out) {
    return fmt::format("response body over the limit of {} bytes", max_bytes);
  }
  if (ec == http::error::header_limit && !exchange.timed_out) {
    return fmt::format("response head over {} bytes", kMaxJwksHeaderBytes);
  }
  return exchange.failure(step, ec);
}

/// The GET itself, over either a TCP socket or a TLS stream.
template <typename Stream>
net::Task<std::string> get(Stream& stream, const Exchange& exchange, const JwksUrl& url,
                           std::size_t max_bytes, JwksResponse& response) {
  http::request<http::empty_body> request{http::verb::get, url.target, 11};
  request.set(http::field::host, host_header(url));
  request.set(http::field::accept, "application/json");
  request.set(http::field::connection, "close");
  request.set(http::field::user_agent, "rampart");
  auto [write_ec, written] = co_await http::async_write(stream, request, net::use_tuple);
  if (write_ec || exchange.timed_out) {
    co_return exchange.failure("sending the request", write_ec);
  }

  boost::beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.header_limit(kMaxJwksHeaderBytes);
  // Checked against Content-Length when the head ends, and as a chunked or to-EOF body
  // arrives: a large body is refused before it is buffered.
  parser.body_limit(max_bytes);
  auto [head_ec, head_bytes] =
      co_await http::async_read_header(stream, buffer, parser, net::use_tuple);
  if (head_ec || exchange.timed_out) {
    response.too_large = head_ec == http::error::body_limit;
    co_return read_failure(exchange, "reading the response head", head_ec, max_bytes);
  }
  const auto& head = parser.get();
  response.status = static_cast<int>(head.result_int());
  if (response.status >= 300 && response.status < 400) {
    co_return fmt::format("status {}: redirects are not followed", response.status);
  }
  if (response.status != 200) {
    co_return fmt::format("status {}", response.status);
  }
  // Nothing was asked for but identity: a compressed body would only fail later, as JSON.
  if (auto coding = head.find(http::field::content_encoding); coding != head.end()) {
    co_return fmt::format("Content-Encoding {} is not supported", std::string(coding->value()));
  }
  std::string cache_control;
  // Several Cache-Control lines are one comma-separated list (RFC 9110 §5.3).
  for (auto [it, end] = head.equal_range(http::field::cache_control); it != end; ++it) {
    cache_control += cache_control.empty() ? "" : ", ";
    cache_control.append(it->value().data(), it->value().size());
  }
  response.max_age = parse_max_age(cache_control);

  auto [body_ec, body_bytes] = co_await http::async_read(stream, buffer, parser, net::use_tuple);
  if (body_ec || exchange.timed_out) {
    response.too_large = body_ec == http::error::body_limit;
    co_return read_failure(exchange, "reading the response body", body_ec, max_bytes);
  }
  response.body = std::move(parser.get().body());
  co_return std::string();
}

}  // namespace

std::optional<JwksUrl> parse_jwks_url(std::string_view text, std::string& error) {
  // absolute-URI has no fragment; say so rather than "not a valid URL".
  if (text.find('#') != std::string_view::npos) {
    error = "a JWKS URL cannot have a fragment (#...)";
    return std::nullopt;
  }
  auto parsed = urls::parse_absolute_uri(urls::string_view(text.data(), text.size()));
  if (!parsed) {
    error = "not a valid absolute URL";
    return std::nullopt;
  }
  const urls::url_view& u = *parsed;
  JwksUrl url;
  if (u.scheme_id() != urls::scheme::http && u.scheme_id() != urls::scheme::https) {
    error = "a JWKS URL must be http:// or https://";
    return std::nullopt;
  }
  url.https = u.scheme_id() == urls::scheme::https;
  if (u.has_userinfo()) {
    error = "a JWKS URL cannot carry a user name or password";
    return std::nullopt;
  }
  if (!u.has_authority() || u.encoded_host().empty()) {
    error = "the JWKS URL has no host";
    return std::nullopt;
  }
  if (u.host_type() == urls::host_type::ipvfuture ||
      (u.host_type() == urls::host_type::name && !is_dns_name(u.encoded_host()))) {
    error = "the JWKS URL's host is not a DNS name or an IP address";
    return std::nullopt;
  }
  url.host = std::string(u.encoded_host_address());
  url.port = url.https ? 443 : 80;
  if (u.has_port()) {
    std::string_view port = u.port();  // digits only, or empty: the URL grammar says so
    unsigned number = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (port.empty() || ec != std::errc() || number < 1 || number > 65535) {
      error = "the JWKS URL's port is not a number from 1 to 65535";
      return std::nullopt;
    }
    url.port = static_cast<std::uint16_t>(number);
  }
  std::string path = u.encoded_path().empty() ? "/" : std::string(u.encoded_path());
  url.target = u.has_query() ? path + "?" + std::string(u.encoded_query()) : path;
  url.text = fmt::format("{}://{}{}{}", url.https ? "https" : "http", std::string(u.encoded_host()),
                         u.has_port() ? fmt::format(":{}", url.port) : "", path);
  return url;
}

std::optional<std::chrono::seconds> parse_max_age(std::string_view value) {
  std::optional<std::chrono::seconds> max_age;
  bool no_store = false;
  std::size_t i = 0;
  auto skip = [&](std::string_view chars) {
    while (i < value.size() && chars.find(value[i]) != std::string_view::npos) {
      ++i;
    }
  };
  auto token = [&] {
    std::size_t start = i;
    while (i < value.size() && is_tchar(value[i])) {
      ++i;
    }
    return value.substr(start, i - start);
  };
  for (;;) {
    skip(" \t,");
    if (i == value.size()) {
      break;
    }
    std::string_view name = token();
    if (name.empty()) {
      return std::nullopt;
    }
    skip(" \t");
    std::string argument;
    if (i < value.size() && value[i] == '=') {
      ++i;
      skip(" \t");
      if (i < value.size() && value[i] == '"') {
        // quoted-string (RFC 9110 §5.6.4); commas inside it do not end the directive.
        for (++i; i < value.size() && value[i] != '"'; ++i) {
          if (value[i] == '\\' && ++i == value.size()) {
            break;
          }
          argument += value[i];
        }
        if (i == value.size()) {
          return std::nullopt;
        }
        ++i;
      } else {
        argument = token();
      }
      skip(" \t");
    }
    if (i < value.size() && value[i] != ',') {
      return std::nullopt;
    }
    if (boost::beast::iequals(name, "max-age") && !max_age) {
      max_age = delta_seconds(argument);
      if (!max_age) {
        return std::nullopt;
      }
    } else if (boost::beast::iequals(name, "no-store") || boost::beast::iequals(name, "no-cache")) {
      no_store = true;
    }
  }
  return no_store ? std::optional(std::chrono::seconds(0)) : max_age;
}

asio::ssl::context make_tls_client_context() {
  asio::ssl::context tls(asio::ssl::context::tls_client);
  tls.set_default_verify_paths();
  tls.set_verify_mode(asio::ssl::verify_peer);
  if (SSL_CTX_set_min_proto_version(tls.native_handle(), TLS1_2_VERSION) != 1) {
    throw boost::system::system_error(
        net::error_code(static_cast<int>(ERR_get_error()), asio::error::get_ssl_category()),
        "TLS 1.2 minimum");
  }
  return tls;
}

net::Task<JwksResponse> fetch_jwks(asio::ssl::context& tls, JwksUrl url, std::size_t max_bytes,
                                   std::chrono::milliseconds timeout) {
  JwksResponse response;
  try {
    auto exchange = std::make_shared<Exchange>(co_await asio::this_coro::executor, tls);
    exchange->timeout = timeout;
    arm_deadline(exchange);
    response.error = co_await connect(*exchange, url);
    if (response.error.empty()) {
      if (url.https) {
        response.error = co_await get(exchange->stream, *exchange, url, max_bytes, response);
      } else {
        response.error =
            co_await get(exchange->stream.next_layer(), *exchange, url, max_bytes, response);
      }
    }
    // No TLS close_notify: the request said Connection: close, and waiting for the server's
    // answer to a shutdown would only add a way to hang.
    exchange->deadline.cancel();
  } catch (const std::exception& e) {
    response.error = fmt::format("fetch failed: {}", e.what());
  }
  if (!response.error.empty()) {
    response.body.clear();
  }
  co_return response;
}

}  // namespace rampart::policies::jwt
