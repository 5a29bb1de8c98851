#include "net/response_parser.hpp"

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <optional>
#include <string>
#include <vector>

#include "response_parser_test_support.hpp"

namespace rampart::net {
namespace {

using bhttp::field;
using boost::system::error_code;
using testing_support::Feeder;
using testing_support::kChunkedBody;
using testing_support::kChunkedHead;
using testing_support::kNginxHead;
using error = boost::beast::http::error;

TEST(ResponseParser, ContentLengthResponseInOnePut) {
  std::string text = std::string(kNginxHead) + "hello";
  Feeder feeder(text.size());
  ASSERT_FALSE(feeder.arrive(text));
  auto& parser = feeder.parser();
  EXPECT_TRUE(parser.is_done());
  EXPECT_EQ(feeder.unconsumed(), 0u);
  EXPECT_EQ(feeder.decoded, "hello");
  EXPECT_EQ(feeder.head().status, 200);
  EXPECT_EQ(feeder.head().reason, "OK");
  EXPECT_EQ(parser.version(), 11);
  EXPECT_TRUE(parser.keep_alive());
  EXPECT_FALSE(parser.need_eof());
  EXPECT_FALSE(parser.chunked());
  EXPECT_EQ(parser.content_length().value_or(0), 5u);
  const auto& fields = feeder.head().headers.fields();
  ASSERT_EQ(fields.size(), 5u);
  EXPECT_EQ(fields[0].id, field::server);
  EXPECT_EQ(fields[0].name, "Server");
  EXPECT_EQ(fields[0].value, "nginx/1.24.0");
  EXPECT_EQ(fields[3].id, field::content_length);
  EXPECT_EQ(fields[4].value, "keep-alive");
}

TEST(ResponseParser, WithoutEagerStopsAfterTheHead) {
  http::ResponseHead head;
  std::vector<std::string_view> pieces;
  ResponseParser parser(head, pieces);
  std::string text = std::string(kNginxHead) + "hello";
  error_code ec;
  EXPECT_EQ(parser.put(boost::asio::buffer(text), ec), kNginxHead.size());
  EXPECT_FALSE(ec);
  EXPECT_TRUE(parser.is_header_done());
  EXPECT_FALSE(parser.is_done());
  parser.eager(true);
  EXPECT_EQ(parser.put(boost::asio::buffer(text.data() + kNginxHead.size(), 3), ec), 3u);
  EXPECT_FALSE(ec);  // like Beast: a partial Content-Length body is no error
  EXPECT_FALSE(parser.is_done());
  EXPECT_EQ(parser.put(boost::asio::buffer(text.data() + kNginxHead.size() + 3, 2), ec), 2u);
  EXPECT_TRUE(parser.is_done());
  EXPECT_EQ(parser.put(boost::asio::buffer(text), ec), 0u);
  EXPECT_EQ(ec, error::stale_parser);
}

TEST(ResponseParser, HeadSplitAtEveryOffset) {
  std::string text = std::string(kNginxHead) + "hello";
  for (std::size_t cut = 1; cut < kNginxHead.size(); ++cut) {
    Feeder feeder(text.size());
    ASSERT_EQ(feeder.arrive(text.substr(0, cut)), error::need_more) << cut;
    EXPECT_EQ(feeder.unconsumed(), cut);
    EXPECT_TRUE(feeder.head().headers.fields().empty());
    ASSERT_FALSE(feeder.arrive(text.substr(cut))) << cut;
    EXPECT_TRUE(feeder.parser().is_done());
    EXPECT_EQ(feeder.head().headers.fields().size(), 5u);
    EXPECT_EQ(feeder.head().headers.fields()[1].value, "Mon, 23 Nov 2026 14:21:29 GMT");
    EXPECT_EQ(feeder.decoded, "hello");
  }
  Feeder byte_by_byte(text.size());
  for (char c : text) {
    byte_by_byte.arrive(std::string_view(&c, 1));
  }
  EXPECT_TRUE(byte_by_byte.parser().is_done());
  EXPECT_EQ(byte_by_byte.head().headers.fields().size(), 5u);
  EXPECT_EQ(byte_by_byte.decoded, "hello");
}

TEST(ResponseParser, ChunkedBodySplitAtEveryOffset) {
  std::string text = std::string(kChunkedHead) + std::string(kChunkedBody);
  for (bool collect : {true, false}) {
    for (std::size_t cut = 1; cut < text.size(); ++cut) {
      Feeder feeder(text.size(), collect);
      auto ec = feeder.arrive(text.substr(0, cut));
      ASSERT_TRUE(!ec || ec == error::need_more) << cut << ": " << ec.message();
      ASSERT_FALSE(feeder.arrive(text.substr(cut))) << cut;
      EXPECT_TRUE(feeder.parser().is_done()) << cut;
      EXPECT_EQ(feeder.unconsumed(), 0u) << cut;
      EXPECT_EQ(feeder.body, kChunkedBody) << cut;
      EXPECT_EQ(feeder.decoded, collect ? "hello0123456789!" : "") << cut;
      EXPECT_EQ(feeder.head().headers.fields().size(), 2u);  // trailers are not head fields
    }
    Feeder byte_by_byte(text.size(), collect);
    for (char c : text) {
      byte_by_byte.arrive(std::string_view(&c, 1));
    }
    EXPECT_TRUE(byte_by_byte.parser().is_done());
    EXPECT_EQ(byte_by_byte.body, kChunkedBody);
    EXPECT_EQ(byte_by_byte.decoded, collect ? "hello0123456789!" : "");
  }
}

TEST(ResponseParser, CollectsDecodedChunks) {
  http::ResponseHead head;
  std::vector<std::string_view> pieces;
  ResponseParser parser(head, pieces);
  parser.eager(true);
  parser.collect_decoded(true);
  std::string text =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
  error_code ec;
  auto used = parser.put(boost::asio::buffer(text), ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(used, text.size());
  std::string body;
  for (auto p : parser.pieces()) {
    body += p;
  }
  EXPECT_EQ(body, "abcde");
  EXPECT_TRUE(parser.is_done());
  EXPECT_TRUE(parser.chunked());
}

TEST(ResponseParser, PartialChunkLineIsLeftForTheNextCall) {
  std::string text = std::string(kChunkedHead) + "5\r\nhello\r\n1";
  Feeder feeder(text.size() + 32);
  EXPECT_EQ(feeder.arrive(text), error::need_more);
  EXPECT_EQ(feeder.unconsumed(), 1u);
  EXPECT_EQ(feeder.decoded, "hello");
  EXPECT_FALSE(feeder.arrive("0\r\n"));  // "10\r\n": a 16-byte chunk
  EXPECT_FALSE(feeder.arrive("0123456789abcdef\r\n0\r\n\r\n"));
  EXPECT_TRUE(feeder.parser().is_done());
  EXPECT_EQ(feeder.decoded, "hello0123456789abcdef");
}

TEST(ResponseParser, HeadRequestHasNoBody) {
  http::ResponseHead head;
  std::vector<std::string_view> pieces;
  ResponseParser parser(head, pieces);
  parser.skip(true);
  parser.eager(true);
  std::string text = std::string(kNginxHead) + "hello";
  error_code ec;
  EXPECT_EQ(parser.put(boost::asio::buffer(text), ec), kNginxHead.size());
  EXPECT_FALSE(ec);
  EXPECT_TRUE(parser.is_done());
  EXPECT_FALSE(parser.need_eof());
  EXPECT_TRUE(parser.keep_alive());
}

TEST(ResponseParser, StatusesWithoutBodyAreDoneAfterTheHead) {
  for (std::string_view status : {"204 No Content", "304 Not Modified", "103 Early Hints",
                                  "100 Continue", "101 Switching Protocols"}) {
    std::string text =
        "HTTP/1.1 " + std::string(status) + "\r\nContent-Length: 10\r\nLink: </a>\r\n\r\n";
    Feeder feeder(text.size());
    ASSERT_FALSE(feeder.arrive(text)) << status;
    EXPECT_TRUE(feeder.parser().is_done()) << status;
    EXPECT_FALSE(feeder.parser().need_eof()) << status;
    EXPECT_EQ(feeder.head().headers.fields().size(), 2u);
  }
}

TEST(ResponseParser, InterimResponseThenFinalOneLikeTheProxy) {
  std::string text =
      "HTTP/1.1 103 Early Hints\r\nLink: </style.css>\r\n\r\n"
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi";
  http::ResponseHead head;
  std::vector<std::string_view> pieces;
  std::optional<ResponseParser> parser;
  parser.emplace(head, pieces);
  error_code ec;
  auto used = parser->put(boost::asio::buffer(text), ec);
  ASSERT_FALSE(ec);
  EXPECT_EQ(head.status, 103);
  EXPECT_TRUE(parser->is_done());
  head.headers.clear();
  parser.emplace(head, pieces);
  parser->eager(true);
  EXPECT_EQ(parser->put(boost::asio::buffer(text.data() + used, text.size() - used), ec),
            text.size() - used);
  EXPECT_FALSE(ec);
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(parser->is_done());
}

TEST(ResponseParser, CloseDelimitedBodyEndsAtEof) {
  for (std::string_view version : {"1.0", "1.1"}) {
    std::string text = "HTTP/" + std::string(version) + " 200 OK\r\nServer: x\r\n\r\nabc";
    Feeder feeder(text.size() + 3);
    ASSERT_FALSE(feeder.arrive(text));
    EXPECT_FALSE(feeder.parser().is_done());
    EXPECT_TRUE(feeder.parser().need_eof());
    EXPECT_FALSE(feeder.parser().keep_alive());
    ASSERT_FALSE(feeder.arrive("def"));
    EXPECT_EQ(feeder.decoded, "abcdef");
    error_code ec;
    feeder.parser().put_eof(ec);
    EXPECT_FALSE(ec);
    EXPECT_TRUE(feeder.parser().is_done());
  }
}

TEST(ResponseParser, EofInsideAFramedBodyIsAPartialMessage) {
  for (std::string text : {std::string(kNginxHead) + "hel", std::string(kChunkedHead) + "5\r\nhel",
                           std::string("HTTP/1.1 200")}) {
    Feeder feeder(text.size());
    feeder.arrive(text);
    error_code ec;
    feeder.parser().put_eof(ec);
    EXPECT_EQ(ec, error::partial_message) << text;
    EXPECT_FALSE(feeder.parser().is_done());
  }
}

TEST(ResponseParser, KeepAliveMatrix) {
  struct Case {
    std::string_view version;
    std::string_view connection;  // the field lines
    bool keep_alive;
  };
  const Case cases[] = {
      {"1.1", "", true},
      {"1.1", "Connection: close\r\n", false},
      {"1.1", "Connection: keep-alive\r\n", true},
      {"1.1", "Connection: foo, close\r\n", false},
      {"1.1", "Connection: foo\r\nConnection: CLOSE\r\n", false},
      {"1.1", "Proxy-Connection: close\r\n", false},
      {"1.1", "Connection: ,, Upgrade ,\r\n", true},
      {"1.0", "", false},
      {"1.0", "Connection: close\r\n", false},
      {"1.0", "Connection: keep-alive\r\n", true},
      {"1.0", "Connection: Keep-Alive\r\n", true},
      {"1.0", "Connection: foo, close\r\n", false},
      {"1.0", "Connection: keep-alive, close\r\n", false},
  };
  for (const auto& c : cases) {
    std::string text = "HTTP/" + std::string(c.version) + " 200 OK\r\n" +
                       std::string(c.connection) + "Content-Length: 0\r\n\r\n";
    Feeder feeder(text.size());
    ASSERT_FALSE(feeder.arrive(text)) << text;
    EXPECT_EQ(feeder.parser().keep_alive(), c.keep_alive) << text;
    EXPECT_EQ(feeder.parser().version(), c.version == "1.1" ? 11 : 10);
  }
  // Transfer-Encoding in HTTP/1.0 is faulty framing (RFC 9112 §6.1): never reused.
  Feeder te(128);
  ASSERT_FALSE(te.arrive(
      "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
  EXPECT_TRUE(te.parser().is_done());
  EXPECT_FALSE(te.parser().keep_alive());
}

TEST(ResponseParser, ValuesAreTrimmedAndMayBeEmptyOrObsText) {
  Feeder feeder(256);
  ASSERT_FALSE(feeder.arrive(
      "HTTP/1.1 404 \r\nX-Empty:\r\nX-Spaces: \t a  b \t \r\nX-Bytes: \xc3\xa9t\xff\r\n"
      "Content-Length: 0\r\n\r\n"));
  const auto& fields = feeder.head().headers.fields();
  ASSERT_EQ(fields.size(), 4u);
  EXPECT_EQ(feeder.head().status, 404);
  EXPECT_EQ(feeder.head().reason, "");
  EXPECT_EQ(fields[0].value, "");
  EXPECT_EQ(fields[0].id, field::unknown);
  EXPECT_EQ(fields[1].value, "a  b");
  EXPECT_EQ(fields[2].value, "\xc3\xa9t\xff");
}

}  // namespace
}  // namespace rampart::net
