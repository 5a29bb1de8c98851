#include "net/http_parsers.hpp"

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>

namespace rampart::net {
namespace {

struct Parsed {
  boost::system::error_code ec;
  std::size_t used = 0;
  gateway::RequestHead head;
  bool uri_too_long = false;
};

Parsed parse(std::string_view text, std::uint32_t header_limit = 16 * 1024) {
  Parsed result;
  RequestParser parser(result.head);
  parser.header_limit(header_limit);
  parser.body_limit(boost::none);
  result.used = parser.put(boost::asio::buffer(text.data(), text.size()), result.ec);
  result.uri_too_long = parser.uri_too_long();
  return result;
}

TEST(RequestParser, RecordsTheHeadAsViews) {
  auto r =
      parse("POST /api/x?token=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nX-A: b\r\n\r\nabc");
  ASSERT_FALSE(r.ec) << r.ec.message();
  EXPECT_EQ(r.head.method, "POST");
  EXPECT_EQ(r.head.target, "/api/x?token=1");
  EXPECT_EQ(r.head.path, "/api/x");
  EXPECT_TRUE(r.head.has_body);
  EXPECT_EQ(*r.head.content_length, 3u);
  EXPECT_EQ(r.head.headers.fields().size(), 3u);
  EXPECT_EQ(r.head.headers.find("x-a")->value, "b");
}

TEST(RequestParser, RejectsContentLengthWithTransferEncoding) {
  auto r = parse(
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n");
  EXPECT_TRUE(r.ec);
  auto r2 = parse(
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n");
  EXPECT_TRUE(r2.ec);
}

TEST(RequestParser, RejectsDifferingContentLengths) {
  auto r = parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n");
  EXPECT_TRUE(r.ec);
}

TEST(RequestParser, RejectsTransferEncodingThatDoesNotEndInChunked) {
  auto r = parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n");
  EXPECT_EQ(r.ec, boost::beast::http::error::bad_transfer_encoding);
  auto ok = parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
  EXPECT_FALSE(ok.ec);
  EXPECT_TRUE(ok.head.chunked);
}

TEST(RequestParser, HeaderLimitAndUriLimit) {
  std::string big = "GET / HTTP/1.1\r\nX-A: " + std::string(5000, 'a') + "\r\n\r\n";
  EXPECT_EQ(parse(big, 4096).ec, boost::beast::http::error::header_limit);
  std::string long_uri = "GET /" + std::string(kMaxUriBytes, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n";
  auto r = parse(long_uri, 64 * 1024);
  EXPECT_TRUE(r.ec);
  EXPECT_TRUE(r.uri_too_long);
}

TEST(RequestParser, IncompleteHeadNeedsMoreAndMayTakeTheRequestLine) {
  // Beast consumes the request line before the fields are complete; the connection must
  // continue from that offset (a head split across two reads).
  auto r = parse("GET / HTTP/1.1\r\nHost: a\r\n");
  EXPECT_EQ(r.ec, boost::beast::http::error::need_more);
  EXPECT_EQ(r.used, 16u);
}

}  // namespace
}  // namespace rampart::net
