#include "net/head_writer.hpp"

#include <gtest/gtest.h>

namespace rampart::net {
namespace {

using http::field;

TEST(HeadWriter, UpstreamHeadDropsHopByHopAndSetsForwarding) {
  http::Exchange ex;
  ex.request.method = "POST";
  ex.request.target = "/api?q=1";
  ex.request.headers.add(field::host, "Host", "public.example");
  ex.client_host = "public.example";  // as the routing stage keeps it
  ex.request.headers.add(field::connection, "Connection", "keep-alive, X-Custom-Hop");
  ex.request.headers.add(field::unknown, "X-Custom-Hop", "1");
  ex.request.headers.add(field::keep_alive, "Keep-Alive", "timeout=5");
  ex.request.headers.add(field::te, "TE", "trailers");
  ex.request.headers.add(field::upgrade, "Upgrade", "h2c");
  ex.request.headers.add(field::unknown, "X-Forwarded-For", "6.6.6.6");
  ex.request.headers.add(field::unknown, "X-Forwarded-Proto", "https");
  ex.request.headers.add(field::unknown, "X-Forwarded-Host", "spoofed.example");
  ex.request.headers.add(field::content_length, "Content-Length", "3");
  ex.request.headers.add(field::unknown, "X-Keep", "yes");
  ex.request.headers.add(field::unknown, "X-Rampart-Identity", "key:admin");
  ex.request.headers.add(field::unknown, "x-rampart-tier", "enterprise");
  ex.forwarded_for = "127.0.0.1";
  ex.identity = "ip:127.0.0.1";
  ex.upstream_extra_headers = "X-Request-ID: r1\r\n";
  config::UpstreamConfig upstream;
  upstream.host_header = "127.0.0.1:8000";
  std::string out;
  ex.request.headers.remove_connection_options();  // as the connection does, before the policies
  write_upstream_head(out, ex, upstream);
  end_upstream_head(out, Framing::length_of(3));
  EXPECT_EQ(out,
            "POST /api?q=1 HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nX-Keep: yes\r\n"
            "X-Rampart-Identity: ip:127.0.0.1\r\nX-Forwarded-For: 127.0.0.1\r\n"
            "X-Forwarded-Proto: http\r\nX-Forwarded-Host: public.example\r\n"
            "X-Request-ID: r1\r\nContent-Length: 3\r\n\r\n");
}

TEST(HeadWriter, RewrittenPathKeepsTheQueryAndTakesTheBasePath) {
  http::Exchange ex;
  ex.request.method = "GET";
  ex.request.target = "/api/v1/users?x=%2F&y";
  ex.request.headers.add(field::host, "Host", "api.example.com:8443");
  ex.client_host = "api.example.com:8443";
  ex.forwarded_for = "127.0.0.1";
  ex.identity = "ip:127.0.0.1";
  config::UpstreamConfig upstream;
  upstream.host_header = "10.0.0.5:8080";
  upstream.base_path = "/base";
  std::string out;
  write_upstream_head(out, ex, upstream, Framing{});
  EXPECT_TRUE(out.starts_with("GET /base/api/v1/users?x=%2F&y HTTP/1.1\r\nHost: 10.0.0.5:8080\r\n"))
      << out;
  ex.upstream_path = "/api/users";
  write_upstream_head(out, ex, upstream, Framing{});
  EXPECT_TRUE(out.starts_with("GET /base/api/users?x=%2F&y HTTP/1.1\r\n")) << out;
  ex.request.target = "/api/v1/users";
  write_upstream_head(out, ex, upstream, Framing{});
  EXPECT_TRUE(out.starts_with("GET /base/api/users HTTP/1.1\r\n")) << out;
}

TEST(HeadWriter, PreserveHostSendsTheClientsHost) {
  http::Exchange ex;
  ex.request.method = "GET";
  ex.request.target = "/";
  ex.request.headers.add(field::host, "Host", "api.example.com");
  ex.client_host = "api.example.com";
  ex.forwarded_for = "127.0.0.1";
  ex.identity = "ip:127.0.0.1";
  config::UpstreamConfig upstream;
  upstream.host_header = "127.0.0.1:8000";
  config::RouteConfig route;
  route.preserve_host = true;
  ex.route = &route;
  std::string out;
  write_upstream_head(out, ex, upstream, Framing{});
  EXPECT_TRUE(out.starts_with("GET / HTTP/1.1\r\nHost: api.example.com\r\n")) << out;
  EXPECT_NE(out.find("X-Forwarded-Host: api.example.com\r\n"), std::string::npos) << out;
  route.preserve_host = false;
  write_upstream_head(out, ex, upstream, Framing{});
  EXPECT_TRUE(out.starts_with("GET / HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n")) << out;
}

TEST(HeadWriter, UpstreamFramingIsRampartsNeverTheClients) {
  // "Content-Length: 5, 5", a second Content-Length, "Transfer-Encoding: chunked," and
  // Expect: none of the client's framing fields reaches the upstream; rampart writes its own.
  http::Exchange ex;
  ex.request.method = "POST";
  ex.request.target = "/";
  ex.request.headers.add(field::content_length, "Content-Length", "5, 5");
  ex.request.headers.add(field::content_length, "content-length", "5");
  ex.request.headers.add(field::transfer_encoding, "Transfer-Encoding", "chunked,");
  ex.request.headers.add(field::expect, "Expect", "100-continue");
  ex.forwarded_for = "127.0.0.1";
  ex.identity = "ip:127.0.0.1";
  config::UpstreamConfig upstream;
  upstream.host_header = "up";
  for (auto [framing, line] : {std::pair{Framing::length_of(5), "Content-Length: 5\r\n"},
                               std::pair{Framing::chunked(), "Transfer-Encoding: chunked\r\n"},
                               std::pair{Framing{}, ""}}) {
    std::string out;
    write_upstream_head(out, ex, upstream);
    end_upstream_head(out, framing);
    EXPECT_EQ(out, std::string("POST / HTTP/1.1\r\nHost: up\r\n"
                               "X-Rampart-Identity: ip:127.0.0.1\r\nX-Forwarded-For: 127.0.0.1\r\n"
                               "X-Forwarded-Proto: http\r\n") +
                       line + "\r\n");
  }
}

TEST(HeadWriter, ResponseHeadHasStandardReasonAndRampartsFraming) {
  http::Exchange ex;
  ex.response.status = 200;
  ex.response.reason = "Leaked /srv/app/secret.py password=x";
  ex.response.headers.add(field::connection, "Connection", "Content-Length");
  ex.response.headers.add(field::content_length, "Content-Length", "5");
  ex.response.headers.add(field::transfer_encoding, "Transfer-Encoding", "chunked");
  std::string out;
  write_response_head(out, ex, Framing::length_of(5), false);
  EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
  write_response_head(out, ex, Framing::chunked(), false);
  EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
}

TEST(HeadWriter, ChunkSizeLine) {
  char line[24];
  EXPECT_EQ(std::string_view(line, write_chunk_size(line, 0)), "0\r\n");
  EXPECT_EQ(std::string_view(line, write_chunk_size(line, 0x1a2b)), "1a2b\r\n");
  EXPECT_EQ(std::string_view(line, write_chunk_size(line, ~std::uint64_t{0})),
            "ffffffffffffffff\r\n");
}

TEST(HeadWriter, ResponseHeadForHttp10ClientDropsChunkedFraming) {
  http::Exchange ex;
  ex.response.status = 200;
  ex.response.reason = "OK";
  ex.response.headers.add(field::transfer_encoding, "Transfer-Encoding", "chunked");
  ex.response.headers.add(field::content_type, "Content-Type", "text/plain");
  ex.response.headers.add(field::server, "Server", "x");
  ex.response.headers.fields().back().removed = true;
  ex.response_extra_headers = "X-Request-ID: r\r\n";
  std::string out;
  write_response_head(out, ex, Framing{}, true);
  EXPECT_EQ(out,
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Request-ID: r\r\n"
            "Connection: close\r\n\r\n");
}

TEST(HeadWriter, EveryConnectionFieldsOptionsAreDropped) {
  http::Exchange ex;
  ex.request.method = "GET";
  ex.request.target = "/";
  ex.request.headers.add(field::connection, "Connection", "keep-alive");
  ex.request.headers.add(field::connection, "Connection", "X-Foo");
  ex.request.headers.add(field::unknown, "X-Foo", "1");
  ex.request.headers.add(field::unknown, "X-Bar", "2");
  ex.forwarded_for = "127.0.0.1";
  ex.identity = "ip:127.0.0.1";
  config::UpstreamConfig upstream;
  upstream.host_header = "up";
  std::string out;
  ex.request.headers.remove_connection_options();  // as the connection does, before the policies
  write_upstream_head(out, ex, upstream, Framing{});
  EXPECT_EQ(out.find("X-Foo"), std::string::npos) << out;
  EXPECT_NE(out.find("X-Bar: 2"), std::string::npos) << out;
}

TEST(HeadWriter, ClientCopiesOfRampartsFieldsAreDroppedInEverySpelling) {
  // WSGI, Rack and CGI servers read X_Rampart_Identity as X-Rampart-Identity: a client's copy
  // in any spelling would sit next to rampart's and one of them would win upstream.
  http::Exchange ex;
  ex.request.method = "GET";
  ex.request.target = "/";
  for (const char* name :
       {"X_Rampart_Identity", "x-rampart-tier", "X-RAMPART_TIER", "X_Forwarded_For",
        "x_forwarded_proto", "X_Request_ID", "x_REQUEST-id"}) {
    ex.request.headers.add(field::unknown, name, "forged");
  }
  ex.request.headers.add(field::unknown, "X_Tenant", "kept");
  ex.forwarded_for = "127.0.0.1";
  ex.identity = "ip:127.0.0.1";
  config::UpstreamConfig upstream;
  upstream.host_header = "up";
  std::string out;
  write_upstream_head(out, ex, upstream, Framing{});
  EXPECT_EQ(out.find("forged"), std::string::npos) << out;
  EXPECT_NE(out.find("X_Tenant: kept"), std::string::npos) << out;
}

TEST(HeadWriter, Http10ClientIsToldTheConnectionIsKept) {
  http::Exchange ex;
  ex.request.version = 10;
  ex.response.status = 204;
  std::string out;
  write_response_head(out, ex, Framing{}, false);
  EXPECT_EQ(out, "HTTP/1.1 204 No Content\r\nConnection: keep-alive\r\n\r\n");
  write_response_head(out, ex, Framing{}, true);
  EXPECT_EQ(out, "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
  ex.request.version = 11;
  write_response_head(out, ex, Framing{}, false);
  EXPECT_EQ(out, "HTTP/1.1 204 No Content\r\n\r\n");
}

}  // namespace
}  // namespace rampart::net
