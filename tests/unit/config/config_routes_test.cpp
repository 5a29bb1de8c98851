// One test per rejection rule of the upstreams: and routes: sections.

#include <gtest/gtest.h>

#include "config/config.hpp"
#include "config/route_overlap.hpp"
#include "config_test_support.hpp"

namespace rampart::config {
namespace {

using namespace testing_support;

LoadResult with_upstream(const std::string& app_yaml) {
  return load(kAdmin + "upstreams:\n  app:\n" + app_yaml + kRoutes);
}

LoadResult with_url(const std::string& url) { return with_upstream("    url: \"" + url + "\"\n"); }

LoadResult with_routes(const std::string& routes_yaml, LoadOptions options = {}) {
  return load(kAdmin + kUpstreams + "routes:\n" + routes_yaml, options);
}

// ---- upstreams: -----------------------------------------------------------------------------

TEST(ConfigUpstreamsTest, AtLeastOneUpstream) {
  EXPECT_TRUE(has_problem(load(kAdmin + "upstreams: {}\n" + kRoutes), "upstreams",
                          "at least one upstream is required"));
  EXPECT_TRUE(
      has_problem(load(kAdmin + kRoutes), "upstreams", "at least one upstream is required"));
}

TEST(ConfigUpstreamsTest, UrlIsRequired) {
  EXPECT_TRUE(
      has_only_problem(with_upstream("    timeout: 5s\n"), "upstreams.app.url", "url is required"));
}

TEST(ConfigUpstreamsTest, HttpsIsNotSupportedYet) {
  EXPECT_TRUE(has_only_problem(with_url("https://api.example.com"), "upstreams.app.url",
                               "https upstreams are not supported yet"));
}

TEST(ConfigUpstreamsTest, UrlWithQueryOrFragmentIsRefused) {
  EXPECT_TRUE(has_only_problem(with_url("http://127.0.0.1:8000/api?x=1"), "upstreams.app.url",
                               "without a query or fragment"));
  EXPECT_TRUE(has_only_problem(with_url("http://127.0.0.1:8000#x"), "upstreams.app.url",
                               "without a query or fragment"));
}

TEST(ConfigUpstreamsTest, UrlOtherSchemeIsRefused) {
  EXPECT_TRUE(has_only_problem(with_url("ftp://x"), "upstreams.app.url",
                               "expected http://host[:port], like http://127.0.0.1:8000"));
  EXPECT_TRUE(has_only_problem(with_url("127.0.0.1:8000"), "upstreams.app.url",
                               "expected http://host[:port]"));
}

TEST(ConfigUpstreamsTest, UrlBadPortOrHost) {
  EXPECT_TRUE(has_only_problem(with_url("http://127.0.0.1:0"), "upstreams.app.url",
                               "port must be between 1 and 65535"));
  EXPECT_TRUE(has_only_problem(with_url("http://127.0.0.1:"), "upstreams.app.url",
                               "port must be between 1 and 65535"));
  EXPECT_TRUE(has_only_problem(with_url("http://bad_host!"), "upstreams.app.url",
                               "expected http://host[:port]"));
  EXPECT_TRUE(has_only_problem(with_url("http://user@host"), "upstreams.app.url",
                               "must not contain user information"));
  EXPECT_TRUE(has_only_problem(with_url("http://[zz::1]:80"), "upstreams.app.url",
                               "expected http://host[:port]"));
}

TEST(ConfigUpstreamsTest, UpstreamTimeoutsArePositiveDurations) {
  EXPECT_TRUE(has_only_problem(with_upstream("    url: http://a\n    timeout: 0ms\n"),
                               "upstreams.app.timeout", "must be greater than 0"));
  EXPECT_TRUE(has_only_problem(with_upstream("    url: http://a\n    connect_timeout: 2\n"),
                               "upstreams.app.connect_timeout", "expected a duration like 30s"));
}

TEST(ConfigUpstreamsTest, UpstreamMaxConnectionsAtLeastOne) {
  EXPECT_TRUE(has_only_problem(with_upstream("    url: http://a\n    max_connections: 0\n"),
                               "upstreams.app.max_connections", "must be between 1 and"));
}

TEST(ConfigUpstreamsTest, HealthPathMustStartWithSlash) {
  EXPECT_TRUE(has_only_problem(with_upstream("    url: http://a\n    health: {path: healthz}\n"),
                               "upstreams.app.health.path", "must start with '/'"));
}

TEST(ConfigUpstreamsTest, HealthTimeoutNotLongerThanInterval) {
  EXPECT_TRUE(has_only_problem(
      with_upstream("    url: http://a\n    health: {interval: 1s, timeout: 2s}\n"),
      "upstreams.app.health.timeout", "must not be longer than interval (1s)"));
}

TEST(ConfigUpstreamsTest, UpstreamUnknownKey) {
  EXPECT_TRUE(has_only_problem(with_upstream("    url: http://a\n    timeuot: 5s\n"),
                               "upstreams.app.timeuot", "did you mean \"timeout\"?"));
}

TEST(ConfigUpstreamsTest, UpstreamNameAlphabet) {
  auto result = load(kAdmin + "upstreams:\n  \"my app\": {url: http://a}\n" +
                     "routes:\n  - {name: r, match: {path: /}, upstream: my app, auth: none}\n");
  EXPECT_TRUE(has_only_problem(result, "upstreams.my app",
                               "upstream name must be 1 to 64 letters, digits"));
}

// ---- routes: --------------------------------------------------------------------------------

TEST(ConfigRoutesTest, AtLeastOneRoute) {
  EXPECT_TRUE(has_only_problem(load(kAdmin + kUpstreams + "routes: []\n"), "routes",
                               "at least one route is required"));
  EXPECT_TRUE(
      has_only_problem(load(kAdmin + kUpstreams), "routes", "at least one route is required"));
}

TEST(ConfigRoutesTest, RoutesMustBeAList) {
  EXPECT_TRUE(has_only_problem(load(kAdmin + kUpstreams + "routes: {a: 1}\n"), "routes",
                               "expected a list, got a mapping"));
}

TEST(ConfigRoutesTest, NameIsRequired) {
  EXPECT_TRUE(has_only_problem(with_routes("  - {match: {path: /}, upstream: app, auth: none}\n"),
                               "routes[0].name", "name is required"));
}

TEST(ConfigRoutesTest, NamesAreUnique) {
  auto result = with_routes(
      "  - {name: a, match: {path: /x}, upstream: app, auth: none}\n"
      "  - {name: a, match: {path: /y}, upstream: app, auth: none}\n");
  EXPECT_TRUE(
      has_only_problem(result, "routes[1].name", "duplicate route name \"a\" (also routes[0])"));
}

TEST(ConfigRoutesTest, MatchIsRequired) {
  EXPECT_TRUE(has_only_problem(with_routes("  - {name: a, upstream: app, auth: none}\n"),
                               "routes[0].match", "match is required"));
}

TEST(ConfigRoutesTest, MatchNeedsExactlyOnePath) {
  EXPECT_TRUE(has_only_problem(
      with_routes("  - {name: a, match: {methods: [GET]}, upstream: app, auth: none}\n"),
      "routes[0].match", "needs exactly one of path, path_prefix, path_template and path_regex"));
  EXPECT_TRUE(has_only_problem(
      with_routes("  - {name: a, match: {path: /a, path_prefix: /}, upstream: app, auth: none}\n"),
      "routes[0].match", "needs exactly one of path, path_prefix, path_template and path_regex"));
}

TEST(ConfigRoutesTest, PathMustStartWithSlash) {
  EXPECT_TRUE(has_only_problem(
      with_routes("  - {name: a, match: {path_prefix: api}, upstream: app, auth: none}\n"),
      "routes[0].match.path_prefix", "must start with '/'"));
}

TEST(ConfigRoutesTest, PathWithQueryCanNeverMatch) {
  EXPECT_TRUE(has_only_problem(
      with_routes("  - {name: a, match: {path: \"/a?b=1\"}, upstream: app, auth: none}\n"),
      "routes[0].match.path", "must be a plain path"));
}

TEST(ConfigRoutesTest, UnknownMethod) {
  EXPECT_TRUE(has_only_problem(
      with_routes("  - {name: a, match: {path: /, methods: [GET, FETCH]}, upstream: app, "
                  "auth: none}\n"),
      "routes[0].match.methods[1]", "unknown HTTP method; expected one of GET, HEAD, POST"));
}

TEST(ConfigRoutesTest, EmptyMethodList) {
  EXPECT_TRUE(has_only_problem(
      with_routes("  - {name: a, match: {path: /, methods: []}, upstream: app, auth: none}\n"),
      "routes[0].match.methods", "must list at least one method"));
}

TEST(ConfigRoutesTest, MethodsMustBeAList) {
  EXPECT_TRUE(has_only_problem(
      with_routes("  - {name: a, match: {path: /, methods: GET}, upstream: app, auth: none}\n"),
      "routes[0].match.methods", "expected a list, got a single value"));
}

TEST(ConfigRoutesTest, UnknownUpstream) {
  auto result = with_routes("  - {name: a, match: {path: /}, upstream: apq, auth: none}\n");
  EXPECT_TRUE(has_only_problem(result, "routes[0].upstream",
                               "unknown upstream \"apq\"; did you mean \"app\"?"));
  result = with_routes("  - {name: a, match: {path: /}, upstream: x, auth: none}\n");
  EXPECT_TRUE(
      has_only_problem(result, "routes[0].upstream", "unknown upstream \"x\"; upstreams are: app"));
}

TEST(ConfigRoutesTest, UpstreamIsRequired) {
  EXPECT_TRUE(has_only_problem(with_routes("  - {name: a, match: {path: /}, auth: none}\n"),
                               "routes[0].upstream", "upstream is required"));
}

TEST(ConfigRoutesTest, AuthIsRequiredByDefault) {
  auto result = with_routes("  - {name: a, match: {path: /}, upstream: app}\n");
  ASSERT_TRUE(result.problems.empty()) << printed(result);
  EXPECT_EQ(result.config->routes[0].auth, AuthMode::required);
}

TEST(ConfigRoutesTest, AuthModesAreRead) {
  for (auto [text, mode] :
       {std::pair{"required", AuthMode::required}, std::pair{"optional", AuthMode::optional},
        std::pair{"none", AuthMode::none}}) {
    auto result = with_routes(std::string("  - {name: a, match: {path: /}, upstream: app, auth: ") +
                              text + "}\n");
    ASSERT_TRUE(result.problems.empty()) << printed(result);
    EXPECT_EQ(result.config->routes[0].auth, mode) << text;
  }
}

TEST(ConfigRoutesTest, AuthMustBeKnown) {
  EXPECT_TRUE(
      has_only_problem(with_routes("  - {name: a, match: {path: /}, upstream: app, auth: off}\n"),
                       "routes[0].auth", "expected required, optional or none"));
}

TEST(ConfigRoutesTest, EachUnsupportedRouteKeyIsRefused) {
  for (std::string key : {"rate_limit", "body", "webhook", "cors"}) {
    auto result = with_routes("  - {name: a, match: {path: /}, upstream: app, auth: none, " + key +
                              ": {}}\n");
    EXPECT_TRUE(has_only_problem(result, "routes[0]." + key,
                                 key + " is not supported yet; remove it (rampart will not "
                                       "silently skip a protection you asked for)"))
        << key;
  }
}

TEST(ConfigRoutesTest, PublicMustBeABoolean) {
  EXPECT_TRUE(has_only_problem(
      with_routes("  - {name: a, match: {path: /}, upstream: app, auth: none, public: yes}\n"),
      "routes[0].public", "expected true or false"));
}

TEST(ConfigRoutesTest, StreamMaxDurationIsADuration) {
  EXPECT_TRUE(
      has_only_problem(with_routes("  - {name: a, match: {path: /}, upstream: app, auth: none, "
                                   "stream: {max_duration: forever}}\n"),
                       "routes[0].stream.max_duration", "expected a duration like 30s"));
}

TEST(ConfigRoutesTest, ProductionNeedsPublicForAuthNone) {
  auto result = with_routes("  - {name: a, match: {path: /}, upstream: app, auth: none}\n",
                            {.env_override = Env::production});
  EXPECT_TRUE(
      has_only_problem(result, "routes[0].auth", "auth: none in production needs public: true"));
  EXPECT_TRUE(load("env: production\n" + valid_yaml()).problems.size() == 1);
  EXPECT_TRUE(
      with_routes("  - {name: a, match: {path: /}, upstream: app, auth: none, public: true}\n",
                  {.env_override = Env::production})
          .config);
}

TEST(ConfigRoutesTest, ShadowedRouteIsRefused) {
  auto result = with_routes(
      "  - {name: api, match: {path_prefix: /api}, upstream: app, auth: none}\n"
      "  - {name: users, match: {path_prefix: /api/users, methods: [GET]}, upstream: app, "
      "auth: none}\n");
  EXPECT_TRUE(has_only_problem(result, "routes[1]",
                               "can never match: route \"api\" (routes[0]) comes first and "
                               "matches every request this route would"));
  EXPECT_EQ(result.problems[0].line, 8);
}

TEST(ConfigRoutesTest, ShadowedExactPath) {
  auto result = with_routes(
      "  - {name: a, match: {path: /x, methods: [GET, POST]}, upstream: app, auth: none}\n"
      "  - {name: b, match: {path: /x, methods: [post]}, upstream: app, auth: none}\n");
  EXPECT_TRUE(has_only_problem(result, "routes[1]", "route \"a\" (routes[0]) comes first"));
}

TEST(ConfigRoutesTest, RoutesThatCanStillMatchAreAccepted) {
  auto result = with_routes(
      "  - {name: post-only, match: {path_prefix: /api, methods: [POST]}, upstream: app, "
      "auth: none}\n"
      "  - {name: any, match: {path_prefix: /api}, upstream: app, auth: none}\n"
      "  - {name: exact, match: {path: /x}, upstream: app, auth: none}\n"
      "  - {name: prefix, match: {path_prefix: /x}, upstream: app, auth: none}\n"
      "  - {name: other, match: {path_prefix: /b}, upstream: app, auth: none}\n");
  EXPECT_TRUE(result.config) << printed(result);
}

RouteMatch prefix_match(std::string prefix, std::vector<std::string> methods) {
  RouteMatch m;
  m.kind = PathKind::prefix;
  m.path_prefix = std::move(prefix);
  m.methods = std::move(methods);
  return m;
}

RouteMatch exact_match(std::string path, std::vector<std::string> methods) {
  RouteMatch m;
  m.kind = PathKind::exact;
  m.path = std::move(path);
  m.methods = std::move(methods);
  return m;
}

TEST(ConfigRoutesTest, CoversRules) {
  auto prefix_any = prefix_match("/api", {});
  auto prefix_get = prefix_match("/api", {"GET"});
  auto exact_get = exact_match("/api/x", {"GET"});
  auto exact_any = exact_match("/api/x", {});
  EXPECT_TRUE(covers(prefix_any, exact_get));
  EXPECT_TRUE(covers(prefix_get, exact_get));
  EXPECT_FALSE(covers(prefix_get, exact_any));
  EXPECT_FALSE(covers(exact_get, prefix_get));
  EXPECT_TRUE(covers(exact_any, exact_get));
  EXPECT_FALSE(covers(exact_get, exact_any));
  EXPECT_FALSE(covers(prefix_match("/api/", {}), prefix_match("/api", {})));
}

}  // namespace
}  // namespace rampart::config
