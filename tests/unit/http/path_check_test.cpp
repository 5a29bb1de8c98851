// Paths a backend could resolve differently from the router are refused (path_check.hpp).

#include "http/path_check.hpp"

#include <gtest/gtest.h>

#include <string>

namespace rampart::http {
namespace {

TEST(PathCheck, OrdinaryPathsPass) {
  for (std::string_view path : {"/", "/api/v1/users/42", "/a;v=1/b", "/a%20b", "/a%2ejson",
                                "/v1.2/x", "/..a/", "/a../", "/.well-known/x", "/...", "/a/.b",
                                "/%2e%2e%2e", "/%E2%9C%93", "/a%25/b", "/a;/b", "/a%3bb"}) {
    EXPECT_TRUE(is_safe_path(path, false)) << path;
  }
}

TEST(PathCheck, DotSegmentsInEveryDisguiseAreRefused) {
  for (std::string_view path :
       {"/..", "/.", "/a/../b", "/a/./b", "/a/..", "/%2e%2e/admin", "/a/%2E/b", "/a/.%2e/b",
        "/api/..;/admin", "/api/.;/x", "/api/..;jsessionid=1/admin", "/api/..%3b/admin",
        "/api/..%3Bx/admin"}) {
    EXPECT_FALSE(is_safe_path(path, false)) << path;
    EXPECT_FALSE(is_safe_path(path, true)) << path;
  }
}

TEST(PathCheck, EncodedSeparatorsAreRefusedUnlessAllowed) {
  for (std::string_view path : {"/a%2fb", "/a%2Fb", "/a%5cb", "/a%5Cb", "/files/a%2F"}) {
    EXPECT_FALSE(is_safe_path(path, false)) << path;
    EXPECT_TRUE(is_safe_path(path, true)) << path;
  }
  // Split at encoded separators too: a backend that decodes them sees these dot segments.
  for (std::string_view path : {"/api%2f..%2fadmin", "/a%5C..%5Cb", "/a%2f.%2fb", "/a%2F..",
                                "/a%2f%2e%2e%2fb", "/a%2f..;%2fb"}) {
    EXPECT_FALSE(is_safe_path(path, false)) << path;
    EXPECT_FALSE(is_safe_path(path, true)) << path;
  }
}

TEST(PathCheck, BackslashAndNulAreRefused) {
  for (std::string_view path : {"/a\\b", "/a\\..\\b", "/a%00b", "/a/..%00/b", "/%00"}) {
    EXPECT_FALSE(is_safe_path(path, false)) << path;
    EXPECT_FALSE(is_safe_path(path, true)) << path;
  }
}

TEST(PathCheck, EveryTwoCharacterSuffixIsDecidedWithoutReadingPastTheEnd) {
  // Truncated escapes at the end ("%2", "%") must be read as plain characters, not overrun.
  const std::string chars = "./%2eEfFcC5\\;0";
  for (char a : chars) {
    for (char b : chars) {
      std::string path = std::string("/x/") + a + b;
      (void)is_safe_path(path, false);
      (void)is_safe_path(path, true);
    }
  }
  EXPECT_TRUE(is_safe_path("/a%2", false));
  EXPECT_TRUE(is_safe_path("/a%", false));
}

}  // namespace
}  // namespace rampart::http
