// match: (path_template, path_regex, host, headers), rewrite: and the upstream's base path,
// one test per rule, by message; and shadowing across matcher kinds.

#include <gtest/gtest.h>

#include "config/config.hpp"
#include "config/route_overlap.hpp"
#include "config_test_support.hpp"

namespace rampart::config {
namespace {

using namespace testing_support;

LoadResult with_routes(const std::string& routes_yaml) {
  return load(kAdmin + kUpstreams + "routes:\n" + routes_yaml);
}

LoadResult with_match(const std::string& match) {
  return with_routes("  - {name: a, match: {" + match + "}, upstream: app, auth: none}\n");
}

TEST(ConfigRouteMatchTest, ExactlyOnePathKind) {
  EXPECT_TRUE(has_only_problem(with_match("path: /a, path_template: \"/a/{id}\""),
                               "routes[0].match",
                               "needs exactly one of path, path_prefix, path_template and "
                               "path_regex"));
  EXPECT_TRUE(has_only_problem(with_match("methods: [GET]"), "routes[0].match", "exactly one"));
}

TEST(ConfigRouteMatchTest, TemplateRules) {
  EXPECT_TRUE(has_only_problem(with_match("path_template: \"/a/x{id}\""),
                               "routes[0].match.path_template", "must be a whole segment"));
  EXPECT_TRUE(has_only_problem(with_match("path_template: \"/a/{rest...}/b\""),
                               "routes[0].match.path_template", "must be the last segment"));
  EXPECT_TRUE(has_only_problem(with_match("path_template: \"/a/{id}/{id}\""),
                               "routes[0].match.path_template", "named twice"));
  EXPECT_TRUE(has_only_problem(with_match("path_template: \"/a/{1d}\""),
                               "routes[0].match.path_template", "is not a capture name"));
  EXPECT_TRUE(has_only_problem(with_match("path_template: \"a/{id}\""),
                               "routes[0].match.path_template", "must start with '/'"));
  auto ok = with_match("path_template: \"/api/insights/{id}/trend-stream\"");
  ASSERT_TRUE(ok.config) << printed(ok);
  const auto& match = ok.config->routes[0].match;
  EXPECT_EQ(match.kind, PathKind::path_template);
  EXPECT_EQ(match.capture_names, std::vector<std::string>{"id"});
}

TEST(ConfigRouteMatchTest, BadRegexIsALoadErrorWithItsPosition) {
  auto result = with_match("path_regex: \"/a/(b\"");
  EXPECT_TRUE(has_only_problem(result, "routes[0].match.path_regex",
                               "not a valid RE2 regular expression: missing )"));
  EXPECT_EQ(result.problems[0].line, 7);
  EXPECT_GT(result.problems[0].column, 1);
  // Backreferences are PCRE's, not RE2's: they are what makes matching exponential.
  EXPECT_TRUE(has_only_problem(with_match("path_regex: \"/(a)\\\\1\""),
                               "routes[0].match.path_regex", "not a valid RE2"));
}

TEST(ConfigRouteMatchTest, HostRules) {
  EXPECT_TRUE(has_only_problem(with_match("path: /, host: \"api.example.com:80\""),
                               "routes[0].match.host", "without a port"));
  EXPECT_TRUE(has_only_problem(with_match("path: /, host: \"*\""), "routes[0].match.host",
                               "must be a host name"));
  auto ok = with_match("path: /, host: \"*.Example.com\"");
  ASSERT_TRUE(ok.config) << printed(ok);
  EXPECT_EQ(ok.config->routes[0].match.host, "*.example.com");
}

TEST(ConfigRouteMatchTest, HeaderRules) {
  EXPECT_TRUE(has_only_problem(with_match("path: /, headers: {X-A: {present: true, equals: b}}"),
                               "routes[0].match.headers.X-A", "exactly one of present"));
  EXPECT_TRUE(has_problem(with_match("path: /, headers: {X-A: {equal: b}}"),
                          "routes[0].match.headers.X-A.equal",
                          "unknown key; did you mean \"equals\"?"));
  auto ok = with_match("path: /, headers: {X-A: {equals: b}, X-B: {present: true}}");
  ASSERT_TRUE(ok.config) << printed(ok);
  ASSERT_EQ(ok.config->routes[0].match.headers.size(), 2u);
  EXPECT_EQ(ok.config->routes[0].match.headers[0].value, "b");
  EXPECT_FALSE(ok.config->routes[0].match.headers[1].value);
}

TEST(ConfigRouteMatchTest, RewriteRules) {
  auto route = [](const std::string& match, const std::string& rewrite) {
    return with_routes("  - {name: a, match: {" + match + "}, upstream: app, auth: none, " +
                       "rewrite: {" + rewrite + "}}\n");
  };
  EXPECT_TRUE(has_only_problem(route("path_template: \"/u/{id}\"", "template: \"/x/{user}\""),
                               "routes[0].rewrite.template",
                               "names capture \"user\", which the match does not make; it "
                               "makes: id"));
  EXPECT_TRUE(has_only_problem(route("path_prefix: /u/", "template: \"/x/{id}\""),
                               "routes[0].rewrite.template", "the match captures nothing"));
  EXPECT_TRUE(has_only_problem(route("path: /u", "prefix: /x"), "routes[0].rewrite.prefix",
                               "the route must match by path_prefix"));
  EXPECT_TRUE(has_only_problem(route("path_prefix: /u", "prefix: x"), "routes[0].rewrite.prefix",
                               "must start with '/'"));
  EXPECT_TRUE(has_only_problem(route("path_prefix: /u", "prefix: /a, template: /b"),
                               "routes[0].rewrite", "exactly one of prefix and template"));
  EXPECT_TRUE(route("path_regex: \"/r/(?P<n>[0-9]+)\"", "template: \"/n/{n}\"").config);
}

TEST(ConfigRouteMatchTest, UpstreamBasePath) {
  auto with_url = [](const std::string& url) {
    return load(kAdmin + "upstreams:\n  app:\n    url: \"" + url + "\"\n" + kRoutes);
  };
  auto ok = with_url("http://127.0.0.1:8000/base/");
  ASSERT_TRUE(ok.config) << printed(ok);
  EXPECT_EQ(ok.config->upstreams[0].base_path, "/base");
  EXPECT_EQ(with_url("http://127.0.0.1:8000/").config->upstreams[0].base_path, "");
  EXPECT_TRUE(has_only_problem(with_url("http://127.0.0.1:8000/a/../b"), "upstreams.app.url",
                               "the base path must be plain"));
  EXPECT_TRUE(has_only_problem(with_url("http://127.0.0.1:8000/a?x=1"), "upstreams.app.url",
                               "without a query or fragment"));
}

// ---- shadowing across kinds -----------------------------------------------------------------

std::string shadowed_by(const std::string& first, const std::string& second) {
  auto result = with_routes("  - {name: a, match: {" + first + "}, upstream: app, auth: none}\n" +
                            "  - {name: b, match: {" + second + "}, upstream: app, auth: none}\n");
  for (const auto& p : result.problems) {
    if (p.message.find("can never match") != std::string::npos) {
      return p.key_path;
    }
  }
  return result.config ? "" : printed(result);
}

TEST(ConfigRouteMatchTest, ShadowingAcrossKinds) {
  EXPECT_EQ(shadowed_by("path_prefix: /api/", "path_template: \"/api/{id}\""), "routes[1]");
  EXPECT_EQ(shadowed_by("path_prefix: /api", "path_template: \"/api/x/{id}/y\""), "routes[1]");
  EXPECT_EQ(shadowed_by("path_template: \"/a/{id}\"", "path_template: \"/a/{other}\""),
            "routes[1]");
  EXPECT_EQ(shadowed_by("path_template: \"/a/{id}\"", "path: /a/x"), "routes[1]");
  EXPECT_EQ(shadowed_by("path_template: \"/a/{id}\"", "path_template: \"/a/x\""), "routes[1]");
  EXPECT_EQ(shadowed_by("path_template: \"/a/{r...}\"", "path_prefix: /a/b"), "routes[1]");
  EXPECT_EQ(shadowed_by("path_template: \"/a/{r...}\"", "path_template: \"/a/{id}/{x...}\""),
            "routes[1]");
  EXPECT_EQ(shadowed_by("path_prefix: /", "path_regex: \"/x\""), "");  // undecidable
  EXPECT_EQ(shadowed_by("path_regex: \"/.*\"", "path: /x"), "");
  EXPECT_EQ(shadowed_by("path_template: \"/a/{id}\"", "path: /a/"), "");  // {id} not empty
  EXPECT_EQ(shadowed_by("path_template: \"/a/{id}\"", "path_template: \"/a/{id}/b\""), "");
  EXPECT_EQ(shadowed_by("path_template: \"/a/{r...}\"", "path: /a"), "");
  EXPECT_EQ(shadowed_by("path_template: \"/a/x\"", "path_template: \"/a/{id}\""), "");
  EXPECT_EQ(shadowed_by("path_template: \"/a/{id}\"", "path_prefix: /a/"), "");
  // host and headers narrow the earlier route: it no longer takes everything.
  EXPECT_EQ(shadowed_by("path_prefix: /, host: a.example.com", "path: /x"), "");
  EXPECT_EQ(shadowed_by("path_prefix: /, host: \"*.example.com\"", "path: /x, host: a.example.com"),
            "routes[1]");
  EXPECT_EQ(shadowed_by("path_prefix: /, headers: {X-A: {present: true}}", "path: /x"), "");
  EXPECT_EQ(shadowed_by("path_prefix: /, headers: {X-A: {present: true}}",
                        "path: /x, headers: {x-a: {equals: v}}"),
            "routes[1]");
}

}  // namespace
}  // namespace rampart::config
