// The simdjson fast path against check_json, the authority: the fast path may say "well-formed"
// only where check_json does. Run over a corpus of valid and invalid documents, every prefix
// and every one-byte deletion of a few, invalid UTF-8 classes, overlong encodings, surrogates,
// nesting at 63/64/65, big numbers; and with and without padding to spare (parsed in place or
// copied).

#include "policies/body/json_fast.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "policies/body/json_check.hpp"

namespace rampart::policies {
namespace {

std::vector<std::string> corpus() {
  std::vector<std::string> docs = {
      R"({"message":"hi"})",
      "[1,2,3]",
      R"("text")",
      "42",
      "true",
      "false",
      "null",
      "-0",
      " \r\n\t{\"a\":{\"b\":[]}}\n ",
      R"({"e":"\u00e9\n\"x"})",
      R"({"n":-1.5e300})",
      "{\"caf\xc3\xa9\":\"\xe2\x82\xac\"}",
      R"({"emoji":"\ud83d\ude00"})",
      "\"\xf0\x9f\x98\x80\"",
      // invalid: syntax, structure, values
      "",
      " ",
      "{",
      "}",
      "[1,]",
      "{'a':1}",
      "NaN",
      "Infinity",
      "-",
      "01",
      "1.",
      ".5",
      "1e",
      "+1",
      "tru",
      "nul",
      R"({"a":1,})",
      R"({"a" 1})",
      "[1 2]",
      R"({"a":1} {"b":2})",
      "1 2",
      "// c\n1",
      "/* c */1",
      "\"\t\"",
      "\"\x01\"",
      "[\"a\"\x00]",
      std::string("\"a\0b\"", 5),
      // NUL as an escape (valid JSON, refused by rampart), and what only looks like one
      R"({"a":"x\u0000y"})",
      R"({"a\u0000":1})",
      R"({"a":"\\u0000"})",
      R"("\U0000")",
      // escapes
      R"("\x")",
      R"("\u12")",
      R"("\u12G4")",
      R"("\/")",
      R"("\b\f\n\r\t")",
      // surrogates: lone, reversed, encoded in UTF-8
      R"("\ud800")",
      R"("\udc00")",
      R"("\ud800\u0041")",
      R"("\udc00\ud800")",
      R"("\ud800\udc00")",
      "\"\xed\xa0\x80\"",
      "\"\xed\xbf\xbf\"",
      // invalid UTF-8 classes: stray continuation, truncated, overlong, over U+10FFFF, 0xFF
      "\"\x80\"",
      "\"\xbf\"",
      "\"\xc3\"",
      "\"\xc3\x28\"",
      "\"\xe2\x82\"",
      "\"\xf0\x9f\x98\"",
      "\"\xc0\xaf\"",
      "\"\xc1\xbf\"",
      "\"\xe0\x80\xaf\"",
      "\"\xe0\x9f\xbf\"",
      "\"\xf0\x80\x80\xaf\"",
      "\"\xf4\x90\x80\x80\"",
      "\"\xf5\x80\x80\x80\"",
      "\"\xff\"",
      "\"\xfe\"",
      "{\"\xff\":1}",
      "\xef\xbb\xbf{}",  // a BOM
      // numbers: big, tiny, overflowing
      "18446744073709551615",
      "18446744073709551616",
      "-9223372036854775808",
      "-9223372036854775809",
      "123456789012345678901234567890",
      "1e308",
      "1.7976931348623157e308",
      "1e309",
      "1e400",
      "-1e400",
      "1e-400",
      "4.9e-324",
      "1E+2",
      "0.000000000000000000001",
      std::string(1000, '9'),
      "[" + std::string(400, '1') + "e-400]",
      // zeros with exponents past 308: 0 to simdjson, refused by check_json (fuzz finding)
      "-0E6108203",
      "0e309",
      "0.0e400",
      "[0.000E99999]",
      "0e308",
      "0e-400",
      "0.0001e312",
  };
  for (int depth : {63, 64, 65, 1000}) {
    docs.push_back(std::string(depth, '[') + std::string(depth, ']'));
    std::string objects;
    for (int i = 0; i < depth; ++i) {
      objects += "{\"a\":";
    }
    docs.push_back(objects + "1" + std::string(depth, '}'));
  }
  docs.push_back("\"" + std::string(kMaxJsonStringBytes, 'a') + "\"");
  docs.push_back("\"" + std::string(kMaxJsonStringBytes + 1, 'a') + "\"");
  docs.push_back("[\"" + std::string(kMaxJsonStringBytes - 10, 'a') + "\"]");
  return docs;
}

/// Both ways a body reaches the fast path: exactly sized (copied) and with padding to spare.
void expect_agree(FastJsonCheck& fast, const std::string& doc) {
  const bool authority = check_json(doc).reason.empty();
  std::string padded = doc;
  padded.reserve(doc.size() + 128);
  for (bool in_place : {false, true}) {
    const bool quick = fast.accepts(padded, in_place ? padded.capacity() : padded.size());
    if (quick) {
      EXPECT_TRUE(authority) << "simdjson accepted what check_json refuses ("
                             << check_json(doc).reason << "): " << doc.substr(0, 80)
                             << (in_place ? " [in place]" : " [copied]");
    }
  }
}

TEST(JsonFastTest, AgreesWithCheckJsonOnTheCorpus) {
  FastJsonCheck fast;
  for (const auto& doc : corpus()) {
    expect_agree(fast, doc);
  }
}

TEST(JsonFastTest, TakesTheCommonCaseItself) {
  // The point of the fast path: ordinary valid bodies never reach the SAX check.
  FastJsonCheck fast;
  for (const std::string& doc : std::vector<std::string>{
           R"({"message":"hi","n":[1,2.5,true,null]})", "[1,2,3]", "42",
           "{\"caf\xc3\xa9\":\"\xe2\x82\xac\"}", std::string(64, '[') + std::string(64, ']')}) {
    EXPECT_TRUE(fast.accepts(doc, doc.size())) << doc;
  }
}

TEST(JsonFastTest, ADoubleZeroIsLeftToCheckJson) {
  // "\u00e9" holds "0e" but is no number, and an integer 0 is no double: the fast path keeps
  // them.
  FastJsonCheck fast;
  for (std::string doc :
       {R"({"caf\u00e9":"\u00E9t\u00e9","id":"a0e3f","n":0})", R"([10.5,"x0e9",1e5])"}) {
    EXPECT_TRUE(fast.accepts(doc, doc.size())) << doc;
  }
  for (std::string doc : {"[0e5]", "[-0.0E7]", "{\"a\":{\"b\":[1,0.0]}}", "0e1"}) {
    EXPECT_FALSE(fast.accepts(doc, doc.size())) << doc;
    EXPECT_TRUE(check_json(doc).reason.empty()) << doc;
  }
}

TEST(JsonFastTest, LargeBodiesGoToCheckJson) {
  // Over 64 KiB the fast path stands aside, so a worker's simdjson buffers stay near 1 MiB.
  FastJsonCheck fast;
  const std::string big = "[\"" + std::string(70 * 1024, 'a') + "\"]";
  EXPECT_FALSE(fast.accepts(big, big.size()));
  EXPECT_TRUE(check_json(big).reason.empty());
}

TEST(JsonFastTest, EveryPrefixAndEveryOneByteDeletion) {
  FastJsonCheck fast;
  for (std::string doc : {std::string(R"({"a":[1,-2.5e3,true,null,"x\u00e9\n"],"b":{"c":"caf)") +
                              "\xc3\xa9\xf0\x9f\x98\x80" + R"("}})",
                          std::string(R"([{"k":"v\"w"},18446744073709551616,"\ud83d\ude00"])")}) {
    for (std::size_t n = 0; n <= doc.size(); ++n) {
      expect_agree(fast, doc.substr(0, n));
      if (n < doc.size()) {
        expect_agree(fast, doc.substr(0, n) + doc.substr(n + 1));
      }
    }
  }
}

TEST(JsonFastTest, EveryByteValueInAString) {
  FastJsonCheck fast;
  for (int b = 0; b < 256; ++b) {
    expect_agree(fast, std::string("\"a") + char(b) + "b\"");
    expect_agree(fast, std::string("[\"\xe2") + char(b) + "\x82\"]");
    expect_agree(fast, std::string("{\"\xf0\x9f") + char(b) + "\x80\":1}");
  }
}

}  // namespace
}  // namespace rampart::policies
