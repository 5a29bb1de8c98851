#include "limits/redis_url.hpp"

#include <gtest/gtest.h>

namespace rampart::limits {
namespace {

RedisUrl parsed(std::string_view url) {
  std::string error;
  auto where = parse_redis_url(url, error);
  EXPECT_TRUE(where) << url << ": " << error;
  return where.value_or(RedisUrl{});
}

TEST(RedisUrl, HostPortAndDatabase) {
  auto where = parsed("redis://localhost");
  EXPECT_EQ(where.host, "localhost");
  EXPECT_EQ(where.port, 6379);
  EXPECT_EQ(where.db, 0);
  EXPECT_EQ(where.password, "");
  EXPECT_EQ(where.display, "redis://localhost");

  where = parsed("redis://10.0.0.7:6380/15");
  EXPECT_EQ(where.host, "10.0.0.7");
  EXPECT_EQ(where.port, 6380);
  EXPECT_EQ(where.db, 15);
  EXPECT_EQ(where.display, "redis://10.0.0.7:6380/15");

  EXPECT_EQ(parsed("redis://redis.internal/").db, 0);
  EXPECT_EQ(parsed("redis://redis_1.internal:1/0").port, 1);
  EXPECT_EQ(parsed("redis://h:65535/3").port, 65535);
}

TEST(RedisUrl, Ipv6InBrackets) {
  auto where = parsed("redis://[::1]:7000/2");
  EXPECT_EQ(where.host, "::1");
  EXPECT_EQ(where.port, 7000);
  EXPECT_EQ(where.db, 2);
  EXPECT_EQ(where.display, "redis://[::1]:7000/2");
  EXPECT_EQ(parsed("redis://[2001:db8::5]").port, 6379);
}

TEST(RedisUrl, UserAndPasswordNeverShow) {
  auto where = parsed("redis://:s3cret@cache:6379/1");
  EXPECT_EQ(where.user, "");
  EXPECT_EQ(where.password, "s3cret");
  EXPECT_EQ(where.display, "redis://:***@cache:6379/1");

  where = parsed("redis://rampart:s3cret@cache");
  EXPECT_EQ(where.user, "rampart");
  EXPECT_EQ(where.password, "s3cret");
  EXPECT_EQ(where.display, "redis://rampart:***@cache");

  // Percent-encoded: '@', '/', ':', '#', '?' and '%' itself.
  where = parsed("redis://r%40mp:p%40ss%2Fw%3Ard%23%3F%25@[::1]");
  EXPECT_EQ(where.user, "r@mp");
  EXPECT_EQ(where.password, "p@ss/w:rd#?%");
  EXPECT_EQ(where.display, "redis://r%40mp:***@[::1]");
  EXPECT_EQ(where.display.find("ss"), std::string::npos);
}

TEST(RedisUrl, RefusalsSayWhyWithoutThePassword) {
  struct Case {
    const char* url;
    const char* reason;
  };
  const Case cases[] = {
      {"rediss://:zq1@cache", "TLS"},
      {"http://cache", "expected redis://"},
      {"redis:/cache", "expected redis://"},
      {"REDIS://cache", "expected redis://"},
      {"redis://", "needs a host"},
      {"redis://:zq1@", "needs a host"},
      {"redis://:6379", "needs a host"},
      {"redis://ca che", "spaces or control"},
      {"redis://cache\n", "spaces or control"},
      {"redis://cache:0", "port"},
      {"redis://cache:65536", "port"},
      {"redis://cache:", "port"},
      {"redis://cache:-1", "port"},
      {"redis://cache:+80", "port"},
      {"redis://cache:12ab", "port"},
      {"redis://[::1]x", "port"},
      {"redis://[::1", "IPv6"},
      {"redis://[zz::1]", "IPv6"},
      {"redis://[]", "IPv6"},
      {"redis://ca$he", "name or an IP"},
      {"redis://cache/16", "database number"},
      {"redis://cache/-1", "database number"},
      {"redis://cache/abc", "database number"},
      {"redis://cache/1/2", "database number"},
      {"redis://cache/ 1", "spaces"},
      {"redis://cache/01x", "database number"},
      {"redis://cache?db=1", "no query"},
      {"redis://:zq?1@cache", "no query"},
      {"redis://cache#frag", "no fragment"},
      {"redis://:zq#1@cache", "no fragment"},
      {"redis://zq1@cache", "after a colon"},
      {"redis://rampart:@cache", "password is empty"},
      {"redis://:@cache", "password is empty"},
      {"redis://u:zq@1@cache", "%40"},
      {"redis://u:zq/1@cache", "%2F"},
      {"redis://u:zq%4@cache", "two hex digits"},
      {"redis://u:zq%g1@cache", "two hex digits"},
  };
  for (const auto& c : cases) {
    std::string error;
    EXPECT_FALSE(parse_redis_url(c.url, error)) << c.url;
    EXPECT_NE(error.find(c.reason), std::string::npos) << c.url << " -> " << error;
    EXPECT_EQ(error.find("zq"), std::string::npos) << c.url << " -> " << error;
    EXPECT_EQ(error.find('\n'), std::string::npos) << c.url;
  }
}

}  // namespace
}  // namespace rampart::limits
