#include "config/env_substitution.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>

#include "config_test_support.hpp"

namespace rampart::config {
namespace {

using namespace testing_support;

EnvLookup fake_env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) {
      return std::nullopt;
    }
    return it->second;
  };
}

TEST(ConfigEnvSubstitutionTest, ReplacesSetVariables) {
  auto out = substitute_env("a: ${A}\nb: x${B}y ${A}\n", fake_env({{"A", "1"}, {"B", "two"}}));
  EXPECT_TRUE(out.errors.empty());
  EXPECT_EQ(out.text, "a: 1\nb: xtwoy 1\n");
}

TEST(ConfigEnvSubstitutionTest, SetButEmptyIsEmpty) {
  auto out = substitute_env("a: \"${A}\"", fake_env({{"A", ""}}));
  EXPECT_TRUE(out.errors.empty());
  EXPECT_EQ(out.text, "a: \"\"");
}

TEST(ConfigEnvSubstitutionTest, UnsetIsAnErrorNamingTheVariable) {
  auto out = substitute_env("a: 1\nb: ${MISSING}\n", fake_env({}));
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].message,
            "environment variable MISSING is not set (referenced as "
            "${MISSING})");
  EXPECT_EQ(out.errors[0].input_offset, 8u);
  EXPECT_EQ(out.text, "a: 1\nb: \n");
}

TEST(ConfigEnvSubstitutionTest, DoubleDollarEscapesALiteral) {
  auto out = substitute_env("a: \"$${HOME} costs $5 and $$5\"", fake_env({}));
  EXPECT_TRUE(out.errors.empty());
  EXPECT_EQ(out.text, "a: \"${HOME} costs $5 and $$5\"");
}

TEST(ConfigEnvSubstitutionTest, MalformedReferences) {
  auto out = substitute_env("a: ${1X}\nb: ${A:-default}\nc: ${OPEN\n", fake_env({{"A", "1"}}));
  ASSERT_EQ(out.errors.size(), 3u);
  EXPECT_NE(out.errors[0].message.find("\"${1X}\" is not a valid reference"), std::string::npos);
  EXPECT_NE(out.errors[1].message.find("\"${A:-default}\" is not a valid reference"),
            std::string::npos);
  EXPECT_NE(out.errors[2].message.find("unterminated \"${\""), std::string::npos);
}

TEST(ConfigEnvSubstitutionTest, CommentLinesAreLeftAlone) {
  auto out = substitute_env("  # key: ${NOT_SET}\na: ${A} # ${A}\n", fake_env({{"A", "1"}}));
  EXPECT_TRUE(out.errors.empty());
  EXPECT_EQ(out.text, "  # key: ${NOT_SET}\na: 1 # 1\n");
}

TEST(ConfigEnvSubstitutionTest, SourceMapGivesOriginalColumns) {
  std::string original = "a: ${LONG} b: ${X}\n";
  auto out = substitute_env(original, fake_env({{"LONG", "0123456789"}, {"X", "x"}}));
  SourceMap map(original, out.splices);
  EXPECT_EQ(out.text, "a: 0123456789 b: x\n");
  // "b" is at column 12 of the original, column 15 of the substituted text.
  auto b = map.at_output(out.text.find("b:"));
  EXPECT_EQ(b.line, 1);
  EXPECT_EQ(b.column, 12);
  // Inside a substituted value: the position of its "${".
  auto inside = map.at_output(out.text.find("5"));
  EXPECT_EQ(inside.column, 4);
}

TEST(ConfigEnvSubstitutionTest, LoadedConfigUsesTheEnvironment) {
  ::setenv("RAMPART_TEST_ADMIN_KEY", kAdminKey.c_str(), 1);
  ::setenv("RAMPART_TEST_UPSTREAM_PORT", "8123", 1);
  auto result = load(
      "admin:\n  api_key: \"${RAMPART_TEST_ADMIN_KEY}\"\n"
      "upstreams:\n  app:\n    url: \"http://127.0.0.1:${RAMPART_TEST_UPSTREAM_PORT}\"\n" +
      kRoutes);
  ::unsetenv("RAMPART_TEST_ADMIN_KEY");
  ::unsetenv("RAMPART_TEST_UPSTREAM_PORT");
  ASSERT_TRUE(result.config) << printed(result);
  EXPECT_EQ(result.config->admin.api_key, kAdminKey);
  EXPECT_EQ(result.config->upstreams[0].port, 8123);
}

TEST(ConfigEnvSubstitutionTest, UnsetVariableIsOneProblemWithLineColumnAndKey) {
  ::unsetenv("RAMPART_TEST_UNSET_KEY");
  auto result = load("admin:\n  api_key: \"${RAMPART_TEST_UNSET_KEY}\"\n" + kUpstreams + kRoutes);
  // Only the unset variable: the empty key it leaves is not reported as "too short" as well.
  ASSERT_TRUE(has_only_problem(result, "admin.api_key",
                               "environment variable RAMPART_TEST_UNSET_KEY is not set"));
  EXPECT_EQ(result.problems[0].line, 2);
  EXPECT_EQ(result.problems[0].column, 13);
  EXPECT_EQ(result.problems[0].to_string(),
            "test.yaml:2:13: admin.api_key: environment variable RAMPART_TEST_UNSET_KEY is not "
            "set (referenced as ${RAMPART_TEST_UNSET_KEY})");
}

TEST(ConfigEnvSubstitutionTest, UnsetVariableAsABareValue) {
  ::unsetenv("RAMPART_TEST_UNSET_WORKERS");
  auto result = load("server:\n  workers: ${RAMPART_TEST_UNSET_WORKERS}\n" + valid_yaml());
  ASSERT_TRUE(has_only_problem(result, "server.workers",
                               "environment variable RAMPART_TEST_UNSET_WORKERS is not set"));
}

TEST(ConfigEnvSubstitutionTest, OtherProblemsOnTheSameLineAreStillReported) {
  ::unsetenv("RAMPART_TEST_UNSET_KEY");
  auto result = load("admin: {api_key: \"${RAMPART_TEST_UNSET_KEY}\", listen: nowhere}\n" +
                     kUpstreams + kRoutes);
  ASSERT_EQ(result.problems.size(), 2u) << printed(result);
  EXPECT_TRUE(has_problem(result, "admin.api_key", "RAMPART_TEST_UNSET_KEY is not set"));
  EXPECT_TRUE(has_problem(result, "admin.listen", "expected host:port"));
}

TEST(ConfigEnvSubstitutionTest, EscapedReferenceIsLiteralInTheConfig) {
  auto result = load("log: {file: \"/var/log/$${NOT_A_VAR}.log\"}\n" + valid_yaml());
  ASSERT_TRUE(result.config) << printed(result);
  EXPECT_EQ(result.config->log.file, "/var/log/${NOT_A_VAR}.log");
}

TEST(ConfigEnvSubstitutionTest, PositionsAfterASubstitutionAreInTheOriginalFile) {
  ::setenv("RAMPART_TEST_LONG", "a-rather-long-value-that-shifts-columns", 1);
  auto result = load("log: {file: \"${RAMPART_TEST_LONG}\", levle: info}\n" + valid_yaml());
  ::unsetenv("RAMPART_TEST_LONG");
  ASSERT_TRUE(has_only_problem(result, "log.levle", "unknown key; did you mean \"level\"?"));
  EXPECT_EQ(result.problems[0].line, 1);
  EXPECT_EQ(result.problems[0].column, 37);
}

}  // namespace
}  // namespace rampart::config
