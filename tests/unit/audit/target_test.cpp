#include "audit/target.hpp"

#include <gtest/gtest.h>

namespace rampart::audit {
namespace {

Target ok(std::string_view url) {
  auto parsed = parse_target(url);
  EXPECT_TRUE(parsed.target) << url << ": " << parsed.error;
  return parsed.target.value_or(Target{});
}

std::string refused(std::string_view url) {
  auto parsed = parse_target(url);
  EXPECT_FALSE(parsed.target) << url;
  return parsed.error;
}

TEST(ParseTarget, HostPortAndPath) {
  Target t = ok("http://127.0.0.1:8080/api/items?x=1#frag");
  EXPECT_EQ(t.scheme, "http");
  EXPECT_EQ(t.host, "127.0.0.1");
  EXPECT_EQ(t.port, 8080);
  EXPECT_EQ(t.path, "/api/items?x=1");
  EXPECT_EQ(t.host_header(), "127.0.0.1:8080");
}

TEST(ParseTarget, DefaultsPortAndPathBySchemeCaseInsensitively) {
  Target t = ok("HTTP://localhost");
  EXPECT_EQ(t.port, 80);
  EXPECT_EQ(t.path, "/");
  EXPECT_EQ(t.host_header(), "localhost");
  EXPECT_EQ(ok("https://example.test").port, 443);
  EXPECT_EQ(ok("http://h?q=1").path, "/?q=1");
}

TEST(ParseTarget, Ipv6LiteralsAreBracketedInTheHostHeader) {
  Target t = ok("http://[::1]:9000/x");
  EXPECT_EQ(t.host, "::1");
  EXPECT_EQ(t.port, 9000);
  EXPECT_EQ(t.host_header(), "[::1]:9000");
  EXPECT_EQ(t.origin(), "http://[::1]:9000");
}

TEST(ParseTarget, RefusesWhatIsNotAServiceUrl) {
  EXPECT_NE(refused("").find("empty"), std::string::npos);
  EXPECT_NE(refused("127.0.0.1:8080").find("scheme"), std::string::npos);
  EXPECT_NE(refused("ftp://h/").find("unsupported scheme"), std::string::npos);
  EXPECT_NE(refused("http://user:pw@h/").find("credentials"), std::string::npos);
  EXPECT_NE(refused("http://h:0/").find("bad port"), std::string::npos);
  EXPECT_NE(refused("http://h:65536/").find("bad port"), std::string::npos);
  EXPECT_NE(refused("http://h:80x/").find("bad port"), std::string::npos);
  EXPECT_NE(refused("http://h:/").find("empty port"), std::string::npos);
  EXPECT_NE(refused("http:///path").find("no host"), std::string::npos);
  EXPECT_NE(refused("http://[::1/").find("unclosed"), std::string::npos);
  EXPECT_NE(refused("http://h/a b").find("blank"), std::string::npos);
  EXPECT_NE(refused(std::string("http://h/\r\nX: y")).find("control"), std::string::npos);
}

TEST(IsProbePath, AbsolutePathsWithoutBlanksOnly) {
  EXPECT_TRUE(is_probe_path("/api/"));
  EXPECT_FALSE(is_probe_path("api/"));
  EXPECT_FALSE(is_probe_path(""));
  EXPECT_FALSE(is_probe_path("/a b"));
  EXPECT_FALSE(is_probe_path("/a\r\nHost: x"));
}

}  // namespace
}  // namespace rampart::audit
