// Matching by every kind of path condition, host and headers, through the indexes, checked
// against "first match wins" as a plain loop over the routes would decide it.

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <re2/re2.h>

#include <random>

#include "../config/config_test_support.hpp"
#include "gateway/router.hpp"

namespace rampart::gateway {
namespace {

using config::testing_support::kAdmin;
using config::testing_support::kUpstreams;

std::shared_ptr<const config::Config> load_routes(const std::string& routes) {
  auto result = config::testing_support::load(kAdmin + kUpstreams + "routes:\n" + routes);
  EXPECT_TRUE(result.config) << config::testing_support::printed(result);
  return result.config;
}

std::string route_line(std::string_view name, std::string_view match) {
  return fmt::format("  - {{name: {}, match: {{{}}}, upstream: app, auth: none}}\n", name, match);
}

struct Fixture {
  explicit Fixture(const std::string& routes) : config(load_routes(routes)) {
    router = std::make_unique<Router>(config->routes);
  }
  std::string name(std::string_view path, std::string_view method = "GET",
                   const http::HeaderList* headers = nullptr) const {
    auto result = router->match(method, path, headers);
    return result.route ? result.route->name : (result.path_matched ? "405" : "404");
  }
  std::shared_ptr<const config::Config> config;
  std::unique_ptr<Router> router;
};

TEST(RouterMatch, TemplateSegments) {
  Fixture f(route_line("trend", "path_template: \"/api/insights/{id}/trend-stream\"") +
            route_line("detail", "path_template: \"/api/insights/{id}\"") +
            route_line("files", "path_template: \"/files/{path...}\""));
  EXPECT_EQ(f.name("/api/insights/42/trend-stream"), "trend");
  EXPECT_EQ(f.name("/api/insights/42"), "detail");
  EXPECT_EQ(f.name("/api/insights/42/"), "404");  // a trailing slash is one more segment
  EXPECT_EQ(f.name("/api/insights/"), "404");     // {id} is never empty
  EXPECT_EQ(f.name("/api/insights//trend-stream"), "404");
  EXPECT_EQ(f.name("/api/insights/42/trend-stream/x"), "404");
  EXPECT_EQ(f.name("/api/Insights/42"), "404");  // paths are case-sensitive
  EXPECT_EQ(f.name("/files/a/b/c.txt"), "files");
  EXPECT_EQ(f.name("/files/"), "files");  // {path...} may be empty, as in Go's ServeMux
  EXPECT_EQ(f.name("/files"), "404");
}

TEST(RouterMatch, TemplateCapturesAreRawSegments) {
  Fixture f(route_line("detail", "path_template: \"/api/insights/{id}/{rest...}\""));
  std::vector<config::CaptureSpan> captures;
  const std::string path = "/api/insights/a%20b/x/y%2Fz";
  ASSERT_EQ(f.name(path), "detail");
  capture(f.config->routes[0].match, path, captures);
  ASSERT_EQ(captures.size(), 2u);
  EXPECT_EQ(captures[0].name, "id");
  EXPECT_EQ(captures[0].value, "a%20b");  // never decoded
  EXPECT_EQ(captures[1].name, "rest");
  EXPECT_EQ(captures[1].value, "x/y%2Fz");
}

TEST(RouterMatch, RegexIsAnchoredAndCaptures) {
  Fixture f(route_line("v", "path_regex: \"/v(?P<version>[0-9]+)/items/(?P<id>[a-z]+)\"") +
            route_line("rest", "path_prefix: /"));
  EXPECT_EQ(f.name("/v2/items/abc"), "v");
  EXPECT_EQ(f.name("/x/v2/items/abc"), "rest");  // anchored at the start
  EXPECT_EQ(f.name("/v2/items/abc/d"), "rest");  // and at the end
  EXPECT_EQ(f.name("/v2/items/ABC"), "rest");    // case-sensitive
  std::vector<config::CaptureSpan> captures;
  capture(f.config->routes[0].match, "/v2/items/abc", captures);
  ASSERT_EQ(captures.size(), 2u);
  EXPECT_EQ(captures[0].name, "version");
  EXPECT_EQ(captures[0].value, "2");
  EXPECT_EQ(captures[1].value, "abc");
}

TEST(RouterMatch, CatastrophicRegexIsLinear) {
  Fixture f(route_line("evil", "path_regex: \"/(a+)+$\""));
  const std::string path = "/" + std::string(100000, 'a') + "!";
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(f.name(path), "404");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

TEST(RouterMatch, FirstMatchWinsAcrossKinds) {
  Fixture f(route_line("regex", "path_regex: \"/a/[0-9]+\"") +
            route_line("template", "path_template: \"/a/{id}\", methods: [GET]") +
            route_line("exact", "path: /a/x") + route_line("prefix", "path_prefix: /a/"));
  EXPECT_EQ(f.name("/a/1"), "regex");
  EXPECT_EQ(f.name("/a/1", "POST"), "regex");
  EXPECT_EQ(f.name("/a/x"), "template");  // before the exact route in the file
  EXPECT_EQ(f.name("/a/x", "POST"), "exact");
  EXPECT_EQ(f.name("/a/x/y"), "prefix");
  EXPECT_EQ(f.name("/a/"), "prefix");
}

TEST(RouterMatch, MethodMismatchIs405AcrossKinds) {
  Fixture f(route_line("t", "path_template: \"/items/{id}\", methods: [GET]") +
            route_line("r", "path_regex: \"/items/[0-9]+\", methods: [PUT]"));
  EXPECT_EQ(f.name("/items/7", "DELETE"), "405");
  EXPECT_EQ(f.router->allowed_methods("/items/7"), "GET, PUT");
  EXPECT_EQ(f.name("/items/7", "PUT"), "r");
}

http::HeaderList headers_of(std::vector<std::pair<std::string, std::string>>& storage) {
  http::HeaderList list;
  for (auto& [name, value] : storage) {
    list.add(boost::beast::http::string_to_field(name), name, value);
  }
  return list;
}

TEST(RouterMatch, HostExactAndWildcard) {
  Fixture f(route_line("api", "path_prefix: /, host: api.example.com") +
            route_line("tenants", "path_prefix: /, host: \"*.example.com\"") +
            route_line("other", "path_prefix: /"));
  auto name_for_host = [&](std::string host) {
    std::vector<std::pair<std::string, std::string>> storage{{"Host", host}};
    auto list = headers_of(storage);
    return f.name("/x", "GET", &list);
  };
  EXPECT_EQ(name_for_host("api.example.com"), "api");
  EXPECT_EQ(name_for_host("API.Example.COM:8443"), "api");  // case and port ignored
  EXPECT_EQ(name_for_host("acme.example.com"), "tenants");
  EXPECT_EQ(name_for_host("a.b.example.com"), "tenants");
  EXPECT_EQ(name_for_host("example.com"), "other");  // the wildcard needs a name under it
  EXPECT_EQ(name_for_host("badexample.com"), "other");
  EXPECT_EQ(name_for_host("api.example.com.evil.net"), "other");
  EXPECT_EQ(f.name("/x"), "other");  // no Host at all
}

TEST(RouterMatch, HeaderPresentAndEquals) {
  Fixture f(route_line("beta", "path_prefix: /, headers: {X-Beta: {present: true}}") +
            route_line("acme", "path_prefix: /, headers: {X-Tenant: {equals: acme}}") +
            route_line("other", "path_prefix: /"));
  std::vector<std::pair<std::string, std::string>> beta{{"x-beta", ""}};
  std::vector<std::pair<std::string, std::string>> acme{{"X-Tenant", "acme"}};
  std::vector<std::pair<std::string, std::string>> acme2{{"X-Tenant", "Acme"}};
  auto b = headers_of(beta), a = headers_of(acme), a2 = headers_of(acme2);
  EXPECT_EQ(f.name("/", "GET", &b), "beta");
  EXPECT_EQ(f.name("/", "GET", &a), "acme");
  EXPECT_EQ(f.name("/", "GET", &a2), "other");  // values compare exactly
  EXPECT_EQ(f.name("/"), "other");
}

TEST(RouterMatch, PrefixTreeSplitsEdges) {
  Fixture f(route_line("long", "path_prefix: /api/v1/users") +
            route_line("v1", "path_prefix: /api/v1") + route_line("apx", "path_prefix: /apx") +
            route_line("api", "path_prefix: /api") + route_line("exact", "path: /ap"));
  EXPECT_EQ(f.name("/api/v1/users/7"), "long");
  EXPECT_EQ(f.name("/api/v1x"), "v1");
  EXPECT_EQ(f.name("/api/v2"), "api");
  EXPECT_EQ(f.name("/apx/1"), "apx");
  EXPECT_EQ(f.name("/ap"), "exact");
  EXPECT_EQ(f.name("/apz"), "404");
  EXPECT_EQ(f.name("/a"), "404");
}

// Random route lists of every kind (built directly: shadowed routes included, which the
// loader would refuse): the indexes must pick what a loop over the routes picks.
TEST(RouterMatch, IndexesAgreeWithALinearScan) {
  std::mt19937 random(14);
  const std::vector<std::string> words = {"a", "b", "ab", "", "x1"};
  auto word = [&] { return words[random() % words.size()]; };
  for (int round = 0; round < 300; ++round) {
    std::vector<config::RouteConfig> routes(8);
    for (std::size_t i = 0; i < routes.size(); ++i) {
      auto& m = routes[i].match;
      routes[i].name = fmt::format("r{}", i);
      switch (random() % 5) {
        case 0:
          m.kind = config::PathKind::exact;
          m.path = fmt::format("/{}/{}", word(), word());
          break;
        case 1:
          m.kind = config::PathKind::prefix;
          m.path_prefix = fmt::format("/{}", word());
          break;
        case 2:
        case 3: {
          m.kind = config::PathKind::path_template;
          m.path_template =
              random() % 2 ? fmt::format("/{}/{{p}}", word()) : fmt::format("/{{p}}/{}", word());
          if (random() % 3 == 0) {
            m.path_template = fmt::format("/{}/{{rest...}}", word());
          }
          std::string error;
          m.segments = *config::parse_path_template(m.path_template, error);
          break;
        }
        default:
          m.kind = config::PathKind::regex;
          m.path_regex = fmt::format("/{}.*", word());
          m.regex = std::make_shared<const RE2>(m.path_regex);
          break;
      }
      if (random() % 3 == 0) {
        m.methods = {"POST"};
      }
    }
    Router router(routes);
    for (int probe = 0; probe < 30; ++probe) {
      std::string path = fmt::format("/{}", word());
      for (int n = random() % 3; n > 0; --n) {
        path += fmt::format("/{}", word());
      }
      const std::string method = random() % 2 ? "GET" : "POST";
      std::string expected = "404";
      bool path_seen = false;
      for (const auto& r : routes) {
        if (path_matches(r.match, path)) {
          if (r.match.methods.empty() || r.match.methods[0] == method) {
            expected = r.name;
            break;
          }
          path_seen = true;
        }
      }
      if (expected == "404" && path_seen) {
        expected = "405";
      }
      auto got = router.match(method, path);
      std::string name = got.route ? got.route->name : (got.path_matched ? "405" : "404");
      ASSERT_EQ(name, expected) << "round " << round << ": " << method << " " << path;
    }
  }
}

TEST(RouterMatch, Rewrites) {
  Fixture f(
      "  - {name: v1, match: {path_prefix: /api/v1/}, upstream: app, auth: none, "
      "rewrite: {prefix: /api/}}\n"
      "  - {name: t, match: {path_template: \"/u/{id}/posts/{post}\"}, upstream: app, "
      "auth: none, rewrite: {template: \"/internal/{post}/by/{id}\"}}\n"
      "  - {name: r, match: {path_regex: \"/r/(?P<n>[0-9]+)\"}, upstream: app, auth: none, "
      "rewrite: {template: \"/num-{n}\"}}\n");
  auto rewritten = [&](std::string_view path) {
    auto m = f.router->match("GET", path);
    std::vector<config::CaptureSpan> captures;
    capture(m.route->match, path, captures);
    std::string out;
    rewrite_path(*m.route, path, captures, out);
    return out;
  };
  EXPECT_EQ(rewritten("/api/v1/users/7"), "/api/users/7");
  EXPECT_EQ(rewritten("/api/v1/"), "/api/");
  EXPECT_EQ(rewritten("/u/7/posts/9"), "/internal/9/by/7");
  EXPECT_EQ(rewritten("/r/12"), "/num-12");
}

}  // namespace
}  // namespace rampart::gateway
