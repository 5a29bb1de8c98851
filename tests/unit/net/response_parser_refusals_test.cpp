// What ResponseParser refuses, and with which of Beast's error codes.

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <string>
#include <vector>

#include "net/response_parser.hpp"
#include "response_parser_test_support.hpp"

namespace rampart::net {
namespace {

using boost::system::error_code;
using testing_support::Feeder;
using testing_support::kChunkedHead;
using testing_support::kNginxHead;
using testing_support::parse_error;
using namespace std::string_view_literals;
using error = boost::beast::http::error;

TEST(ResponseParser, OverlongChunkLineOrTrailerIsAnError) {
  std::string line = std::string(kChunkedHead) + "5;x=" + std::string(5000, 'a');
  Feeder feeder(line.size());
  EXPECT_EQ(feeder.arrive(line), error::bad_chunk);
  std::string ok = std::string(kChunkedHead) + "5;x=" + std::string(3000, 'a') + "\r\nhello\r\n";
  EXPECT_EQ(parse_error(ok), error::need_more);
  std::string trailer = std::string(kChunkedHead) + "0\r\nX: " + std::string(20000, 'a');
  EXPECT_EQ(parse_error(trailer), error::header_limit);
}

TEST(ResponseParser, TransferEncodingCodings) {
  auto framing = [](std::string_view te) {
    Feeder feeder(256);
    auto ec = feeder.arrive("HTTP/1.1 200 OK\r\n" + std::string(te) + "\r\n");
    if (ec && ec != error::need_more) {
      return std::string(ec == error::bad_transfer_encoding ? "refused" : ec.message());
    }
    return std::string(feeder.parser().chunked() ? "chunked" : "eof");
  };
  EXPECT_EQ(framing("Transfer-Encoding: chunked\r\n"), "chunked");
  EXPECT_EQ(framing("Transfer-Encoding: gzip, CHUNKED\r\n"), "chunked");
  EXPECT_EQ(framing("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n"), "chunked");
  EXPECT_EQ(framing("Transfer-Encoding: gzip\r\n"), "eof");
  EXPECT_EQ(framing("Transfer-Encoding: chunked, gzip\r\n"), "refused");
  EXPECT_EQ(framing("Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n"), "refused");
  EXPECT_EQ(framing("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"), "refused");
  EXPECT_EQ(framing("Transfer-Encoding: chunked, chunked\r\n"), "refused");
  EXPECT_EQ(framing("Transfer-Encoding: \r\n"), "refused");
  EXPECT_EQ(framing("Transfer-Encoding: gz;ip, chunked\r\n"), "refused");
  EXPECT_EQ(framing("Transfer-Encoding: gzip;q=1, chunked\r\n"), "refused");
  EXPECT_EQ(framing("Transfer-Encoding: chunk\ted, chunked\r\n"), "refused");
  EXPECT_EQ(framing("Transfer-Encoding: chunked;x=1\r\n"), "refused");
  EXPECT_EQ(framing("Transfer-Encoding: chunked\r\nContent-Length: 3\r\n"), "refused");
  EXPECT_EQ(framing("Content-Length: 3\r\nTransfer-Encoding: chunked\r\n"), "refused");
  EXPECT_EQ(framing("Content-Length: 3\r\nTransfer-Encoding: gzip\r\n"), "refused");
}

TEST(ResponseParser, ContentLengthValues) {
  auto length = [](std::string_view fields) -> std::string {
    Feeder feeder(256);
    auto ec = feeder.arrive("HTTP/1.1 200 OK\r\n" + std::string(fields) + "\r\n");
    if (ec && ec != error::need_more) {
      return ec == error::bad_content_length        ? "bad"
             : ec == error::multiple_content_length ? "differ"
                                                    : ec.message();
    }
    return std::to_string(*feeder.parser().content_length());
  };
  EXPECT_EQ(length("Content-Length: 5\r\n"), "5");
  EXPECT_EQ(length("Content-Length: 5\r\nContent-Length: 5\r\n"), "5");
  EXPECT_EQ(length("Content-Length: 5, 5 ,5\r\n"), "5");
  EXPECT_EQ(length("Content-Length: 18446744073709551615\r\n"), "18446744073709551615");
  EXPECT_EQ(length("Content-Length: 5\r\nContent-Length: 6\r\n"), "differ");
  EXPECT_EQ(length("Content-Length: 5, 6\r\n"), "differ");
  for (std::string_view bad : {"abc", "-1", "+5", "", "5,", ",5", "1 2", "0x10", "5;", "5.0",
                               "18446744073709551616", "99999999999999999999"}) {
    EXPECT_EQ(length("Content-Length: " + std::string(bad) + "\r\n"), "bad") << bad;
  }
}

TEST(ResponseParser, ChunkFramingErrors) {
  struct Case {
    std::string_view body;
    error code;
  };
  const Case cases[] = {
      {"-1\r\n", error::bad_chunk},
      {"\r\nabc", error::bad_chunk},
      {";x\r\n", error::bad_chunk},
      {"g\r\n", error::bad_chunk},
      {"10000000000000000\r\n", error::bad_chunk},  // 2^64
      {"fffffffffffffffff\r\n", error::bad_chunk},
      {"3\r\nabcX\r\n0\r\n\r\n", error::bad_chunk},
      {"3\r\nabc\rX0\r\n\r\n", error::bad_chunk},
      {"3\r\nabc\n0\r\n\r\n", error::bad_chunk},
      {"3\nabc\r\n", error::bad_line_ending},
      {"3 \r\nabc\r\n", error::bad_chunk_extension},
      {"3;\r\nabc\r\n", error::bad_chunk_extension},
      {"3;=v\r\nabc\r\n", error::bad_chunk_extension},
      {"3;a=\r\nabc\r\n", error::bad_chunk_extension},
      {"3;a=\"open\r\nabc\r\n", error::bad_chunk_extension},
      {"3;a b\r\nabc\r\n", error::bad_chunk_extension},
      {"3x\r\nabc\r\n", error::bad_chunk_extension},
      {"0\r\nX-A: b\r\n c\r\n\r\n", error::bad_obs_fold},
      {"0\r\nX-A b\r\n\r\n", error::bad_field},
      {"0\r\nX-A: b\n\r\n", error::bad_line_ending},
      {"0\r\n\n", error::bad_line_ending},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(parse_error(std::string(kChunkedHead) + std::string(c.body)), c.code) << c.body;
  }
}

TEST(ResponseParser, HeadSyntaxErrors) {
  struct Case {
    std::string_view text;
    error code;
  };
  const Case cases[] = {
      {"HTTP/2.0 200 OK\r\n\r\n", error::bad_version},
      {"HTTP/1.2 200 OK\r\n\r\n", error::bad_version},
      {"HTTP/0.9 200 OK\r\n\r\n", error::bad_version},
      {"http/1.1 200 OK\r\n\r\n", error::bad_version},
      {"HTTP/1.1\t200 OK\r\n\r\n", error::bad_version},
      {"ICY 200 OK\r\n\r\n\r\n\r\n", error::bad_version},
      {"HTTP/1.1 200\r\n\r\n", error::bad_status},
      {"HTTP/1.1 20 OK\r\n\r\n", error::bad_status},
      {"HTTP/1.1 2000 OK\r\n\r\n", error::bad_status},
      {"HTTP/1.1 099 Low\r\n\r\n", error::bad_status},
      {"HTTP/1.1  200 OK\r\n\r\n", error::bad_status},
      {"HTTP/1.1 20x OK\r\n\r\n", error::bad_status},
      {"HTTP/1.1 200 O\x01K\r\n\r\n", error::bad_reason},
      {"HTTP/1.1 200 OK\n\r\n", error::bad_line_ending},
      {"HTTP/1.1 200 OK\r\nX-A: b\r\n c\r\n\r\n", error::bad_obs_fold},
      {"HTTP/1.1 200 OK\r\n\tX-A: b\r\n\r\n", error::bad_obs_fold},
      {"HTTP/1.1 200 OK\r\nX-A : b\r\n\r\n", error::bad_field},
      {"HTTP/1.1 200 OK\r\n: b\r\n\r\n", error::bad_field},
      {"HTTP/1.1 200 OK\r\nX(A): b\r\n\r\n", error::bad_field},
      {"HTTP/1.1 200 OK\r\nX-A: b\r\n\n", error::bad_line_ending},
      {"HTTP/1.1 200 OK\r\nX-A: b\n\r\n", error::bad_line_ending},
      {"HTTP/1.1 200 OK\r\nX-A: b\rc\r\n\r\n", error::bad_line_ending},
      {"HTTP/1.1 200 OK\r\nX-A: b\r\r\n\r\n", error::bad_line_ending},
      {"HTTP/1.1 200 OK\r\nX-A: b\0c\r\n\r\n"sv, error::bad_value},
      {"HTTP/1.1 200 OK\r\nX-A: b\x7f\r\n\r\n", error::bad_value},
      {"HTTP/1.1 200 OK\r\nConnection: close;x\r\n\r\n", error::bad_value},
      {"HTTP/1.1 200 OK\r\nX-A: b\r\n\rX\r\n", error::bad_line_ending},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(parse_error(c.text), c.code) << c.text;
  }
}

TEST(ResponseParser, ShortStatusLineIsJudgedOnTheBytesThatCame) {
  // A first read shorter than "HTTP/1.1 200 " is refused as soon as a byte cannot fit, not
  // when the head's end or the limit comes (found by tests/fuzz/response_parser_fuzz).
  EXPECT_EQ(parse_error("HTTP/1.1 20\n"), error::bad_status);
  EXPECT_EQ(parse_error("HTTP/1.1 20\n" + std::string(1000, 'a')), error::bad_status);
  EXPECT_EQ(parse_error("\x00O\r:b \n"sv), error::bad_version);
  EXPECT_EQ(parse_error("HTTP/2"), error::bad_version);
  EXPECT_EQ(parse_error("HTTP/1.1 0"), error::bad_status);
  for (std::string_view prefix :
       {"H", "HTTP/", "HTTP/1.0", "HTTP/1.1 ", "HTTP/1.1 2", "HTTP/1.1 204"}) {
    EXPECT_EQ(parse_error(prefix), error::need_more) << prefix;
  }
}

TEST(ResponseParser, HeaderLimit) {
  auto parse_with_limit = [](std::string_view text, std::uint32_t limit) {
    http::ResponseHead head;
    std::vector<std::string_view> pieces;
    ResponseParser parser(head, pieces);
    parser.header_limit(limit);
    error_code ec;
    parser.put(boost::asio::buffer(text.data(), text.size()), ec);
    return ec;
  };
  std::string head = "HTTP/1.1 200 OK\r\nX-A: " + std::string(1000, 'a') + "\r\n\r\n";
  EXPECT_FALSE(parse_with_limit(head, head.size()));
  EXPECT_EQ(parse_with_limit(head, head.size() - 1), error::header_limit);
  EXPECT_EQ(parse_with_limit(head.substr(0, 600), 512), error::header_limit);
  EXPECT_EQ(parse_with_limit(head.substr(0, 600), 4096), error::need_more);
}

TEST(ResponseParser, BodyLimit) {
  auto parse_with_limit = [](std::string_view text, std::uint64_t limit) {
    http::ResponseHead head;
    std::vector<std::string_view> pieces;
    ResponseParser parser(head, pieces);
    parser.body_limit(limit);
    parser.eager(true);
    error_code ec;
    parser.put(boost::asio::buffer(text.data(), text.size()), ec);
    return ec;
  };
  EXPECT_FALSE(parse_with_limit(std::string(kNginxHead) + "hello", 5));
  EXPECT_EQ(parse_with_limit(std::string(kNginxHead) + "hello", 4), error::body_limit);
  std::string chunked = std::string(kChunkedHead) + "3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n";
  EXPECT_FALSE(parse_with_limit(chunked, 6));
  EXPECT_EQ(parse_with_limit(chunked, 5), error::body_limit);
  EXPECT_EQ(parse_with_limit("HTTP/1.1 200 OK\r\n\r\nabcdef", 5), error::body_limit);
}

}  // namespace
}  // namespace rampart::net
