// Requests arriving in pieces, cut at every offset: the parser must read the same request
// whatever the reads were, and leave the next pipelined request untouched.

#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

#include "net/request_parser.hpp"
#include "request_parser_test_support.hpp"

namespace rampart::net {
namespace {

using testing_support::RequestFeeder;
using error = boost::beast::http::error;
using namespace std::string_view_literals;

constexpr std::string_view kBrowserHead =
    "GET /api/v1/users/42?expand=teams HTTP/1.1\r\n"
    "Host: api.example.com\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36\r\n"
    "Accept: application/json\r\n"
    "Accept-Encoding: gzip, deflate, br\r\n"
    "X-Empty:\r\n"
    "X-Tabs:\tv\t \r\n"
    "Connection: keep-alive\r\n\r\n";

constexpr std::string_view kChunkedHead =
    "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n";
constexpr std::string_view kChunkedBody =
    "5\r\nhello\r\n"
    "A;name=value;q=\"a \\\"quoted\\\" ; string\"\r\n0123456789\r\n"
    "001 ; x\r\n!\r\n"
    "0\r\nExpires: never\r\nX-Checksum: abc\r\n\r\n";
constexpr std::string_view kNext = "GET /next HTTP/1.1\r\nHost: h\r\n\r\n";

using Fields = std::vector<std::tuple<bhttp::field, std::string, std::string>>;

Fields fields_of(const http::RequestHead& head) {
  Fields fields;
  for (const auto& f : head.headers.fields()) {
    fields.emplace_back(f.id, f.name, f.value);
  }
  return fields;
}

TEST(RequestParserSplit, HeadSplitAtEveryOffset) {
  RequestFeeder whole(kBrowserHead.size());
  ASSERT_FALSE(whole.arrive(kBrowserHead));
  const Fields expected = fields_of(whole.head());
  ASSERT_EQ(expected.size(), 7u);
  for (std::size_t cut = 1; cut < kBrowserHead.size(); ++cut) {
    RequestFeeder feeder(kBrowserHead.size());
    ASSERT_EQ(feeder.arrive(kBrowserHead.substr(0, cut)), error::need_more) << cut;
    EXPECT_FALSE(feeder.parser().is_header_done());
    EXPECT_EQ(feeder.unconsumed().size(), cut);
    EXPECT_TRUE(feeder.head().headers.fields().empty()) << cut;
    ASSERT_FALSE(feeder.arrive(kBrowserHead.substr(cut))) << cut;
    EXPECT_TRUE(feeder.parser().is_done());
    EXPECT_EQ(feeder.head().method, "GET");
    EXPECT_EQ(feeder.head().target, "/api/v1/users/42?expand=teams");
    EXPECT_EQ(feeder.head().path, "/api/v1/users/42");
    EXPECT_EQ(fields_of(feeder.head()), expected) << cut;
    EXPECT_TRUE(feeder.unconsumed().empty());
  }
  RequestFeeder byte_by_byte(kBrowserHead.size());
  for (std::size_t i = 0; i + 1 < kBrowserHead.size(); ++i) {
    ASSERT_EQ(byte_by_byte.arrive(kBrowserHead.substr(i, 1)), error::need_more) << i;
  }
  ASSERT_FALSE(byte_by_byte.arrive(kBrowserHead.substr(kBrowserHead.size() - 1)));
  EXPECT_EQ(fields_of(byte_by_byte.head()), expected);
}

TEST(RequestParserSplit, ErrorsAreFoundWhateverTheCut) {
  // A bare LF or a bad byte is an error as soon as it is there or once the head's end is:
  // never a wait for more, and never a different verdict for a different cut.
  for (std::string_view text :
       {"GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n"sv, "GET / HTTP/1.1\r\nHost: a\r\n\n"sv,
        "GET / HTTP/1.1\n\r\n"sv, "GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n"sv,
        "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n"sv}) {
    const auto expected = testing_support::request_error(text);
    ASSERT_TRUE(expected && expected != error::need_more) << text;
    for (std::size_t cut = 1; cut < text.size(); ++cut) {
      RequestFeeder feeder(text.size());
      auto ec = feeder.arrive(text.substr(0, cut));
      if (ec == error::need_more) {
        ec = feeder.arrive(text.substr(cut));
      }
      EXPECT_EQ(ec, expected) << cut << " " << text;
    }
  }
}

void expect_chunked_request(RequestFeeder& feeder) {
  EXPECT_TRUE(feeder.parser().is_done());
  EXPECT_TRUE(feeder.parser().chunked());
  EXPECT_TRUE(feeder.head().has_body);
  EXPECT_EQ(feeder.body, kChunkedBody);
  EXPECT_EQ(feeder.unconsumed(), kNext);
}

TEST(RequestParserSplit, ChunkedBodySplitAtEveryOffset) {
  const std::string text =
      std::string(kChunkedHead) + std::string(kChunkedBody) + std::string(kNext);
  const std::size_t end = kChunkedHead.size() + kChunkedBody.size();
  for (std::size_t cut = 1; cut < text.size(); ++cut) {
    RequestFeeder feeder(text.size());
    auto ec = feeder.arrive(std::string_view(text).substr(0, cut));
    if (cut < end) {
      ASSERT_EQ(ec, error::need_more) << cut;
    } else {
      ASSERT_FALSE(ec) << cut;
    }
    ASSERT_FALSE(feeder.arrive(std::string_view(text).substr(cut))) << cut;
    expect_chunked_request(feeder);
  }
}

TEST(RequestParserSplit, ChunkedBodySplitTwiceAndByteByByte) {
  const std::string text =
      std::string(kChunkedHead) + std::string(kChunkedBody) + std::string(kNext);
  const std::string_view view = text;
  for (std::size_t a = kChunkedHead.size(); a < text.size(); ++a) {
    for (std::size_t b = a + 1; b < text.size(); ++b) {
      RequestFeeder feeder(text.size());
      auto ec = feeder.arrive(view.substr(0, a));
      ASSERT_TRUE(!ec || ec == error::need_more) << a;
      ec = feeder.arrive(view.substr(a, b - a));
      ASSERT_TRUE(!ec || ec == error::need_more) << a << " " << b;
      ASSERT_FALSE(feeder.arrive(view.substr(b))) << a << " " << b;
      expect_chunked_request(feeder);
    }
  }
  RequestFeeder byte_by_byte(text.size());
  for (char c : text) {
    auto ec = byte_by_byte.arrive(std::string_view(&c, 1));
    ASSERT_TRUE(!ec || ec == error::need_more) << ec.message();
  }
  expect_chunked_request(byte_by_byte);
}

TEST(RequestParserSplit, ContentLengthBodySplitAtEveryOffset) {
  const std::string text =
      "PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n0123456789" + std::string(kNext);
  for (std::size_t cut = 1; cut < text.size(); ++cut) {
    RequestFeeder feeder(text.size());
    feeder.arrive(std::string_view(text).substr(0, cut));
    ASSERT_FALSE(feeder.arrive(std::string_view(text).substr(cut))) << cut;
    EXPECT_TRUE(feeder.parser().is_done());
    EXPECT_EQ(feeder.body, "0123456789");
    EXPECT_EQ(feeder.unconsumed(), kNext);
  }
}

}  // namespace
}  // namespace rampart::net
