// A valid file read into every field, and the defaults of every absent key.

#include <gtest/gtest.h>

#include <thread>

#include "config/config.hpp"
#include "config_test_support.hpp"

namespace rampart::config {
namespace {

using namespace std::chrono_literals;
using namespace testing_support;

const std::string kFullConfig = R"yaml(
env: production
server:
  listen: "[::1]:8443"
  workers: 3
  max_connections: 500
  max_header_bytes: 32KiB
  header_timeout: 5s
  idle_timeout: 2m
  drain_timeout: 45s
  trusted_proxies: ["10.0.0.0/8", "192.168.1.7", "fd00::/8"]
  request_buffer: 8KiB
  body_timeout: 5s
  body_min_rate: 512
  send_timeout: 90s
  response_spool: 16MiB
  allow_encoded_slashes: true
admin:
  listen: "127.0.0.1:9999"
  api_key: "k7Qz2mXv9LpR4tYb8NcW3sHd6FgJ1aE5-and-more"
log: {level: warn, file: /var/log/rampart.log}
upstreams:
  app:
    url: "http://127.0.0.1:8000/"
    connect_timeout: 500ms
    timeout: 1m
    max_connections: 64
    health: {path: /ready, interval: 10s, timeout: 1s}
  search:
    url: "http://[::1]"
  named:
    url: "http://backend.internal:80"
routes:
  - name: stream
    match: {path_prefix: /api/insights/, methods: [get, Post]}
    upstream: search
    auth: none
    public: true
    stream: {max_duration: 2h}
  - name: ping
    match: {path: /ping}
    upstream: named
    auth: none
    public: true
    stream: {}
)yaml";

TEST(ConfigLoadTest, FullConfigFillsEveryField) {
  auto result = load(kFullConfig);
  ASSERT_TRUE(result.problems.empty()) << printed(result);
  ASSERT_TRUE(result.config);
  const Config& c = *result.config;
  EXPECT_EQ(c.env, Env::production);
  EXPECT_EQ(c.source_path, "test.yaml");

  EXPECT_EQ(c.server.listen.host, "::1");
  EXPECT_EQ(c.server.listen.port, 8443);
  EXPECT_EQ(c.server.workers, 3u);
  EXPECT_EQ(c.server.max_connections, 500u);
  EXPECT_EQ(c.server.max_header_bytes, 32u * 1024);
  EXPECT_EQ(c.server.header_timeout, 5s);
  EXPECT_EQ(c.server.idle_timeout, 2min);
  EXPECT_EQ(c.server.drain_timeout, 45s);
  ASSERT_EQ(c.server.trusted_proxies.size(), 3u);
  EXPECT_EQ(c.server.trusted_proxies[0].network.to_string(), "10.0.0.0");
  EXPECT_EQ(c.server.trusted_proxies[0].prefix_length, 8u);
  EXPECT_EQ(c.server.trusted_proxies[1].network.to_string(), "192.168.1.7");
  EXPECT_EQ(c.server.trusted_proxies[1].prefix_length, 32u);
  EXPECT_EQ(c.server.trusted_proxies[2].network.to_string(), "fd00::");
  EXPECT_EQ(c.server.trusted_proxies[2].prefix_length, 8u);
  EXPECT_EQ(c.server.request_buffer, 8u * 1024);
  EXPECT_EQ(c.server.body_timeout, 5s);
  EXPECT_EQ(c.server.body_min_rate, 512u);
  EXPECT_EQ(c.server.send_timeout, 90s);
  EXPECT_EQ(c.server.response_spool, 16u * 1024 * 1024);
  EXPECT_TRUE(c.server.allow_encoded_slashes);

  EXPECT_EQ(c.admin.listen.host, "127.0.0.1");
  EXPECT_EQ(c.admin.listen.port, 9999);
  EXPECT_EQ(c.admin.api_key, "k7Qz2mXv9LpR4tYb8NcW3sHd6FgJ1aE5-and-more");
  EXPECT_EQ(c.log.level, LogLevel::warn);
  EXPECT_EQ(c.log.file, "/var/log/rampart.log");

  ASSERT_EQ(c.upstreams.size(), 3u);
  const auto& app = c.upstreams[0];
  EXPECT_EQ(app.name, "app");
  EXPECT_EQ(app.url, "http://127.0.0.1:8000/");
  EXPECT_EQ(app.host, "127.0.0.1");
  EXPECT_EQ(app.port, 8000);
  EXPECT_EQ(app.host_header, "127.0.0.1:8000");
  EXPECT_EQ(app.connect_timeout, 500ms);
  EXPECT_EQ(app.timeout, 1min);
  EXPECT_EQ(app.max_connections, 64u);
  ASSERT_TRUE(app.health);
  EXPECT_EQ(app.health->path, "/ready");
  EXPECT_EQ(app.health->interval, 10s);
  EXPECT_EQ(app.health->timeout, 1s);
  const auto& search = c.upstreams[1];
  EXPECT_EQ(search.name, "search");
  EXPECT_EQ(search.host, "::1");
  EXPECT_EQ(search.port, 80);
  EXPECT_EQ(search.host_header, "[::1]");
  EXPECT_FALSE(search.health);
  EXPECT_EQ(c.upstreams[2].host, "backend.internal");
  EXPECT_EQ(c.upstreams[2].host_header, "backend.internal");

  ASSERT_EQ(c.routes.size(), 2u);
  const auto& stream = c.routes[0];
  EXPECT_EQ(stream.name, "stream");
  EXPECT_EQ(stream.match.path, "");
  EXPECT_EQ(stream.match.path_prefix, "/api/insights/");
  EXPECT_EQ(stream.match.methods, (std::vector<std::string>{"GET", "POST"}));
  EXPECT_EQ(stream.upstream, "search");
  EXPECT_EQ(stream.upstream_index, 1u);
  EXPECT_EQ(stream.auth, AuthMode::none);
  EXPECT_TRUE(stream.is_public);
  ASSERT_TRUE(stream.stream);
  EXPECT_EQ(stream.stream->max_duration, 2h);
  const auto& ping = c.routes[1];
  EXPECT_EQ(ping.match.path, "/ping");
  EXPECT_EQ(ping.match.path_prefix, "");
  EXPECT_TRUE(ping.match.methods.empty());
  EXPECT_EQ(ping.upstream_index, 2u);
  ASSERT_TRUE(ping.stream);
  EXPECT_EQ(ping.stream->max_duration, 1h);
}

TEST(ConfigLoadTest, DefaultsForEveryAbsentKey) {
  auto result = load(valid_yaml());
  ASSERT_TRUE(result.problems.empty()) << printed(result);
  const Config& c = *result.config;
  EXPECT_EQ(c.env, Env::development);
  EXPECT_EQ(c.server.listen.host, "0.0.0.0");
  EXPECT_EQ(c.server.listen.port, 8080);
  unsigned cores = std::thread::hardware_concurrency();
  EXPECT_EQ(c.server.workers, cores == 0 ? 1u : std::min(cores, 256u));
  EXPECT_EQ(c.server.max_connections, 10000u);
  EXPECT_EQ(c.server.max_header_bytes, 16u * 1024);
  EXPECT_EQ(c.server.header_timeout, 10s);
  EXPECT_EQ(c.server.idle_timeout, 60s);
  EXPECT_EQ(c.server.drain_timeout, 30s);
  EXPECT_TRUE(c.server.trusted_proxies.empty());
  EXPECT_EQ(c.server.request_buffer, 64u * 1024);
  EXPECT_EQ(c.server.body_timeout, 30s);
  EXPECT_EQ(c.server.body_min_rate, 1024u);
  EXPECT_EQ(c.server.send_timeout, 60s);
  EXPECT_EQ(c.server.response_spool, 64u * 1024 * 1024);
  EXPECT_FALSE(c.server.allow_encoded_slashes);
  EXPECT_EQ(c.admin.listen.host, "127.0.0.1");
  EXPECT_EQ(c.admin.listen.port, 9901);
  EXPECT_EQ(c.log.level, LogLevel::info);
  EXPECT_EQ(c.log.file, "-");
  const auto& app = c.upstreams.at(0);
  EXPECT_EQ(app.host, "127.0.0.1");
  EXPECT_EQ(app.port, 8000);
  EXPECT_EQ(app.connect_timeout, 2s);
  EXPECT_EQ(app.timeout, 30s);
  EXPECT_EQ(app.max_connections, 256u);
  EXPECT_FALSE(app.health);
  const auto& route = c.routes.at(0);
  EXPECT_FALSE(route.is_public);
  EXPECT_FALSE(route.stream);
}

TEST(ConfigLoadTest, EmptyHealthAndEmptySectionsTakeDefaults) {
  auto result = load("server:\nlog: {}\n" + kAdmin +
                     "upstreams:\n  app:\n    url: http://app\n    health: {}\n" + kRoutes);
  ASSERT_TRUE(result.problems.empty()) << printed(result);
  const auto& app = result.config->upstreams.at(0);
  EXPECT_EQ(app.port, 80);
  EXPECT_EQ(app.host_header, "app");
  ASSERT_TRUE(app.health);
  EXPECT_EQ(app.health->path, "/healthz");
  EXPECT_EQ(app.health->interval, 5s);
  EXPECT_EQ(app.health->timeout, 2s);
}

TEST(ConfigLoadTest, DefaultHealthTimeoutShrinksToAShortInterval) {
  auto result = load(kAdmin + "upstreams:\n  app:\n    url: http://app\n" +
                     "    health: {interval: 200ms}\n" + kRoutes);
  ASSERT_TRUE(result.problems.empty()) << printed(result);
  EXPECT_EQ(result.config->upstreams.at(0).health->timeout, 200ms);
}

TEST(ConfigLoadTest, WorkersZeroMeansOnePerCore) {
  auto result = load("server: {workers: 0}\n" + valid_yaml());
  ASSERT_TRUE(result.config) << printed(result);
  EXPECT_GE(result.config->server.workers, 1u);
  EXPECT_LE(result.config->server.workers, 256u);
}

TEST(ConfigLoadTest, EnvOverrideWins) {
  auto result = load("env: production\n" + valid_yaml(), {.env_override = Env::development});
  ASSERT_TRUE(result.config) << printed(result);
  EXPECT_EQ(result.config->env, Env::development);
}

TEST(ConfigLoadTest, QuotedNumbersAndBooleansAreAccepted) {
  auto result = load("server: {workers: \"2\"}\n" + kAdmin + kUpstreams +
                     "routes:\n  - {name: a, match: {path: /}, upstream: app, auth: none, "
                     "public: \"true\"}\n");
  ASSERT_TRUE(result.config) << printed(result);
  EXPECT_EQ(result.config->server.workers, 2u);
  EXPECT_TRUE(result.config->routes[0].is_public);
}

TEST(ConfigLoadTest, ByteOrderMarkIsIgnored) {
  auto result = load("\xEF\xBB\xBF" + valid_yaml());
  EXPECT_TRUE(result.config) << printed(result);
}

TEST(ConfigLoadTest, ProblemToStringFormats) {
  ConfigProblem p{"rampart.yaml", 12, 3, "server.header_timeout", "expected a duration"};
  EXPECT_EQ(p.to_string(), "rampart.yaml:12:3: server.header_timeout: expected a duration");
  ConfigProblem no_line{"rampart.yaml", 0, 0, "", "cannot read the config file: x"};
  EXPECT_EQ(no_line.to_string(), "rampart.yaml: cannot read the config file: x");
  ConfigProblem no_key{"f.yaml", 1, 2, "", "invalid YAML: x"};
  EXPECT_EQ(no_key.to_string(), "f.yaml:1:2: invalid YAML: x");
}

TEST(ConfigLoadTest, UnreadableFileIsOneProblemWithoutLine) {
  auto result = load_config("/nonexistent/rampart-test.yaml");
  ASSERT_EQ(result.problems.size(), 1u);
  EXPECT_FALSE(result.config);
  EXPECT_EQ(result.problems[0].line, 0);
  EXPECT_EQ(result.problems[0].to_string(),
            "/nonexistent/rampart-test.yaml: cannot read the config file: No such file or "
            "directory");
}

TEST(ConfigLoadTest, DirectoryIsUnreadable) {
  auto result = load_config("/tmp");
  ASSERT_EQ(result.problems.size(), 1u);
  EXPECT_EQ(result.problems[0].message, "cannot read the config file: Is a directory");
}

}  // namespace
}  // namespace rampart::config
