#include "cli/check_command.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "config_test_support.hpp"

namespace rampart::cli {
namespace {

using namespace config::testing_support;

// A config file in the test's temporary directory, removed at the end of the test.
class CheckCommandTest : public ::testing::Test {
 protected:
  void TearDown() override { std::filesystem::remove(path_); }

  std::string write(const std::string& text) {
    std::ofstream(path_) << text;
    return path_.string();
  }

  struct Output {
    int status;
    std::string out;
    std::string err;
  };

  Output run(const std::string& path, std::optional<std::string> env = std::nullopt) {
    ::testing::internal::CaptureStdout();
    ::testing::internal::CaptureStderr();
    int status = run_check(path, env);
    auto out = ::testing::internal::GetCapturedStdout();
    auto err = ::testing::internal::GetCapturedStderr();
    return {status, out, err};
  }

  std::filesystem::path path_ = std::filesystem::temp_directory_path() /
                                ("rampart-check-" + std::to_string(::getpid()) + ".yaml");
};

TEST_F(CheckCommandTest, ValidConfigPrintsOk) {
  auto output = run(write(valid_yaml()));
  EXPECT_EQ(output.status, 0);
  EXPECT_EQ(output.out, "ok\n");
  EXPECT_EQ(output.err, "");
}

TEST_F(CheckCommandTest, EveryProblemOneALineOnStderr) {
  auto path = write(kAdmin + kUpstreams +
                    "routes:\n"
                    "  - name: a\n"
                    "    match: {path: /x}\n"
                    "    upstream: nope\n"
                    "    auth: sometimes\n");
  auto output = run(path);
  EXPECT_EQ(output.status, 1);
  EXPECT_EQ(output.out, "");
  EXPECT_EQ(output.err, path +
                            ":9:15: routes[0].upstream: unknown upstream \"nope\"; upstreams are: "
                            "app\n" +
                            path + ":10:11: routes[0].auth: expected required, optional or none\n");
}

TEST_F(CheckCommandTest, EnvProductionIsStricter) {
  auto path = write(valid_yaml());
  EXPECT_EQ(run(path, "development").status, 0);
  auto output = run(path, "production");
  EXPECT_EQ(output.status, 1);
  EXPECT_EQ(output.out, "");
  EXPECT_NE(output.err.find("routes[0].auth: auth: none in production needs public: true"),
            std::string::npos)
      << output.err;
}

TEST_F(CheckCommandTest, UnknownEnvIsAUsageError) {
  auto output = run(write(valid_yaml()), "staging");
  EXPECT_EQ(output.status, 1);
  EXPECT_EQ(output.out, "");
  EXPECT_EQ(output.err,
            "rampart check: --env must be production or development, not \"staging\"\n");
}

TEST_F(CheckCommandTest, ControlBytesFromTheFileAreNeverPrinted) {
  // Raw ESC and BEL in an unknown key: a terminal would obey them (here, retitle the window).
  auto path = write("server:\n  \x1b]0;pwned\x07: 1\n" + valid_yaml());
  auto output = run(path);
  EXPECT_EQ(output.status, 1);
  EXPECT_EQ(output.err, path + ":2:3: server.\\x1b]0;pwned\\x07: unknown key; expected one of: " +
                            "listen, workers, max_connections, max_header_bytes, header_timeout, " +
                            "idle_timeout, drain_timeout, trusted_proxies, tls, request_buffer, " +
                            "body_timeout, body_min_rate, send_timeout, response_spool, " +
                            "allow_encoded_slashes, policy_timeout, rate_limit_entries\n");
}

TEST_F(CheckCommandTest, MissingFile) {
  auto output = run("/nonexistent/rampart.yaml");
  EXPECT_EQ(output.status, 1);
  EXPECT_EQ(output.err,
            "/nonexistent/rampart.yaml: cannot read the config file: No such file or directory\n");
}

}  // namespace
}  // namespace rampart::cli
