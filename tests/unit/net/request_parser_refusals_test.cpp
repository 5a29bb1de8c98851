// What RequestParser refuses, and with which of Beast's error codes: above all, every request
// whose body two parsers could frame differently (request smuggling).

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "net/request_parser.hpp"
#include "request_parser_test_support.hpp"

namespace rampart::net {
namespace {

using testing_support::request_error;
using testing_support::RequestFeeder;
using error = boost::beast::http::error;
using namespace std::string_view_literals;

struct Case {
  std::string_view text;
  error code;
};

std::string post(std::string_view fields, std::string_view body = "") {
  return "POST /x HTTP/1.1\r\nHost: a\r\n" + std::string(fields) + "\r\n" + std::string(body);
}

TEST(RequestParserRefusals, AmbiguousFraming) {
  const Case cases[] = {
      {"Content-Length: 3\r\nTransfer-Encoding: chunked\r\n", error::bad_transfer_encoding},
      {"Transfer-Encoding: chunked\r\nContent-Length: 3\r\n", error::bad_transfer_encoding},
      {"Transfer-Encoding: gzip\r\nContent-Length: 3\r\n", error::bad_transfer_encoding},
      {"Transfer-Encoding: chunked, chunked\r\n", error::bad_transfer_encoding},
      {"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
       error::bad_transfer_encoding},
      {"Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n", error::bad_transfer_encoding},
      {"Transfer-Encoding: chunked, gzip\r\n", error::bad_transfer_encoding},
      {"Transfer-Encoding: gzip\r\n", error::bad_transfer_encoding},
      {"Transfer-Encoding: identity\r\n", error::bad_transfer_encoding},
      {"Transfer-Encoding: \r\n", error::bad_transfer_encoding},
      {"Transfer-Encoding: ,\r\n", error::bad_transfer_encoding},
      {"Transfer-Encoding: chunked;q=1\r\n", error::bad_transfer_encoding},
      {"Transfer-Encoding: gzip;level=1, chunked\r\n", error::bad_transfer_encoding},
      {"Transfer-Encoding: \"chunked\"\r\n", error::bad_transfer_encoding},
      {"Transfer-Encoding: chunked x\r\n", error::bad_transfer_encoding},
      {"Transfer-Encoding: xchunked\r\n", error::bad_transfer_encoding},
      {"Transfer-Encoding : chunked\r\n", error::bad_field},
      {"Transfer-Encoding\t: chunked\r\n", error::bad_field},
      {" Transfer-Encoding: chunked\r\n", error::bad_obs_fold},
      {"X-A: b\r\n Transfer-Encoding: chunked\r\n", error::bad_obs_fold},
      {"Transfer-Encoding: gzip,\r\n chunked\r\n", error::bad_obs_fold},
      {"Transfer-Encoding: \x0b"
       "chunked\r\n",
       error::bad_value},
      {"Transfer-Encoding: chunked\rX: y\r\n", error::bad_line_ending},
      {"Content-Length: 3\r\nContent-Length: 4\r\n", error::multiple_content_length},
      {"Content-Length: 1,2\r\n", error::multiple_content_length},
      {"Content-Length: 1, 1, 2\r\n", error::multiple_content_length},
      {"Content-Length: +3\r\n", error::bad_content_length},
      {"Content-Length: -3\r\n", error::bad_content_length},
      {"Content-Length: 3 3\r\n", error::bad_content_length},
      {"Content-Length: 0x3\r\n", error::bad_content_length},
      {"Content-Length: 3a\r\n", error::bad_content_length},
      {"Content-Length: 3.0\r\n", error::bad_content_length},
      {"Content-Length: \r\n", error::bad_content_length},
      {"Content-Length: 1,\r\n", error::bad_content_length},
      {"Content-Length: 18446744073709551616\r\n", error::bad_content_length},
      {"Content-Length: 99999999999999999999999\r\n", error::bad_content_length},
      {"Content-Length\r\n", error::bad_field},
      {"Content-Length : 3\r\n", error::bad_field},
      {"Connection: close;x\r\n", error::bad_value},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(request_error(post(c.text, "abc")), c.code) << c.text;
  }
}

TEST(RequestParserRefusals, RepeatedContentLengthIsOneLength) {
  for (std::string_view fields : {"Content-Length: 1,1\r\n", "Content-Length: 1, 1\r\n",
                                  "Content-Length: 1\r\nContent-Length: 1\r\n",
                                  "Content-Length: 01\r\n", "Content-Length:  1 \r\n"}) {
    RequestFeeder feeder(256);
    ASSERT_FALSE(feeder.arrive(post(fields, "x"))) << fields;
    EXPECT_EQ(feeder.parser().content_length().value_or(0), 1u) << fields;
    EXPECT_EQ(feeder.body, "x") << fields;
  }
}

TEST(RequestParserRefusals, BadRequestLines) {
  const Case cases[] = {
      {"\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", error::bad_method},
      {" GET / HTTP/1.1\r\nHost: h\r\n\r\n", error::bad_method},
      {"GET  / HTTP/1.1\r\nHost: h\r\n\r\n", error::bad_target},
      {"GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n", error::bad_method},
      {"G(T / HTTP/1.1\r\nHost: h\r\n\r\n", error::bad_method},
      {"GET\r\n\r\n", error::bad_method},
      {"HELLO\r\n\r\n", error::bad_method},
      {"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", error::bad_method},
      {"GET / x HTTP/1.1\r\nHost: h\r\n\r\n", error::bad_version},
      {"GET /a b HTTP/1.1\r\nHost: h\r\n\r\n", error::bad_version},
      {"GET /a\tb HTTP/1.1\r\nHost: h\r\n\r\n", error::bad_target},
      {"GET /a\x7f HTTP/1.1\r\nHost: h\r\n\r\n", error::bad_target},
      {"GET /a\0 HTTP/1.1\r\nHost: h\r\n\r\n"sv, error::bad_target},
      {"GET /a\r\n\r\n", error::bad_target},
      {"GET /a\n\r\n", error::bad_target},
      {"GET / HTTP/1.1 \r\n\r\n", error::bad_version},
      {"GET / HTTP/1.2\r\n\r\n", error::bad_version},
      {"GET / HTTP/2.0\r\n\r\n", error::bad_version},
      {"GET / HTTP/0.9\r\n\r\n", error::bad_version},
      {"GET / HTTP/1.10\r\n\r\n", error::bad_version},
      {"GET / HTTP/1\r\n\r\n", error::bad_version},
      {"GET / http/1.1\r\n\r\n", error::bad_version},
      {"GET / HTTPS/1.1\r\n\r\n", error::bad_version},
      {"GET /\r\n\r\n", error::bad_target},
      {"GET / HTTP/1.1\n\r\n", error::bad_line_ending},
      {"GET / HTTP/1.1\rX\r\n\r\n", error::bad_line_ending},
      {"GET / HTTP/1.1\r\nHost: h\r\n\n", error::bad_line_ending},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(request_error(c.text), c.code) << c.text;
  }
  // Refused before the line ends: garbage is answered at once, not after the head timeout.
  for (auto prefix : {"GET / HTTP/2", "GET / FTP", "GET / HTTP/1.1x", "\x16\x03\x01"}) {
    EXPECT_NE(request_error(prefix), error::need_more) << prefix;
  }
}

TEST(RequestParserRefusals, BadFieldLines) {
  const Case cases[] = {
      {"X-A: b\r\n c\r\n", error::bad_obs_fold}, {"X-A: b\r\n\tc\r\n", error::bad_obs_fold},
      {"X-A : b\r\n", error::bad_field},         {": b\r\n", error::bad_field},
      {"X(A): b\r\n", error::bad_field},         {"X\x80: b\r\n", error::bad_field},
      {"X-A b\r\n", error::bad_field},           {"X-A: b\n", error::bad_line_ending},
      {"X-A: b\rc\r\n", error::bad_line_ending}, {"X-A: b\r\r\n", error::bad_line_ending},
      {"X-A: b\0c\r\n"sv, error::bad_value},     {"X-A: b\x7f\r\n", error::bad_value},
      {"X-A: b\x01\r\n", error::bad_value},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(request_error(post(c.text)), c.code) << c.text;
  }
}

TEST(RequestParserRefusals, BadChunkedBodies) {
  const Case cases[] = {
      {"-1\r\n", error::bad_chunk},
      {"+1\r\nx\r\n", error::bad_chunk},
      {"\r\nabc", error::bad_chunk},
      {";x\r\n", error::bad_chunk},
      {"g\r\n", error::bad_chunk},
      {"0x3\r\nabc\r\n", error::bad_chunk_extension},
      {" 3\r\nabc\r\n", error::bad_chunk},
      {"3 \r\nabc\r\n", error::bad_chunk_extension},
      {"3\t\r\nabc\r\n", error::bad_chunk_extension},
      {"10000000000000000\r\n", error::bad_chunk},  // 2^64
      {"fffffffffffffffff\r\n", error::bad_chunk},
      {"3\r\nabcX\r\n0\r\n\r\n", error::bad_chunk},  // no CRLF after the data
      {"3\r\nabcd\r\n0\r\n\r\n", error::bad_chunk},
      {"3\r\nabc\rX0\r\n\r\n", error::bad_chunk},
      {"3\r\nabc\n0\r\n\r\n", error::bad_chunk},
      {"3\nabc\r\n", error::bad_line_ending},
      {"3\r\rabc\r\n", error::bad_chunk_extension},
      {"3;\r\nabc\r\n", error::bad_chunk_extension},
      {"3;=v\r\nabc\r\n", error::bad_chunk_extension},
      {"3;a=\r\nabc\r\n", error::bad_chunk_extension},
      {"3;a=\"open\r\nabc\r\n", error::bad_chunk_extension},
      {"3;a b\r\nabc\r\n", error::bad_chunk_extension},
      {"3;a\nabc\r\n", error::bad_line_ending},
      {"0\r\nX-A: b\r\n c\r\n\r\n", error::bad_obs_fold},
      {"0\r\nX-A b\r\n\r\n", error::bad_field},
      {"0\r\nX-A: b\n\r\n", error::bad_line_ending},
      {"0\r\n\n", error::bad_line_ending},
      {"0\r\n\r\r\n", error::bad_line_ending},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(request_error(post("Transfer-Encoding: chunked\r\n", c.text)), c.code) << c.text;
  }
}

TEST(RequestParserRefusals, OverlongChunkLinesAndTrailers) {
  // A line that never ends would hold the read buffer: refused at 4 KiB, not awaited.
  const std::string head = post("Transfer-Encoding: chunked\r\n");
  EXPECT_EQ(request_error(head + "5;x=" + std::string(5000, 'a')), error::bad_chunk);
  EXPECT_EQ(request_error(head + std::string(5000, '0')), error::bad_chunk);
  EXPECT_EQ(request_error(head + "5;x=" + std::string(3000, 'a') + "\r\nhello\r\n"),
            error::need_more);
  EXPECT_EQ(request_error(head + "0\r\nX: " + std::string(20000, 'a')), error::header_limit);
}

/// The refusal for a whole request, or nullopt when it parses.
std::optional<Refusal> refusal_of(std::string_view text) {
  RequestFeeder feeder(text.size() + 16);
  auto ec = feeder.arrive(text);
  if (!ec) {
    return std::nullopt;
  }
  return feeder.parser().refusal(ec);
}

TEST(RequestParserRefusals, ConnectionNamingAProtectedFieldIsSmuggling) {
  // Dropping a field named in Connection as hop-by-hop while framing by it turns the body
  // into a second request for the upstream: every field rampart frames by, writes or decides
  // by is refused there, in any case, anywhere in the list, in any Connection field.
  for (std::string_view name :
       {"Content-Length", "content-length", "CONTENT-LENGTH", "Transfer-Encoding",
        "transfer-encoding", "Host", "X-Forwarded-For", "x-forwarded-proto", "X-Request-ID",
        "traceparent", "Authorization", "X-API-Key", "X-Rampart-Identity", "x-rampart-tier"}) {
    for (std::string fields :
         {"Connection: " + std::string(name) + "\r\n",
          "Connection: keep-alive, " + std::string(name) + "\r\n",
          "Connection: keep-alive\r\nConnection: " + std::string(name) + " , close\r\n",
          "Proxy-Connection: " + std::string(name) + "\r\n"}) {
      auto text = post(fields + "Content-Length: 3\r\n", "abc");
      EXPECT_EQ(refusal_of(text), Refusal::smuggling) << text;
    }
  }
  // Other names may be hop-by-hop as the client likes.
  EXPECT_EQ(refusal_of(post("Connection: X-Custom, keep-alive\r\nContent-Length: 3\r\n", "abc")),
            std::nullopt);
  EXPECT_EQ(refusal_of(post("Connection: X-Rampart\r\n")), std::nullopt);
  EXPECT_EQ(refusal_of(post("Content-Length: 3\r\nTransfer-Encoding: chunked\r\n")),
            Refusal::smuggling);
  EXPECT_EQ(refusal_of(post("Content-Length: 3\r\nContent-Length: 4\r\n")), Refusal::smuggling);
}

TEST(RequestParserRefusals, HostIsRequiredOnceAndWellFormed) {
  EXPECT_EQ(refusal_of("GET / HTTP/1.1\r\n\r\n"), Refusal::host);
  EXPECT_EQ(refusal_of("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n"), Refusal::host);
  EXPECT_EQ(refusal_of("GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n"), Refusal::host);
  for (std::string_view bad : {"a b", "a/b", "user@a", "a:80:80", "a:x", "a:123456", "[::1",
                               "[::1]x", "[zz::1]", "a\\b", "a?b", "a#b"}) {
    EXPECT_EQ(refusal_of("GET / HTTP/1.1\r\nHost: " + std::string(bad) + "\r\n\r\n"), Refusal::host)
        << bad;
  }
  for (std::string_view good : {"", "a", "api.example.com", "api.example.com:8080", "127.0.0.1",
                                "[::1]", "[::1]:443", "xn--bcher-kva.example", "a_b.c-d~e"}) {
    EXPECT_EQ(refusal_of("GET / HTTP/1.1\r\nHost: " + std::string(good) + "\r\n\r\n"), std::nullopt)
        << good;
  }
  EXPECT_EQ(refusal_of("GET / HTTP/1.0\r\n\r\n"), std::nullopt);  // HTTP/1.0 may omit it
}

TEST(RequestParserRefusals, ExpectContinueOnlyInHttp11) {
  RequestFeeder v10(128);
  v10.arrive("PUT / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n");
  EXPECT_FALSE(v10.parser().expects_continue());
  RequestFeeder v11(128);
  v11.arrive("PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n");
  EXPECT_TRUE(v11.parser().expects_continue());
}

}  // namespace
}  // namespace rampart::net
