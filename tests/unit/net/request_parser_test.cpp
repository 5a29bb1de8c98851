#include "net/request_parser.hpp"

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <string>

#include "request_parser_test_support.hpp"

namespace rampart::net {
namespace {

using bhttp::field;
using boost::system::error_code;
using testing_support::RequestFeeder;
using error = boost::beast::http::error;

struct Parsed {
  boost::system::error_code ec;
  std::size_t used = 0;
  http::RequestHead head;
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
  std::string_view text =
      "POST /api/x?token=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nX-A: b\r\n\r\nabc";
  auto r = parse(text);
  ASSERT_FALSE(r.ec) << r.ec.message();
  EXPECT_EQ(r.head.method, "POST");
  EXPECT_EQ(r.head.verb, bhttp::verb::post);
  EXPECT_EQ(r.head.target, "/api/x?token=1");
  EXPECT_EQ(r.head.path, "/api/x");
  EXPECT_EQ(r.head.version, 11);
  EXPECT_TRUE(r.head.has_body);
  EXPECT_EQ(*r.head.content_length, 3u);
  EXPECT_FALSE(r.head.chunked);
  EXPECT_EQ(r.head.headers.fields().size(), 3u);
  EXPECT_EQ(r.head.headers.fields()[0].id, field::host);
  EXPECT_EQ(r.head.headers.find("x-a")->value, "b");
  EXPECT_EQ(r.used, text.size() - 3);  // not eager: the head only
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
  EXPECT_EQ(r.ec, error::bad_transfer_encoding);
  auto ok = parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
  EXPECT_FALSE(ok.ec);
  EXPECT_TRUE(ok.head.chunked);
}

TEST(RequestParser, HeaderLimitAndUriLimit) {
  std::string big = "GET / HTTP/1.1\r\nHost: h\r\nX-A: " + std::string(5000, 'a') + "\r\n\r\n";
  EXPECT_EQ(parse(big, 4096).ec, error::header_limit);
  EXPECT_FALSE(parse(big, big.size()).ec);
  EXPECT_EQ(parse(big, big.size() - 1).ec, error::header_limit);
  std::string long_uri = "GET /" + std::string(kMaxUriBytes, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n";
  auto r = parse(long_uri, 64 * 1024);
  EXPECT_TRUE(r.ec);
  EXPECT_TRUE(r.uri_too_long);
  std::string longest =
      "GET /" + std::string(kMaxUriBytes - 1, 'a') + " HTTP/1.1\r\nHost: h\r\n\r\n";
  EXPECT_FALSE(parse(longest, 64 * 1024).ec);
  // Too long is too long whatever follows, even before the rest of the head is there.
  for (std::string_view rest : {" HTTP/9.9\r\n\r\n", " HTTP/1.1\r\nHost"}) {
    auto partial = parse("GET /" + std::string(kMaxUriBytes, 'a') + std::string(rest), 64 * 1024);
    EXPECT_EQ(partial.ec, error::bad_target);
    EXPECT_TRUE(partial.uri_too_long);
  }
}

TEST(RequestParser, IncompleteHeadNeedsMoreAndConsumesNothing) {
  // Unlike Beast, which took the request line early, nothing is consumed until the head is
  // whole: the connection passes the head again from its start (a head split across reads).
  auto r = parse("GET / HTTP/1.1\r\nHost: a\r\n");
  EXPECT_EQ(r.ec, error::need_more);
  EXPECT_EQ(r.used, 0u);
}

TEST(RequestParser, WithoutEagerStopsAfterTheHead) {
  http::RequestHead head;
  RequestParser parser(head);
  std::string head_text = "PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n";
  std::string text = head_text + "hello";
  error_code ec;
  EXPECT_EQ(parser.put(boost::asio::buffer(text), ec), head_text.size());
  EXPECT_FALSE(ec);
  EXPECT_TRUE(parser.is_header_done());
  EXPECT_FALSE(parser.is_done());
  EXPECT_EQ(parser.content_length().value_or(0), 5u);
  parser.eager(true);
  EXPECT_EQ(parser.put(boost::asio::buffer(text.data() + head_text.size(), 3), ec), 3u);
  EXPECT_FALSE(ec);
  EXPECT_EQ(parser.put(boost::asio::buffer(text.data() + head_text.size() + 3, 9), ec), 2u);
  EXPECT_TRUE(parser.is_done());
  EXPECT_EQ(parser.put(boost::asio::buffer(text), ec), 0u);
  EXPECT_EQ(ec, error::stale_parser);
}

TEST(RequestParser, NoBodyWithoutContentLengthOrTransferEncoding) {
  for (std::string_view text :
       {"POST /x HTTP/1.1\r\nHost: h\r\n\r\nGET", "GET / HTTP/1.0\r\n\r\nGET",
        "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\nGET"}) {
    auto r = parse(text);
    ASSERT_FALSE(r.ec) << text;
    EXPECT_EQ(r.used, text.size() - 3) << text;
    EXPECT_FALSE(r.head.has_body) << text;
    RequestFeeder feeder(text.size());
    ASSERT_FALSE(feeder.arrive(text)) << text;
    EXPECT_TRUE(feeder.parser().is_done()) << text;
    EXPECT_EQ(feeder.unconsumed(), "GET");
  }
}

TEST(RequestParser, MethodsVersionsAndTargets) {
  auto r = parse("PROPFIND * HTTP/1.0\r\n\r\n");
  ASSERT_FALSE(r.ec);
  EXPECT_EQ(r.head.verb, bhttp::verb::propfind);
  EXPECT_EQ(r.head.version, 10);
  EXPECT_EQ(r.head.target, "*");
  auto custom = parse("X-My_Method! /a/b?c=d?e HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_FALSE(custom.ec);
  EXPECT_EQ(custom.head.verb, bhttp::verb::unknown);
  EXPECT_EQ(custom.head.method, "X-My_Method!");
  EXPECT_EQ(custom.head.path, "/a/b");
  auto lower = parse("get / HTTP/1.1\r\nHost: h\r\n\r\n");  // methods are case-sensitive
  ASSERT_FALSE(lower.ec);
  EXPECT_EQ(lower.head.verb, bhttp::verb::unknown);
  auto utf8 = parse("GET /caf\xc3\xa9?q=\xff HTTP/1.1\r\nHost: h\r\n\r\n");  // obs-text, as Beast
  ASSERT_FALSE(utf8.ec);
  EXPECT_EQ(utf8.head.path, "/caf\xc3\xa9");
  auto absolute =
      parse("GET http://example.com/x HTTP/1.1\r\nHost: h\r\n\r\n");  // the connection says 400
  ASSERT_FALSE(absolute.ec);
  EXPECT_EQ(absolute.head.target, "http://example.com/x");
}

TEST(RequestParser, KeepAlive) {
  auto keep_alive = [](std::string_view version, std::string_view fields) {
    RequestFeeder feeder(512);
    auto ec = feeder.arrive("POST / HTTP/" + std::string(version) + "\r\nHost: h\r\n" +
                            std::string(fields) + "\r\n0\r\n\r\n");
    EXPECT_FALSE(ec) << version << " " << fields << ": " << ec.message();
    return feeder.parser().keep_alive();
  };
  EXPECT_TRUE(keep_alive("1.1", ""));
  EXPECT_TRUE(keep_alive("1.1", "Connection: keep-alive\r\n"));
  EXPECT_TRUE(keep_alive("1.1", "Connection: upgrade\r\n"));
  EXPECT_FALSE(keep_alive("1.1", "Connection: close\r\n"));
  EXPECT_FALSE(keep_alive("1.1", "Connection: Upgrade, CLOSE\r\n"));
  EXPECT_FALSE(keep_alive("1.1", "Connection: keep-alive\r\nConnection: close\r\n"));
  EXPECT_FALSE(keep_alive("1.1", "Proxy-Connection: close\r\n"));
  EXPECT_TRUE(keep_alive("1.1", "Transfer-Encoding: chunked\r\n"));
  EXPECT_FALSE(keep_alive("1.0", ""));
  EXPECT_TRUE(keep_alive("1.0", "Connection: keep-alive\r\n"));
  EXPECT_TRUE(keep_alive("1.0", "Connection: Keep-Alive\r\nContent-Length: 0\r\n"));
  EXPECT_FALSE(keep_alive("1.0", "Connection: keep-alive, close\r\n"));
  EXPECT_FALSE(keep_alive("1.0", "Connection: keep-alive\r\nTransfer-Encoding: chunked\r\n"));
}

TEST(RequestParser, ExpectContinue) {
  auto expects = [](std::string_view text) {
    RequestFeeder feeder(512);
    EXPECT_EQ(feeder.arrive(text), error::need_more) << text;
    return feeder.parser().expects_continue();
  };
  EXPECT_TRUE(
      expects("PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n"));
  EXPECT_TRUE(
      expects("PUT / HTTP/1.1\r\nHost: h\r\nexpect:  100-Continue \r\nContent-Length: 1\r\n\r\n"));
  EXPECT_FALSE(expects("PUT / HTTP/1.1\r\nHost: h\r\nExpect: 200-ok\r\nContent-Length: 1\r\n\r\n"));
  EXPECT_FALSE(expects("PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\n"));
}

TEST(RequestParser, BodyLimit) {
  auto parse_with_limit = [](std::string_view text, boost::optional<std::uint64_t> limit) {
    http::RequestHead head;
    RequestParser parser(head);
    if (limit) {
      parser.body_limit(limit);
    }
    parser.eager(true);
    error_code ec;
    parser.put(boost::asio::buffer(text.data(), text.size()), ec);
    return ec;
  };
  EXPECT_FALSE(parse_with_limit("PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello", 5));
  EXPECT_EQ(parse_with_limit("PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello", 4),
            error::body_limit);
  EXPECT_EQ(
      parse_with_limit("PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 1048577\r\n\r\n", boost::none),
      error::body_limit);  // Beast's default: 1 MiB
  EXPECT_EQ(
      parse_with_limit("PUT / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"
                       "3\r\ndef\r\n0\r\n\r\n",
                       5),
      error::body_limit);
}

}  // namespace
}  // namespace rampart::net
