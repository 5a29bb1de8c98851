#include "store/api_key.hpp"

#include <gtest/gtest.h>

#include <set>

namespace rampart::store {
namespace {

TEST(ApiKey, GeneratedKeysHaveTheFormatAndParseBack) {
  std::set<std::string> ids;
  for (int i = 0; i < 200; ++i) {
    auto made = generate_api_key();
    ASSERT_EQ(made.key.size(), 3 + 8 + 1 + 43) << made.key;
    auto parts = parse_api_key(made.key);
    ASSERT_TRUE(parts) << made.key;
    EXPECT_EQ(parts->id, made.id);
    EXPECT_EQ(sha256(parts->secret), made.secret_sha256);
    EXPECT_EQ(made.secret_sha256.size(), 32u);
    ids.insert(made.id);
  }
  EXPECT_EQ(ids.size(), 200u);  // 47 bits of id: a collision here would mean a broken CSPRNG
}

TEST(ApiKey, EveryBase62CharacterAppearsAndNoOther) {
  std::set<char> seen;
  for (int i = 0; i < 100; ++i) {
    auto key = generate_api_key().key;
    for (char c : key.substr(3)) {
      if (c != '_') {
        seen.insert(c);
      }
    }
  }
  EXPECT_EQ(seen.size(), 62u);
}

TEST(ApiKey, MalformedKeysAreRefused) {
  const std::string secret32(32, 'a');
  EXPECT_TRUE(parse_api_key("rk_abcdEFGH_" + secret32));
  EXPECT_TRUE(parse_api_key("rk_abcdEFGH_" + std::string(128, 'Z')));
  for (const std::string& bad :
       {std::string(""), std::string("rk_"), "RK_abcdEFGH_" + secret32,
        "rk_abcdEFG_" + secret32,             // 7-character id
        "rk_abcdEFGHI_" + secret32,           // 9-character id
        "rk_abcdEFGH_" + secret32.substr(1),  // 31-character secret
        "rk_abcdEFGH_" + std::string(129, 'a'), "rk_abcd-FGH_" + secret32,
        "rk_abcdEFGH-" + secret32, "rk_abcdEFGH_" + secret32 + " ", " rk_abcdEFGH_" + secret32,
        "rk_abcdEFGH_" + secret32.substr(1) + "_", "rk_abcdEFGH_" + secret32 + "\r\n",
        "rk_abcd\xc3\xa9GH_" + secret32, std::string("rk_abcdEFGH_\0", 13) + secret32}) {
    EXPECT_FALSE(parse_api_key(bad)) << bad;
  }
}

TEST(ApiKey, Sha256KnownVector) {
  // FIPS 180-2, "abc".
  const std::string digest = sha256("abc");
  const unsigned char expected[] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea,
                                    0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
                                    0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c,
                                    0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
  EXPECT_EQ(digest, std::string(reinterpret_cast<const char*>(expected), 32));
}

TEST(ApiKey, ConstantTimeEqualComparesContentsAndLengths) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "ab"));
  EXPECT_FALSE(constant_time_equal(std::string("a\0b", 3), std::string("a\0c", 3)));
}

}  // namespace
}  // namespace rampart::store
