// proxy_redirect default: what points at the upstream is turned into the client's address,
// and nothing else is touched.

#include "http/redirect_rewrite.hpp"

#include <gtest/gtest.h>

namespace rampart::http {
namespace {

const RedirectMapping kPlain{"http://127.0.0.1:18000", "/", "/"};
const RedirectMapping kRewritten{"http://127.0.0.1:18000", "/base/api/", "/api/v1/"};
constexpr std::string_view kClient = "http://api.example.com";

std::string location(std::string_view value, const RedirectMapping& mapping = kPlain) {
  std::string out;
  return rewrite_location(value, mapping, kClient, out) ? out : "(unchanged)";
}

TEST(RedirectRewrite, UpstreamOriginBecomesTheClients) {
  EXPECT_EQ(location("http://127.0.0.1:18000/api/folder/"), "http://api.example.com/api/folder/");
  EXPECT_EQ(location("HTTP://127.0.0.1:18000/x?a=1"), "http://api.example.com/x?a=1");
  EXPECT_EQ(location("http://127.0.0.1:18000"), "http://api.example.com/");
  EXPECT_EQ(location("http://127.0.0.1:18000?q"), "http://api.example.com/?q");
}

TEST(RedirectRewrite, OtherPlacesAreLeftAlone) {
  EXPECT_EQ(location("http://127.0.0.1:180001/x"), "(unchanged)");  // another port
  EXPECT_EQ(location("https://127.0.0.1:18000/x"), "(unchanged)");  // another scheme
  EXPECT_EQ(location("http://example.org/x"), "(unchanged)");
  EXPECT_EQ(location("/relative/path"), "(unchanged)");  // same path on both sides
  EXPECT_EQ(location("//127.0.0.1:18000/x"), "(unchanged)");
  EXPECT_EQ(location("next"), "(unchanged)");
}

TEST(RedirectRewrite, RewrittenPrefixGoesBack) {
  EXPECT_EQ(location("http://127.0.0.1:18000/base/api/users/", kRewritten),
            "http://api.example.com/api/v1/users/");
  EXPECT_EQ(location("/base/api/users/", kRewritten), "/api/v1/users/");
  EXPECT_EQ(location("/base/api", kRewritten), "/api/v1");
  // The upstream's own host outside the mapped path: only the origin changes.
  EXPECT_EQ(location("http://127.0.0.1:18000/login", kRewritten), "http://api.example.com/login");
  EXPECT_EQ(location("/login", kRewritten), "(unchanged)");
}

TEST(RedirectRewrite, Refresh) {
  std::string out;
  ASSERT_TRUE(rewrite_refresh("5; url=http://127.0.0.1:18000/next", kPlain, kClient, out));
  EXPECT_EQ(out, "5; url=http://api.example.com/next");
  ASSERT_TRUE(rewrite_refresh("0;URL='http://127.0.0.1:18000/n'", kPlain, kClient, out));
  EXPECT_EQ(out, "0;URL='http://api.example.com/n'");
  EXPECT_FALSE(rewrite_refresh("5", kPlain, kClient, out));
  EXPECT_FALSE(rewrite_refresh("5; url=https://elsewhere/", kPlain, kClient, out));
}

}  // namespace
}  // namespace rampart::http
