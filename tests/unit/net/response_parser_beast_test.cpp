// ResponseParser against Beast's response parser, which it replaced: on valid responses both
// must read the same message; where they differ on purpose, the difference is listed here.

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <string>
#include <tuple>
#include <vector>

#include "net/response_parser.hpp"

namespace rampart::net {
namespace {

using boost::system::error_code;
using namespace std::string_view_literals;

struct Message {
  error_code ec;
  int status = 0;
  std::string reason;
  std::vector<std::tuple<bhttp::field, std::string, std::string>> fields;
  std::string body;
  bool keep_alive = false;
  bool need_eof = false;
  bool chunked = false;
  int version = 0;
  bool done = false;
};

Message parse_with_rampart(std::string_view text) {
  Message m;
  http::ResponseHead head;
  std::vector<std::string_view> pieces;
  ResponseParser parser(head, pieces);
  parser.eager(true);
  parser.collect_decoded(true);
  parser.body_limit(boost::none);
  parser.put(boost::asio::buffer(text.data(), text.size()), m.ec);
  if (m.ec) {
    return m;
  }
  m.status = head.status;
  m.reason = head.reason;
  for (const auto& f : head.headers.fields()) {
    m.fields.emplace_back(f.id, f.name, f.value);
  }
  for (auto piece : pieces) {
    m.body.append(piece);
  }
  m.keep_alive = parser.keep_alive();
  m.need_eof = parser.need_eof();
  m.chunked = parser.chunked();
  m.version = parser.version();
  if (m.need_eof) {
    parser.put_eof(m.ec);
  }
  m.done = parser.is_done();
  return m;
}

Message parse_with_beast(std::string_view text) {
  Message m;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.eager(true);
  parser.body_limit(boost::none);
  std::size_t used = 0;
  while (used < text.size() && !parser.is_done() && !m.ec) {
    used += parser.put(boost::asio::buffer(text.data() + used, text.size() - used), m.ec);
  }
  if (m.ec) {
    return m;
  }
  const auto& message = parser.get();
  m.status = message.result_int();
  m.reason = message.reason();
  for (const auto& f : message) {
    m.fields.emplace_back(f.name(), f.name_string(), f.value());
  }
  m.body = message.body();
  m.keep_alive = parser.keep_alive();
  m.need_eof = parser.need_eof();
  m.chunked = parser.chunked();
  m.version = message.version();
  if (m.need_eof) {
    parser.put_eof(m.ec);
  }
  m.done = parser.is_done();
  return m;
}

TEST(ResponseParserVsBeast, ValidResponsesReadTheSame) {
  struct Case {
    std::string_view text;
    std::size_t trailers = 0;  // Beast adds trailer fields to the message; rampart doesn't
  };
  const Case cases[] = {
      {"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"},
      {"HTTP/1.1 200 OK\r\nServer: nginx/1.24.0\r\nDate: Mon, 23 Nov 2026 14:21:29 GMT\r\n"
       "Content-Type: application/json\r\nContent-Length: 11\r\nConnection: keep-alive\r\n\r\n"
       "{\"ok\":true}"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: "
       "chunked\r\n\r\n3;a=b;c=\"d;e\"\r\nabc\r\n0;z\r\n\r\n"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0003\r\nabc\r\n000\r\n\r\n"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\nX-T: 1\r\n\r\n", 1},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\ncompressed-to-the-close"},
      {"HTTP/1.0 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nhi"},
      {"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the close"},
      {"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the close"},
      {"HTTP/1.1 200 OK\r\n\r\n"},
      {"HTTP/1.1 204 No Content\r\n\r\n"},
      {"HTTP/1.1 304 Not Modified\r\nETag: \"abc\"\r\nContent-Length: 100\r\n\r\n"},
      {"HTTP/1.1 200 \xc3\x9cnicode \xff\r\nContent-Length: 0\r\n\r\n"},
      {"HTTP/1.1 200 OK\r\nX-Empty:\r\nX-Also-Empty: \t \r\nContent-Length: 0\r\n\r\n"},
      {"HTTP/1.1 200 OK\r\nX-A:  a  b \t\r\nX-B:\tc\r\nContent-Length: 0\r\n\r\n"},
      {"HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 0\r\n\r\n"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\nabc"},
      {"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx"},
      {"HTTP/1.1 200 OK\r\nConnection: Keep-Alive, Upgrade\r\nContent-Length: 0\r\n\r\n"},
      {"HTTP/1.1 200 OK\r\nProxy-Connection: close\r\nContent-Length: 0\r\n\r\n"},
      {"HTTP/1.1 200 OK\r\nx-custom-thing: v\r\nX!#$%&'*+-.^_`|~: w\r\ncontent-length: 0\r\n\r\n"},
      {"HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n"
       "Content-Length: 17\r\n\r\n{\"error\":\"boom\"}\n"},
      {"HTTP/1.1 301 Moved Permanently\r\nLocation: https://example.com/\r\n"
       "Content-Length: 0\r\n\r\n"},
      {"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"},
      {"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"},
      {"HTTP/1.1 999 Custom\r\nX-V: \xff\xfe\r\nContent-Length: 4\r\n\r\n\0\x01\r\n"sv},
      {"HTTP/1.1 200 OK\r\nCache-Control: max-age=0, no-cache\r\nVary: Accept-Encoding\r\n"
       "ETag: W/\"1\"\r\nLast-Modified: Mon, 23 Nov 2026 14:21:29 GMT\r\nContent-Length: "
       "0\r\n\r\n"},
  };
  for (const auto& c : cases) {
    auto rampart = parse_with_rampart(c.text);
    auto beast = parse_with_beast(c.text);
    ASSERT_FALSE(rampart.ec) << c.text << ": " << rampart.ec.message();
    ASSERT_FALSE(beast.ec) << c.text << ": " << beast.ec.message();
    EXPECT_EQ(rampart.status, beast.status) << c.text;
    EXPECT_EQ(rampart.reason, beast.reason) << c.text;
    ASSERT_EQ(rampart.fields.size() + c.trailers, beast.fields.size()) << c.text;
    beast.fields.resize(rampart.fields.size());
    EXPECT_EQ(rampart.fields, beast.fields) << c.text;
    EXPECT_EQ(rampart.body, beast.body) << c.text;
    EXPECT_EQ(rampart.keep_alive, beast.keep_alive) << c.text;
    EXPECT_EQ(rampart.need_eof, beast.need_eof) << c.text;
    EXPECT_EQ(rampart.chunked, beast.chunked) << c.text;
    EXPECT_EQ(rampart.version, beast.version) << c.text;
    EXPECT_EQ(rampart.done, beast.done) << c.text;
  }
}

TEST(ResponseParserVsBeast, DeliberateDifferences) {
  // Responses Beast accepts and rampart refuses: each is read differently by some parser, so
  // an upstream sending one is refused rather than guessed at.
  for (auto text : {
           // obs-fold: Beast unfolds it into one value
           "HTTP/1.1 200 OK\r\nX-A: b\r\n c\r\nContent-Length: 0\r\n\r\n"sv,
           // a Transfer-Encoding that isn't chunked, then Content-Length: Beast uses the length
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 1\r\n\r\nx"sv,
           // chunked before another coding: Beast reads to the close
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\nx"sv,
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\nx"sv,
           // a coding that isn't a token: Beast reads to the close, whatever comes last
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: gz;ip, chunked\r\n\r\n0\r\n\r\n"sv,
           // a Transfer-Encoding without codings: Beast reads to the close
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: \r\n\r\nx"sv,
           // status codes below 100
           "HTTP/1.1 000 Zero\r\nContent-Length: 0\r\n\r\n"sv,
       }) {
    EXPECT_FALSE(parse_with_beast(text).ec) << text;
    EXPECT_TRUE(parse_with_rampart(text).ec) << text;
  }
  // "close" wins over an HTTP/1.0 keep-alive (RFC 9112 §9.3); Beast lets keep-alive win.
  auto both = "HTTP/1.0 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 0\r\n\r\n"sv;
  EXPECT_TRUE(parse_with_beast(both).keep_alive);
  EXPECT_FALSE(parse_with_rampart(both).keep_alive);
}

TEST(ResponseParserVsBeast, BothRefuse) {
  for (auto text : {
           "HTTP/2.0 200 OK\r\n\r\n"sv,
           "HTTP/1.1 200\r\n\r\n"sv,
           "HTTP/1.1 200 OK\r\nX-A : b\r\n\r\n"sv,
           "HTTP/1.1 200 OK\r\nX-A: b\n\r\n"sv,
           "HTTP/1.1 200 OK\r\nX-A: b\0\r\n\r\n"sv,
           "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"sv,
           "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"sv,
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n"sv,
           "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: gzip\r\n\r\nx"sv,
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nz\r\n"sv,
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nxy\r\n0\r\n\r\n"sv,
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1 \r\nx\r\n"sv,
       }) {
    auto beast = parse_with_beast(text);
    auto rampart = parse_with_rampart(text);
    EXPECT_TRUE(beast.ec && beast.ec != bhttp::error::need_more) << text;
    EXPECT_TRUE(rampart.ec && rampart.ec != bhttp::error::need_more) << text;
  }
}

}  // namespace
}  // namespace rampart::net
