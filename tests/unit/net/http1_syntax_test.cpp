#include "net/http1_syntax.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <string>

namespace rampart::net::http1 {
namespace {

using namespace std::string_view_literals;
namespace bhttp = boost::beast::http;

std::string with_case(std::string_view s, int (*convert)(int)) {
  std::string out(s);
  for (auto& c : out) {
    c = static_cast<char>(convert(static_cast<unsigned char>(c)));
  }
  return out;
}

TEST(Http1Syntax, FieldIdIsBeastsStringToField) {
  for (unsigned i = 1; i <= static_cast<unsigned>(field::xref); ++i) {
    auto name = bhttp::to_string(static_cast<field>(i));
    std::string_view view(name.data(), name.size());
    for (const auto& variant :
         {std::string(view), with_case(view, ::tolower), with_case(view, ::toupper)}) {
      EXPECT_EQ(field_id(variant), static_cast<field>(i)) << variant;
    }
  }
  for (auto name : {"X-Request-Id"sv, "Dat"sv, "Datee"sv, "Content-Lengt"sv, "Content_Length"sv,
                    "Content.Length"sv, "Transfer-Encodinh"sv, "Conection"sv, "ETag2"sv}) {
    EXPECT_EQ(field_id(name), field::unknown) << name;
  }
}

struct Parsed {
  const char* end = nullptr;
  FieldLine line;
  error_code ec;
};

Parsed parse_line(std::string_view text) {
  Parsed r;
  r.end = parse_field_line(text.data(), text.data() + text.size(), r.line, r.ec);
  return r;
}

TEST(Http1Syntax, CommonNamesMatchOnlyExactly) {
  // The word-at-a-time comparison folds case for letters only: a CR where the '-' goes is
  // no Content-Length.
  auto r = parse_line("Content\rLength: 5\r\n");
  EXPECT_EQ(r.end, nullptr);
  EXPECT_EQ(r.ec, bhttp::error::bad_field);
  r = parse_line("CONTENT-length: 5\r\n");
  ASSERT_NE(r.end, nullptr);
  EXPECT_EQ(r.line.id, field::content_length);
  EXPECT_EQ(r.line.name, "CONTENT-length");
  r = parse_line("Content-Length : 5\r\n");
  EXPECT_EQ(r.ec, bhttp::error::bad_field);
  r = parse_line("Content-Length");
  EXPECT_EQ(r.ec, bhttp::error::need_more);
  r = parse_line("Content-Length: 5");
  EXPECT_EQ(r.ec, bhttp::error::need_more);
  r = parse_line("Content-Length: 5\r");
  EXPECT_EQ(r.ec, bhttp::error::need_more);
  r = parse_line("X-Unknown\r\nContent-Length: 5\r\n");  // the colon of the next line
  EXPECT_EQ(r.ec, bhttp::error::bad_field);
}

TEST(Http1Syntax, EveryValueByteAtEveryPosition) {
  // The word-at-a-time scan must agree with the byte-wise rule wherever a byte falls.
  struct Byte {
    char c;
    bool allowed;
  };
  const Byte bytes[] = {{'\t', true},    {' ', true},   {'~', true},     {'\x80', true},
                        {'\xff', true},  {'\0', false}, {'\x01', false}, {'\x1f', false},
                        {'\x7f', false}, {'\n', false}, {'\r', false}};
  for (std::size_t length = 1; length <= 40; ++length) {
    for (std::size_t at = 0; at < length; ++at) {
      for (const auto& b : bytes) {
        std::string value(length, 'v');
        value[at] = b.c;
        const std::string text = "X-A: " + value + "\r\nNext: x\r\n";
        auto r = parse_line(text);
        if (b.allowed) {
          ASSERT_NE(r.end, nullptr) << length << " " << at << " " << int(b.c);
          EXPECT_EQ(r.line.value, trim(value));
          EXPECT_EQ(*r.end, 'N');
        } else {
          ASSERT_EQ(r.end, nullptr) << length << " " << at << " " << int(b.c);
          EXPECT_NE(r.ec, bhttp::error::need_more);
        }
      }
    }
  }
}

TEST(Http1Syntax, StatusLine) {
  StatusLine line;
  error_code ec;
  auto text = "HTTP/1.0 503 Service \xffUnavailable\t\r\n"sv;
  auto end = parse_status_line(text.data(), text.data() + text.size(), line, ec);
  ASSERT_EQ(end, text.data() + text.size());
  EXPECT_EQ(line.status, 503);
  EXPECT_EQ(line.reason, "Service \xffUnavailable\t");
  EXPECT_FALSE(line.http11);
}

TEST(Http1Syntax, Iequals) {
  EXPECT_TRUE(iequals("Keep-Alive", "keep-alive"));
  EXPECT_TRUE(iequals("CLOSE", "close"));
  EXPECT_TRUE(iequals("x400-content-identifier", "x400-content-identifier"));
  EXPECT_TRUE(iequals("aB", "ab"));
  EXPECT_FALSE(iequals("keep\ralive", "keep-alive"));
  EXPECT_FALSE(iequals("kee-alive", "keep-alive"));
  EXPECT_FALSE(iequals("keep-alivf", "keep-alive"));
  EXPECT_FALSE(iequals("\x10", "0"));
  EXPECT_FALSE(iequals("", "a"));
}

TEST(Http1Syntax, NumbersAndChunkExtensions) {
  std::uint64_t v = 0;
  EXPECT_TRUE(parse_decimal("0", v));
  EXPECT_TRUE(parse_decimal("00018446744073709551615", v));
  EXPECT_EQ(v, 18446744073709551615u);
  EXPECT_FALSE(parse_decimal("18446744073709551616", v));
  EXPECT_FALSE(parse_decimal("", v));
  EXPECT_FALSE(parse_decimal("1a", v));
  EXPECT_EQ(hex_value('a'), 10);
  EXPECT_EQ(hex_value('F'), 15);
  EXPECT_EQ(hex_value('g'), -1);
  EXPECT_EQ(hex_value('G'), -1);
  EXPECT_EQ(hex_value(':'), -1);
  auto valid = [](std::string_view ext) {
    return valid_chunk_extensions(ext.data(), ext.data() + ext.size());
  };
  for (auto ext : {""sv, ";a"sv, ";a=b"sv, " ; a = b ;c"sv, ";a=\"\""sv, ";a=\"x\\\"y\""sv,
                   ";a=\"\\\\\""sv, ";a=\"\xff\""sv}) {
    EXPECT_TRUE(valid(ext)) << ext;
  }
  for (auto ext : {" "sv, ";"sv, "a"sv, ";a "sv, ";a="sv, ";=b"sv, ";a=\"x"sv, ";a=\"\\\""sv,
                   ";a=b c"sv, ";a=\"\x01\""sv, ";a=b\"c\""sv}) {
    EXPECT_FALSE(valid(ext)) << ext;
  }
}

}  // namespace
}  // namespace rampart::net::http1
