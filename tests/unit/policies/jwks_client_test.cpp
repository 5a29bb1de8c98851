#include "policies/jwt/jwks_client.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace rampart::policies::jwt {
namespace {

namespace asio = net::asio;
using namespace std::chrono_literals;
using net::tcp;

// ---------------------------------------------------------------------------------------------
// parse_jwks_url

JwksUrl parsed(std::string_view text) {
  std::string error;
  auto url = parse_jwks_url(text, error);
  EXPECT_TRUE(url) << text << ": " << error;
  return url.value_or(JwksUrl{});
}

std::string refusal(std::string_view text) {
  std::string error;
  EXPECT_FALSE(parse_jwks_url(text, error)) << text;
  return error;
}

TEST(JwksUrl, SchemesAndDefaultPorts) {
  JwksUrl https = parsed("https://idp.example.com/.well-known/jwks.json");
  EXPECT_TRUE(https.https);
  EXPECT_EQ(https.host, "idp.example.com");
  EXPECT_EQ(https.port, 443);
  EXPECT_EQ(https.target, "/.well-known/jwks.json");
  EXPECT_EQ(https.text, "https://idp.example.com/.well-known/jwks.json");
  JwksUrl http = parsed("HTTP://idp.example.com");
  EXPECT_FALSE(http.https);
  EXPECT_EQ(http.port, 80);
  EXPECT_EQ(http.target, "/");
}

TEST(JwksUrl, ExplicitPortIpv6AndQuery) {
  JwksUrl url = parsed("http://127.0.0.1:8080/keys");
  EXPECT_EQ(url.host, "127.0.0.1");
  EXPECT_EQ(url.port, 8080);
  EXPECT_EQ(url.text, "http://127.0.0.1:8080/keys");
  JwksUrl v6 = parsed("https://[::1]:8443/jwks?tenant=a&token=secret");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.port, 8443);
  EXPECT_EQ(v6.target, "/jwks?tenant=a&token=secret");
  EXPECT_EQ(v6.text, "https://[::1]:8443/jwks");  // the query may carry a token: not logged
}

TEST(JwksUrl, Refusals) {
  EXPECT_NE(refusal("https://user:secret@idp.example.com/jwks").find("password"),
            std::string::npos);
  EXPECT_EQ(refusal("https://user:secret@idp.example.com/jwks").find("secret"), std::string::npos);
  EXPECT_NE(refusal("https://idp.example.com/jwks#keys").find("fragment"), std::string::npos);
  EXPECT_NE(refusal("ftp://idp.example.com/jwks").find("http"), std::string::npos);
  EXPECT_NE(refusal("https:///jwks").find("no host"), std::string::npos);
  EXPECT_NE(refusal("https:/jwks").find("no host"), std::string::npos);
  for (auto bad : {"http://h:0/", "http://h:65536/", "http://h:99999999999/", "http://h:/"}) {
    EXPECT_NE(refusal(bad).find("port"), std::string::npos) << bad;
  }
  EXPECT_NE(refusal("not a url").find("valid"), std::string::npos);
  EXPECT_NE(refusal("/relative/jwks").find("valid"), std::string::npos);
  // A percent-encoded host would reach the Host header and SNI decoded: CR LF among others.
  EXPECT_NE(refusal("http://a%0d%0aX/").find("host"), std::string::npos);
  EXPECT_NE(refusal("http://[v7.abc]/").find("host"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// parse_max_age

TEST(JwksMaxAge, Directives) {
  EXPECT_EQ(parse_max_age("max-age=300"), 300s);
  EXPECT_EQ(parse_max_age("public, max-age=300, must-revalidate"), 300s);
  EXPECT_EQ(parse_max_age("MAX-AGE=60"), 60s);
  EXPECT_EQ(parse_max_age("max-age=\"120\""), 120s);
  EXPECT_EQ(parse_max_age("s-maxage=5, max-age=7"), 7s);
  EXPECT_EQ(parse_max_age("private=\"a, max-age=1\", max-age=9"), 9s);  // comma in quotes
  EXPECT_EQ(parse_max_age("max-age=10, max-age=20"), 10s);              // RFC 9111: the first
  EXPECT_EQ(parse_max_age("no-store"), 0s);
  EXPECT_EQ(parse_max_age("max-age=600, no-cache"), 0s);
  EXPECT_EQ(parse_max_age("max-age=123456789012345678901234567890"), 2147483648s);
}

TEST(JwksMaxAge, AbsentOrMalformed) {
  for (auto bad : {"", "public", "garbage!!", "max-age=-5", "max-age=", "max-age", "max-age=1x",
                   "max-age=\"12", "max-age=5 6", "=5", "max-age=\"\""}) {
    EXPECT_EQ(parse_max_age(bad), std::nullopt) << bad;
  }
}

// ---------------------------------------------------------------------------------------------
// A server on 127.0.0.1, on a thread of its own, one connection at a time

/// What the test server does with a connection.
struct Script {
  std::string reply;         ///< sent once the request head has arrived
  bool answer = true;        ///< false: read the request and say nothing
  bool close_after = false;  ///< close right after the reply instead of waiting for the client
  std::chrono::milliseconds trickle{0};  ///< when set, the reply goes a byte at a time, so slow
};

/// Reads a request head, records it (and the SNI name over TLS), plays its Script.
class TestServer {
 public:
  explicit TestServer(Script script, asio::ssl::context* tls = nullptr,
                      const char* address = "127.0.0.1")
      : acceptor_(ioc_, {asio::ip::make_address(address), 0}),
        script_(std::move(script)),
        tls_(tls),
        port_(acceptor_.local_endpoint().port()) {
    asio::co_spawn(ioc_, serve(), asio::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~TestServer() {
    ioc_.stop();
    thread_.join();
  }

  std::uint16_t port() const { return port_; }
  std::string request() {
    std::lock_guard lock(mutex_);
    return request_;
  }
  std::string sni() {
    std::lock_guard lock(mutex_);
    return sni_;
  }

 private:
  static constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

  asio::awaitable<void> serve() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(kTuple);
      if (ec) {
        co_return;
      }
      if (!tls_) {
        co_await play(socket);
        continue;
      }
      asio::ssl::stream<tcp::socket> stream(std::move(socket), *tls_);
      auto [handshake_ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, kTuple);
      if (!handshake_ec) {
        const char* name = SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name);
        record(sni_, name ? name : "");
        co_await play(stream);
      }
    }
  }

  void record(std::string& field, std::string value) {
    std::lock_guard lock(mutex_);
    field = std::move(value);
  }

  template <typename Stream>
  asio::awaitable<void> play(Stream& stream) {
    std::string head;
    auto [ec, n] =
        co_await asio::async_read_until(stream, asio::dynamic_buffer(head), "\r\n\r\n", kTuple);
    if (ec) {
      co_return;
    }
    record(request_, head.substr(0, n));
    for (std::size_t sent = 0; script_.answer && sent < script_.reply.size();) {
      std::size_t size = script_.trickle.count() ? 1 : script_.reply.size();
      auto [write_ec, written] = co_await asio::async_write(
          stream, asio::buffer(script_.reply.data() + sent, size), kTuple);
      if (write_ec) {
        co_return;
      }
      sent += written;
      if (script_.trickle.count()) {
        asio::steady_timer pause(ioc_, script_.trickle);
        co_await pause.async_wait(kTuple);
      }
    }
    if (script_.close_after) {
      co_return;
    }
    char sink[1024];  // hold the connection until the client closes it
    for (;;) {
      auto [read_ec, read] = co_await stream.async_read_some(asio::buffer(sink), kTuple);
      if (read_ec) {
        co_return;
      }
    }
  }

  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  Script script_;
  asio::ssl::context* tls_;
  std::uint16_t port_;
  std::mutex mutex_;
  std::string request_, sni_;
  std::thread thread_;
};

struct Fetched {
  JwksResponse response;
  std::chrono::steady_clock::duration elapsed{};
};

Fetched fetch(asio::ssl::context& tls, const std::string& text, std::size_t max_bytes = 64 * 1024,
              std::chrono::milliseconds timeout = 5s) {
  JwksUrl url = parsed(text);
  asio::io_context ioc;
  Fetched fetched;
  fetched.response.error = "the fetch did not finish";
  auto start = std::chrono::steady_clock::now();
  asio::co_spawn(ioc.get_executor(), fetch_jwks(tls, url, max_bytes, timeout),
                 [&](std::exception_ptr, JwksResponse response) {
                   fetched.response = std::move(response);
                   fetched.elapsed = std::chrono::steady_clock::now() - start;
                 });
  ioc.run_for(20s);
  return fetched;
}

std::string http_url(const TestServer& server, std::string_view path = "/keys?tenant=a") {
  return "http://127.0.0.1:" + std::to_string(server.port()) + std::string(path);
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

class JwksFetch : public testing::Test {
 protected:
  asio::ssl::context tls_ = make_tls_client_context();
};

TEST_F(JwksFetch, OkWithBodyAndMaxAgeAndTheExpectedRequest) {
  TestServer server(
      {"HTTP/1.1 200 OK\r\nContent-Length: 11\r\nCache-Control: public\r\n"
       "Cache-Control: max-age=300\r\n\r\n{\"keys\":[]}"});
  Fetched fetched = fetch(tls_, http_url(server));
  EXPECT_EQ(fetched.response.error, "");
  EXPECT_EQ(fetched.response.status, 200);
  EXPECT_EQ(fetched.response.body, "{\"keys\":[]}");
  EXPECT_EQ(fetched.response.max_age, 300s);
  std::string request = server.request();
  EXPECT_EQ(request.rfind("GET /keys?tenant=a HTTP/1.1\r\n", 0), 0u) << request;
  EXPECT_TRUE(contains(request, "\r\nHost: 127.0.0.1:" + std::to_string(server.port()) + "\r\n"));
  EXPECT_TRUE(contains(request, "\r\nAccept: application/json\r\n")) << request;
  EXPECT_TRUE(contains(request, "\r\nConnection: close\r\n")) << request;
  EXPECT_TRUE(contains(request, "\r\nUser-Agent: rampart\r\n")) << request;
}

TEST_F(JwksFetch, BodyOfExactlyTheLimitIsAccepted) {
  TestServer server({"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + std::string(1000, 'k')});
  Fetched fetched = fetch(tls_, http_url(server), 1000);
  EXPECT_EQ(fetched.response.error, "");
  EXPECT_EQ(fetched.response.body.size(), 1000u);
  EXPECT_EQ(fetched.response.max_age, std::nullopt);
}

TEST_F(JwksFetch, ContentLengthOverTheLimitIsRefusedBeforeTheBody) {
  // Only the head is sent: the client must decide on Content-Length alone, well before the
  // timeout, without waiting for 2 MiB that will never come.
  TestServer server({"HTTP/1.1 200 OK\r\nContent-Length: 2097152\r\n\r\n"});
  Fetched fetched = fetch(tls_, http_url(server), 1024 * 1024, 5s);
  EXPECT_TRUE(contains(fetched.response.error, "over the limit")) << fetched.response.error;
  EXPECT_LT(fetched.elapsed, 2s);
  EXPECT_EQ(fetched.response.body, "");
}

TEST_F(JwksFetch, ChunkedBodyOverTheLimitIsRefusedAsItArrives) {
  std::string reply = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 1024; ++i) {
    reply += "400\r\n" + std::string(1024, 'c') + "\r\n";  // 1 MiB in all, never terminated
  }
  TestServer server({reply});
  Fetched fetched = fetch(tls_, http_url(server), 4096, 5s);
  EXPECT_TRUE(contains(fetched.response.error, "over the limit")) << fetched.response.error;
  EXPECT_LT(fetched.elapsed, 2s);
}

TEST_F(JwksFetch, StatusOtherThan200IsAnError) {
  TestServer server({"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 6\r\n\r\nsecret"});
  Fetched fetched = fetch(tls_, http_url(server));
  EXPECT_EQ(fetched.response.error, "status 500");
  EXPECT_EQ(fetched.response.status, 500);
  EXPECT_EQ(fetched.response.body, "");
}

TEST_F(JwksFetch, RedirectIsNotFollowed) {
  TestServer target({"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"});
  TestServer server({"HTTP/1.1 302 Found\r\nLocation: " + http_url(target, "/") +
                     "\r\nContent-Length: 0\r\n\r\n"});
  Fetched fetched = fetch(tls_, http_url(server));
  EXPECT_EQ(fetched.response.error, "status 302: redirects are not followed");
  EXPECT_EQ(target.request(), "");
}

TEST_F(JwksFetch, SilentServerTimesOut) {
  TestServer server({"", /*answer=*/false});
  Fetched fetched = fetch(tls_, http_url(server), 1024, 300ms);
  EXPECT_TRUE(contains(fetched.response.error, "timed out after 300 ms")) << fetched.response.error;
  EXPECT_LT(fetched.elapsed, 10s);
}

TEST_F(JwksFetch, TricklingServerIsCutOffByTheWholeExchangeTimeout) {
  // A byte every 20 ms: each read completes well within 300 ms, the whole reply would not.
  TestServer server(
      {"HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n" + std::string(40, 'k'), true, false, 20ms});
  Fetched fetched = fetch(tls_, http_url(server), 1024, 300ms);
  EXPECT_TRUE(contains(fetched.response.error, "timed out after 300 ms")) << fetched.response.error;
  EXPECT_LT(fetched.elapsed, 1500ms);
}

TEST_F(JwksFetch, Ipv6HostInTheHostHeaderHasBrackets) {
  std::unique_ptr<TestServer> server;
  try {
    server = std::make_unique<TestServer>(Script{"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"},
                                          nullptr, "::1");
  } catch (const std::exception& e) {
    GTEST_SKIP() << "no IPv6 loopback: " << e.what();
  }
  std::string port = std::to_string(server->port());
  Fetched fetched = fetch(tls_, "http://[::1]:" + port + "/");
  EXPECT_EQ(fetched.response.body, "{}") << fetched.response.error;
  EXPECT_TRUE(contains(server->request(), "\r\nHost: [::1]:" + port + "\r\n")) << server->request();
}

TEST_F(JwksFetch, ConnectionRefused) {
  std::uint16_t port;
  {
    asio::io_context ioc;
    tcp::acceptor closed(ioc, {asio::ip::make_address("127.0.0.1"), 0});
    port = closed.local_endpoint().port();
  }
  Fetched fetched = fetch(tls_, "http://127.0.0.1:" + std::to_string(port) + "/");
  EXPECT_TRUE(contains(fetched.response.error, "connecting to 127.0.0.1:"))
      << fetched.response.error;
}

TEST_F(JwksFetch, BrokenResponsesAreErrors) {
  const std::vector<std::pair<std::string, std::string_view>> cases = {
      {"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"keys\":", "body"},  // closed mid-body
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"ke", "body"},
      {"SSH-2.0-OpenSSH_9.2\r\n\r\n", "head"},  // not HTTP at all
      {"", "head"},                             // closed without a word
      {"HTTP/1.1 200 OK\r\nX: " + std::string(20 * 1024, 'x') + "\r\n\r\n", "head over"},
      {"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 2\r\n\r\n{}", "gzip"},
  };
  for (const auto& [reply, expected] : cases) {
    TestServer server({reply, true, /*close_after=*/true});
    Fetched fetched = fetch(tls_, http_url(server));
    EXPECT_TRUE(contains(fetched.response.error, expected)) << fetched.response.error;
    EXPECT_EQ(fetched.response.body, "");
  }
}

// ---------------------------------------------------------------------------------------------
// https, with a CA made for the test

using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using Cert = std::unique_ptr<X509, decltype(&X509_free)>;

/// A certificate for `key` named `names` (a subjectAltName value), signed by `issuer` or,
/// without one, by itself.
Cert make_cert(EVP_PKEY* key, const char* names, bool ca, X509* issuer, EVP_PKEY* issuer_key) {
  static long serial = 1;
  Cert cert(X509_new(), X509_free);
  X509_set_version(cert.get(), X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial++);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(ca ? "Test CA" : "server"), -1,
                             -1, 0);
  X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer ? issuer : cert.get(), cert.get(), nullptr, nullptr, 0);
  std::vector<std::pair<int, const char*>> extensions{
      {NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE"}};
  if (ca) {
    extensions.emplace_back(NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    extensions.emplace_back(NID_subject_alt_name, names);
  }
  for (auto [nid, value] : extensions) {
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
    X509_add_ext(cert.get(), extension, -1);
    X509_EXTENSION_free(extension);
  }
  X509_sign(cert.get(), issuer_key ? issuer_key : key, EVP_sha256());
  return cert;
}

Key make_key() { return Key(EVP_EC_gen("P-256"), EVP_PKEY_free); }

class JwksFetchTls : public testing::Test {
 protected:
  void SetUp() override {
    if (const char* old = std::getenv("SSL_CERT_FILE")) {
      old_cert_file_ = old;
    }
    ca_file_ = testing::TempDir() + "jwks_client_test_ca_" + std::to_string(getpid()) + ".pem";
    FILE* file = std::fopen(ca_file_.c_str(), "w");
    ASSERT_NE(file, nullptr);
    PEM_write_X509(file, ca_.get());
    std::fclose(file);
    setenv("SSL_CERT_FILE", ca_file_.c_str(), 1);  // before the context reads the store
    client_.emplace(make_tls_client_context());
  }
  void TearDown() override {
    if (old_cert_file_) {
      setenv("SSL_CERT_FILE", old_cert_file_->c_str(), 1);
    } else {
      unsetenv("SSL_CERT_FILE");
    }
    std::remove(ca_file_.c_str());
  }

  /// A server context presenting `cert`, signed by the test CA unless `self_signed`.
  std::unique_ptr<asio::ssl::context> server_tls(const char* names, bool self_signed = false) {
    Cert cert = self_signed ? make_cert(server_key_.get(), names, false, nullptr, nullptr)
                            : make_cert(server_key_.get(), names, false, ca_.get(), ca_key_.get());
    auto tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    SSL_CTX_use_certificate(tls->native_handle(), cert.get());
    SSL_CTX_use_PrivateKey(tls->native_handle(), server_key_.get());
    return tls;
  }

  std::string url(const TestServer& server, const char* host) {
    return "https://" + std::string(host) + ":" + std::to_string(server.port()) + "/jwks";
  }

  Key ca_key_ = make_key();
  Cert ca_ = make_cert(ca_key_.get(), nullptr, true, nullptr, nullptr);
  Key server_key_ = make_key();
  std::string ca_file_;
  std::optional<std::string> old_cert_file_;
  std::optional<asio::ssl::context> client_;
};

const std::string kJwksReply = "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{\"keys\":[]}";

TEST_F(JwksFetchTls, TrustedCertificateByNameAndByAddress) {
  auto tls = server_tls("DNS:localhost,IP:127.0.0.1");
  TestServer server({kJwksReply}, tls.get());
  Fetched by_name = fetch(*client_, url(server, "localhost"));
  EXPECT_EQ(by_name.response.error, "");
  EXPECT_EQ(by_name.response.body, "{\"keys\":[]}");
  EXPECT_EQ(server.sni(), "localhost");
  EXPECT_TRUE(contains(server.request(), "\r\nHost: localhost:")) << server.request();
  Fetched by_address = fetch(*client_, url(server, "127.0.0.1"));
  EXPECT_EQ(by_address.response.error, "");
  EXPECT_EQ(server.sni(), "");  // RFC 6066: no address literal in SNI
}

TEST_F(JwksFetchTls, SelfSignedCertificateIsRefused) {
  auto tls = server_tls("DNS:localhost,IP:127.0.0.1", /*self_signed=*/true);
  TestServer server({kJwksReply}, tls.get());
  Fetched fetched = fetch(*client_, url(server, "localhost"));
  EXPECT_TRUE(contains(fetched.response.error, "certificate verify failed"))
      << fetched.response.error;
  EXPECT_TRUE(contains(fetched.response.error, "self")) << fetched.response.error;
  EXPECT_EQ(server.request(), "");
}

TEST_F(JwksFetchTls, CertificateForAnotherNameIsRefused) {
  auto tls = server_tls("DNS:idp.example.com");
  TestServer server({kJwksReply}, tls.get());
  Fetched by_name = fetch(*client_, url(server, "localhost"));
  EXPECT_TRUE(contains(by_name.response.error, "hostname mismatch")) << by_name.response.error;
  Fetched by_address = fetch(*client_, url(server, "127.0.0.1"));
  EXPECT_TRUE(contains(by_address.response.error, "IP address mismatch"))
      << by_address.response.error;
  EXPECT_EQ(server.request(), "");
}

}  // namespace
}  // namespace rampart::policies::jwt
