#include "gateway/router.hpp"

#include <gtest/gtest.h>

namespace rampart::gateway {
namespace {

config::RouteConfig route(std::string name, std::string path, std::string prefix,
                          std::vector<std::string> methods) {
  config::RouteConfig r;
  r.name = std::move(name);
  r.match.kind = path.empty() ? config::PathKind::prefix : config::PathKind::exact;
  r.match.path = std::move(path);
  r.match.path_prefix = std::move(prefix);
  r.match.methods = std::move(methods);
  return r;
}

TEST(Router, FirstMatchWins) {
  std::vector<config::RouteConfig> routes = {route("exact", "/api/v1/generate", "", {"POST"}),
                                             route("api", "", "/api/", {}),
                                             route("root", "", "/", {"GET"})};
  Router router(routes);
  EXPECT_EQ(router.match("POST", "/api/v1/generate").route->name, "exact");
  EXPECT_EQ(router.match("GET", "/api/v1/generate").route->name, "api");
  EXPECT_EQ(router.match("DELETE", "/api/x").route->name, "api");
  EXPECT_EQ(router.match("GET", "/other").route->name, "root");
  EXPECT_EQ(router.match("GET", "/other").index, 2u);
}

TEST(Router, ExactPathDoesNotMatchLongerPath) {
  std::vector<config::RouteConfig> routes = {route("exact", "/webhooks/stripe", "", {})};
  Router router(routes);
  EXPECT_EQ(router.match("POST", "/webhooks/stripe/x").route, nullptr);
  EXPECT_FALSE(router.match("POST", "/webhooks/stripe/x").path_matched);
}

TEST(Router, PathMatchedButMethodNotGives405Information) {
  std::vector<config::RouteConfig> routes = {route("a", "", "/api/", {"GET", "HEAD"}),
                                             route("b", "/api/x", "", {"POST", "GET"})};
  Router router(routes);
  auto result = router.match("DELETE", "/api/x");
  EXPECT_EQ(result.route, nullptr);
  EXPECT_TRUE(result.path_matched);
  EXPECT_EQ(router.allowed_methods("/api/x"), "GET, HEAD, POST");
}

TEST(Router, NoRouteIsNotFound) {
  std::vector<config::RouteConfig> routes = {route("a", "", "/api/", {})};
  Router router(routes);
  auto result = router.match("GET", "/nope");
  EXPECT_EQ(result.route, nullptr);
  EXPECT_FALSE(result.path_matched);
}

}  // namespace
}  // namespace rampart::gateway
