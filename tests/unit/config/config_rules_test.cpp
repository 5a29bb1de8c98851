// One test per rejection rule of the document, server:, admin: and log: sections.

#include <gtest/gtest.h>

#include <cstdlib>
#include <vector>

#include "config/config.hpp"
#include "config_test_support.hpp"

namespace rampart::config {
namespace {

using namespace testing_support;

LoadResult with_server(const std::string& server_yaml) {
  return load("server:\n" + server_yaml + valid_yaml());
}

// ---- the document ---------------------------------------------------------------------------

TEST(ConfigRulesTest, YamlSyntaxErrorHasLineAndColumn) {
  auto result = load(valid_yaml() + "server:\n  listen: [1, 2\n  workers: 3\n");
  ASSERT_EQ(result.problems.size(), 1u) << printed(result);
  const auto& p = result.problems[0];
  EXPECT_EQ(p.key_path, "");
  EXPECT_EQ(p.message, "invalid YAML: end of sequence flow not found");
  // yaml-cpp notices the unclosed "[" of line 12 where the next line starts.
  EXPECT_EQ(p.line, 13);
  EXPECT_GT(p.column, 0);
  EXPECT_FALSE(result.config);
}

TEST(ConfigRulesTest, TopLevelMustBeAMapping) {
  EXPECT_TRUE(has_only_problem(load("- a\n- b\n"), "", "expected a mapping, got a list"));
}

TEST(ConfigRulesTest, EmptyFileReportsTheRequiredSections) {
  auto result = load("");
  EXPECT_TRUE(has_problem(result, "admin", "admin section is required"));
  EXPECT_TRUE(has_problem(result, "upstreams", "at least one upstream is required"));
  EXPECT_TRUE(has_problem(result, "routes", "at least one route is required"));
  EXPECT_EQ(result.problems.size(), 3u);
}

TEST(ConfigRulesTest, StrayTopLevelCommaIsAProblemNotAHang) {
  // yaml-cpp 0.7's LoadAll returns empty documents forever on these (its issue 1040; found
  // by tests/fuzz/config_loader_fuzz): each must be a problem, at once.
  const std::vector<std::string> texts = {",",
                                          " ,",
                                          "# c\n,",
                                          ",:",
                                          "\"x\",",
                                          std::string(",ni:\x01\x00\x00\x01"
                                                      "dm\n",
                                                      11),
                                          valid_yaml() + ",\n"};
  for (const auto& text : texts) {
    auto result = load(text);
    EXPECT_FALSE(result.config) << text;
    EXPECT_FALSE(result.problems.empty()) << text;
  }
  // The same after ${VAR} substitution: the raw text was valid YAML.
  ::setenv("RAMPART_TEST_EMPTY", "", 1);
  auto result = load("${RAMPART_TEST_EMPTY},x\n" + valid_yaml());
  EXPECT_FALSE(result.config);
  EXPECT_FALSE(result.problems.empty());
}

TEST(ConfigRulesTest, OnlyOneDocument) {
  EXPECT_TRUE(has_only_problem(load(valid_yaml() + "---\nenv: production\n"), "",
                               "expected one YAML document, found a second one"));
}

TEST(ConfigRulesTest, UnknownKeyWithSuggestion) {
  auto result = with_server("  idle_timout: 10s\n");
  ASSERT_TRUE(has_only_problem(result, "server.idle_timout",
                               "unknown key; did you mean \"idle_timeout\"?"));
  EXPECT_EQ(result.problems[0].to_string(),
            "test.yaml:2:3: server.idle_timout: unknown key; did you mean \"idle_timeout\"?");
}

TEST(ConfigRulesTest, UnknownKeyWithoutCloseMatchListsTheKeys) {
  EXPECT_TRUE(has_only_problem(load("colour: blue\n" + valid_yaml()), "colour",
                               "unknown key; expected one of: env, server, admin"));
}

TEST(ConfigRulesTest, UnknownTopLevelKeySuggestion) {
  EXPECT_TRUE(has_only_problem(load("upstream: {}\n" + valid_yaml()), "upstream",
                               "did you mean \"upstreams\"?"));
}

TEST(ConfigRulesTest, DuplicateKey) {
  EXPECT_TRUE(has_only_problem(with_server("  workers: 2\n  workers: 4\n"), "server.workers",
                               "duplicate key"));
}

TEST(ConfigRulesTest, SectionOfWrongType) {
  EXPECT_TRUE(has_only_problem(load("server: [a]\n" + valid_yaml()), "server",
                               "expected a mapping, got a list"));
}

TEST(ConfigRulesTest, EnvMustBeKnown) {
  EXPECT_TRUE(has_only_problem(load("env: staging\n" + valid_yaml()), "env",
                               "expected development or production"));
}

// ---- server: --------------------------------------------------------------------------------

TEST(ConfigRulesTest, DurationOfWrongType) {
  auto result = with_server("  header_timeout: [10s]\n");
  EXPECT_TRUE(has_only_problem(result, "server.header_timeout",
                               "expected a duration like 30s, got a list"));
}

TEST(ConfigRulesTest, BareNumberDuration) {
  auto result = with_server("  header_timeout: 30\n");
  EXPECT_TRUE(has_only_problem(result, "server.header_timeout",
                               "expected a duration like 30s (a whole number followed by ms, "
                               "s, m, h or d); a bare number has no unit"));
  EXPECT_EQ(result.problems[0].line, 2);
  EXPECT_EQ(result.problems[0].column, 19);
}

TEST(ConfigRulesTest, ZeroTimeout) {
  EXPECT_TRUE(has_only_problem(with_server("  idle_timeout: 0s\n"), "server.idle_timeout",
                               "must be greater than 0"));
}

TEST(ConfigRulesTest, NegativeTimeout) {
  EXPECT_TRUE(has_only_problem(with_server("  drain_timeout: -1s\n"), "server.drain_timeout",
                               "must not be negative"));
}

TEST(ConfigRulesTest, EmptyValueIsAWrongType) {
  EXPECT_TRUE(has_only_problem(with_server("  header_timeout:\n"), "server.header_timeout",
                               "expected a duration like 30s, got nothing"));
}

TEST(ConfigRulesTest, WorkersOverMaximum) {
  EXPECT_TRUE(has_only_problem(with_server("  workers: 257\n"), "server.workers",
                               "must be between 0 and 256"));
}

TEST(ConfigRulesTest, WorkersNotANumber) {
  EXPECT_TRUE(has_only_problem(with_server("  workers: many\n"), "server.workers",
                               "expected a whole number"));
}

TEST(ConfigRulesTest, MaxConnectionsAtLeastOne) {
  EXPECT_TRUE(has_only_problem(with_server("  max_connections: 0\n"), "server.max_connections",
                               "must be between 1 and"));
}

TEST(ConfigRulesTest, MaxHeaderBytesBounds) {
  EXPECT_TRUE(has_only_problem(with_server("  max_header_bytes: 512\n"), "server.max_header_bytes",
                               "must be between 1KiB and 1MiB"));
  EXPECT_TRUE(has_only_problem(with_server("  max_header_bytes: 2MiB\n"), "server.max_header_bytes",
                               "must be between 1KiB and 1MiB"));
  EXPECT_TRUE(with_server("  max_header_bytes: 1KiB\n").config);
  EXPECT_TRUE(with_server("  max_header_bytes: 1048576\n").config);
}

TEST(ConfigRulesTest, DecimalSizeUnit) {
  EXPECT_TRUE(has_only_problem(with_server("  max_header_bytes: 16KB\n"), "server.max_header_bytes",
                               "unknown size unit \"KB\"; use KiB, MiB or GiB"));
}

TEST(ConfigRulesTest, ListenNeedsAPort) {
  EXPECT_TRUE(has_only_problem(with_server("  listen: \"0.0.0.0\"\n"), "server.listen",
                               "expected host:port like 0.0.0.0:8080 or [::1]:8080"));
}

TEST(ConfigRulesTest, ListenPortZeroIsRefused) {
  EXPECT_TRUE(has_only_problem(with_server("  listen: \"0.0.0.0:0\"\n"), "server.listen",
                               "port must be between 1 and 65535"));
  EXPECT_TRUE(has_only_problem(with_server("  listen: \"0.0.0.0:65536\"\n"), "server.listen",
                               "port must be between 1 and 65535"));
}

TEST(ConfigRulesTest, ListenHostMustBeAnAddress) {
  EXPECT_TRUE(has_only_problem(with_server("  listen: \"localhost:8080\"\n"), "server.listen",
                               "\"localhost\" is not an IPv4 address"));
}

TEST(ConfigRulesTest, ListenIpv6NeedsBrackets) {
  EXPECT_TRUE(has_only_problem(with_server("  listen: \"::1:8080\"\n"), "server.listen",
                               "IPv6 addresses go in brackets"));
}

TEST(ConfigRulesTest, TrustedProxyMustBeACidr) {
  EXPECT_TRUE(has_only_problem(with_server("  trusted_proxies: [10.0.0.0/33]\n"),
                               "server.trusted_proxies[0]",
                               "expected an IP address or a network like 10.0.0.0/8"));
}

TEST(ConfigRulesTest, TrustedProxyWithHostBits) {
  EXPECT_TRUE(has_only_problem(with_server("  trusted_proxies: [\"127.0.0.1\", 10.1.2.3/8]\n"),
                               "server.trusted_proxies[1]",
                               "has bits set after the /8 prefix; did you mean 10.0.0.0/8?"));
}

TEST(ConfigRulesTest, TrustedProxiesMustBeAList) {
  EXPECT_TRUE(has_only_problem(with_server("  trusted_proxies: 10.0.0.0/8\n"),
                               "server.trusted_proxies", "expected a list, got a single value"));
}

TEST(ConfigRulesTest, TlsIsNotSupportedYet) {
  auto result = with_server("  tls: {cert: cert.pem, key: key.pem}\n");
  EXPECT_TRUE(has_only_problem(result, "server.tls",
                               "tls is not supported yet; remove it (rampart will not silently "
                               "skip a protection you asked for)"));
  EXPECT_EQ(result.problems[0].column, 3);
}

TEST(ConfigRulesTest, RequestBufferAtMostOneMiB) {
  auto result = with_server("  request_buffer: 1025KiB\n");
  EXPECT_TRUE(has_only_problem(result, "server.request_buffer", "must be between 0 and 1MiB"));
  EXPECT_EQ(result.problems[0].to_string(),
            "test.yaml:2:19: server.request_buffer: must be between 0 and 1MiB");
  // 0 (never buffer) and the maximum itself are accepted.
  EXPECT_EQ(with_server("  request_buffer: 0\n").config->server.request_buffer, 0u);
  EXPECT_EQ(with_server("  request_buffer: 1MiB\n").config->server.request_buffer, 1024u * 1024);
}

TEST(ConfigRulesTest, RequestBufferMustBeASize) {
  EXPECT_TRUE(has_only_problem(with_server("  request_buffer: [64KiB]\n"), "server.request_buffer",
                               "expected a size like 16KiB, got a list"));
  EXPECT_TRUE(has_only_problem(with_server("  request_buffer: 64KB\n"), "server.request_buffer",
                               "unknown size unit \"KB\"; use KiB, MiB or GiB"));
}

TEST(ConfigRulesTest, BodyTimeoutGreaterThanZero) {
  EXPECT_TRUE(has_only_problem(with_server("  body_timeout: 0ms\n"), "server.body_timeout",
                               "must be greater than 0"));
}

TEST(ConfigRulesTest, BodyTimeoutMustBeADuration) {
  EXPECT_TRUE(has_only_problem(with_server("  body_timeout: 30\n"), "server.body_timeout",
                               "a bare number has no unit, write e.g. 30s or 30ms"));
  EXPECT_TRUE(has_only_problem(with_server("  body_timeout: {s: 30}\n"), "server.body_timeout",
                               "expected a duration like 30s, got a mapping"));
}

TEST(ConfigRulesTest, BodyMinRateAtMostOneGiB) {
  EXPECT_TRUE(has_only_problem(with_server("  body_min_rate: 2GiB\n"), "server.body_min_rate",
                               "must be between 0 and 1GiB"));
  // 0 (no minimum rate) and the maximum itself are accepted.
  EXPECT_EQ(with_server("  body_min_rate: 0\n").config->server.body_min_rate, 0u);
  EXPECT_EQ(with_server("  body_min_rate: 1GiB\n").config->server.body_min_rate,
            std::size_t{1} << 30);
}

TEST(ConfigRulesTest, BodyMinRateMustBeASize) {
  EXPECT_TRUE(has_only_problem(with_server("  body_min_rate: 1KiB/s\n"), "server.body_min_rate",
                               "unknown size unit \"KiB/s\"; expected B, KiB, MiB or GiB"));
  EXPECT_TRUE(has_only_problem(with_server("  body_min_rate: -1\n"), "server.body_min_rate",
                               "must not be negative"));
}

TEST(ConfigRulesTest, SendTimeoutGreaterThanZero) {
  EXPECT_TRUE(has_only_problem(with_server("  send_timeout: 0s\n"), "server.send_timeout",
                               "must be greater than 0"));
}

TEST(ConfigRulesTest, SendTimeoutMustBeADuration) {
  EXPECT_TRUE(has_only_problem(with_server("  send_timeout:\n"), "server.send_timeout",
                               "expected a duration like 30s, got nothing"));
}

TEST(ConfigRulesTest, ResponseSpoolAtMostOneGiB) {
  auto result = with_server("  response_spool: 1025MiB\n");
  EXPECT_TRUE(has_only_problem(result, "server.response_spool", "must be between 0 and 1GiB"));
  EXPECT_EQ(result.problems[0].to_string(),
            "test.yaml:2:19: server.response_spool: must be between 0 and 1GiB");
  // 0 (never spool) and the maximum itself are accepted.
  EXPECT_EQ(with_server("  response_spool: 0\n").config->server.response_spool, 0u);
  EXPECT_EQ(with_server("  response_spool: 1GiB\n").config->server.response_spool,
            std::size_t{1} << 30);
}

TEST(ConfigRulesTest, ResponseSpoolMustBeASize) {
  EXPECT_TRUE(has_only_problem(with_server("  response_spool: -1\n"), "server.response_spool",
                               "must not be negative"));
  EXPECT_TRUE(has_only_problem(with_server("  response_spool: 64MB\n"), "server.response_spool",
                               "unknown size unit \"MB\"; use KiB, MiB or GiB"));
  EXPECT_TRUE(has_only_problem(with_server("  response_spool: {max: 1MiB}\n"),
                               "server.response_spool",
                               "expected a size like 16KiB, got a mapping"));
}

TEST(ConfigRulesTest, AllowEncodedSlashesMustBeTrueOrFalse) {
  auto result = with_server("  allow_encoded_slashes: yes\n");
  EXPECT_TRUE(has_only_problem(result, "server.allow_encoded_slashes", "expected true or false"));
  EXPECT_EQ(result.problems[0].to_string(),
            "test.yaml:2:26: server.allow_encoded_slashes: expected true or false");
  EXPECT_TRUE(has_only_problem(with_server("  allow_encoded_slashes: [true]\n"),
                               "server.allow_encoded_slashes",
                               "expected true or false, got a list"));
}

TEST(ConfigRulesTest, NewServerKeysAreKnownToTheSpeller) {
  EXPECT_TRUE(has_only_problem(with_server("  body_timout: 5s\n"), "server.body_timout",
                               "unknown key; did you mean \"body_timeout\"?"));
  EXPECT_TRUE(has_only_problem(with_server("  allow_encoded_slash: true\n"),
                               "server.allow_encoded_slash",
                               "unknown key; did you mean \"allow_encoded_slashes\"?"));
  EXPECT_TRUE(has_only_problem(with_server("  sendtimeout: 5s\n"), "server.sendtimeout",
                               "unknown key; did you mean \"send_timeout\"?"));
  EXPECT_TRUE(has_only_problem(with_server("  response_spol: 1MiB\n"), "server.response_spol",
                               "unknown key; did you mean \"response_spool\"?"));
}

// ---- admin: ---------------------------------------------------------------------------------

TEST(ConfigRulesTest, MissingAdminSection) {
  EXPECT_TRUE(has_only_problem(load(kUpstreams + kRoutes), "admin", "admin section is required"));
}

TEST(ConfigRulesTest, MissingAdminKey) {
  EXPECT_TRUE(has_only_problem(load("admin: {listen: \"127.0.0.1:9901\"}\n" + kUpstreams + kRoutes),
                               "admin.api_key", "admin.api_key is required"));
}

TEST(ConfigRulesTest, ShortAdminKeyIsRefusedWithoutPrintingIt) {
  auto result = load("admin:\n  api_key: \"short-secret-value\"\n" + kUpstreams + kRoutes);
  ASSERT_TRUE(
      has_only_problem(result, "admin.api_key", "admin.api_key must be at least 32 characters"));
  EXPECT_EQ(result.problems[0].message, "admin.api_key must be at least 32 characters");
  EXPECT_EQ(printed(result).find("short-secret-value"), std::string::npos);
}

TEST(ConfigRulesTest, AdminKeyOfWrongTypeDoesNotPrintIt) {
  auto result = load("admin:\n  api_key: [\"" + kAdminKey + "\"]\n" + kUpstreams + kRoutes);
  EXPECT_TRUE(has_only_problem(result, "admin.api_key", "expected a string, got a list"));
  EXPECT_EQ(printed(result).find(kAdminKey), std::string::npos);
}

TEST(ConfigRulesTest, RepeatedCharacterAdminKeyInProduction) {
  std::string key(40, 'a');
  std::string yaml = "admin:\n  api_key: \"" + key + "\"\n" + kUpstreams + kRoutes;
  EXPECT_TRUE(load(yaml).config) << "accepted in development";
  auto result = load(yaml, {.env_override = Env::production});
  // kRoutes is auth: none without public: true, also refused in production.
  EXPECT_TRUE(has_problem(result, "admin.api_key", "one character repeated"));
  EXPECT_EQ(printed(result).find(key), std::string::npos);
}

// ---- log: -----------------------------------------------------------------------------------

TEST(ConfigRulesTest, LogLevelMustBeKnown) {
  EXPECT_TRUE(has_only_problem(load("log: {level: verbose}\n" + valid_yaml()), "log.level",
                               "expected debug, info, warn or error"));
}

TEST(ConfigRulesTest, LogFileMustNotBeEmpty) {
  EXPECT_TRUE(has_only_problem(load("log: {file: \"\"}\n" + valid_yaml()), "log.file",
                               "expected a file path, or \"-\" for stdout"));
}

// ---- refused features -----------------------------------------------------------------------

TEST(ConfigRulesTest, EachUnsupportedTopLevelKeyIsRefused) {
  // `auth` is owned by the auth policy's reader, which a bare load_config does not have.
  for (std::string key : {"redis", "auth", "rate_limits", "cors"}) {
    auto result = load(key + ": {}\n" + valid_yaml());
    EXPECT_TRUE(has_only_problem(result, key,
                                 key + " is not supported yet; remove it (rampart will not "
                                       "silently skip a protection you asked for)"))
        << key;
  }
}

TEST(ConfigRulesTest, UnsupportedScalarTopLevelKey) {
  EXPECT_TRUE(has_only_problem(load("redis: \"redis://127.0.0.1:6379\"\n" + valid_yaml()), "redis",
                               "redis is not supported yet"));
}

// ---- all at once ----------------------------------------------------------------------------

TEST(ConfigRulesTest, EveryProblemIsReportedInFileOrder) {
  auto result = load(
      "server:\n"
      "  listen: nowhere\n"        // 2
      "  header_timeout: 10\n"     // 3
      "  idle_timout: 5s\n"        // 4
      "admin: {api_key: short}\n"  // 5
      "upstreams:\n"
      "  app: {url: \"https://x\"}\n"  // 7
      "routes:\n"
      "  - name: a\n"              // 9
      "    match: {path: nope}\n"  // 10
      "    upstream: ghost\n"      // 11
      "    auth: none\n");
  ASSERT_EQ(result.problems.size(), 7u) << printed(result);
  std::vector<std::string> paths;
  std::vector<int> lines;
  for (const auto& p : result.problems) {
    paths.push_back(p.key_path);
    lines.push_back(p.line);
  }
  EXPECT_EQ(paths,
            (std::vector<std::string>{"server.listen", "server.header_timeout",
                                      "server.idle_timout", "admin.api_key", "upstreams.app.url",
                                      "routes[0].match.path", "routes[0].upstream"}));
  EXPECT_EQ(lines, (std::vector<int>{2, 3, 4, 5, 7, 10, 11}));
  EXPECT_FALSE(result.config);
}

}  // namespace
}  // namespace rampart::config
