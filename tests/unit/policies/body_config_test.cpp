// The `body:` route key's `schema:` rules: the file is read relative to the config file,
// compiled at load, and every way it can be wrong is one problem at routes[0].body.schema.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "../config/config_test_support.hpp"
#include "policies/body/config.hpp"

namespace rampart::policies {
namespace {

using config::LoadResult;
using namespace config::testing_support;

class BodyConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("rampart-body-config-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_ / "schemas");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
  }

  LoadResult load(const std::string& body_yaml) {
    config::LoadOptions options;
    options.route_keys = {config::RouteKeyReader{kBodyKey, read_body}};
    return load_config_text(kAdmin + kUpstreams + kRoutes + "    body: " + body_yaml + "\n",
                            (dir_ / "rampart.yaml").string(), options);
  }

  static const BodySettings* settings_of(const LoadResult& result) {
    return result.config == nullptr
               ? nullptr
               : static_cast<const BodySettings*>(result.config->routes[0].setting(kBodyKey));
  }

  std::filesystem::path dir_;
};

TEST_F(BodyConfigTest, ASchemaRelativeToTheConfigFileIsCompiledAndImpliesJson) {
  write("schemas/a.json", R"({"type":"object","properties":{"n":{"pattern":"^[a-z]+$"}}})");
  auto result = load("{schema: schemas/a.json}");
  ASSERT_TRUE(result.problems.empty()) << printed(result);
  const auto* s = settings_of(result);
  ASSERT_NE(s, nullptr);
  ASSERT_NE(s->schema, nullptr);
  EXPECT_TRUE(s->json);
  EXPECT_EQ(s->max_bytes, kDefaultBodyMaxBytes);  // 1 MiB when the route sets none
  EXPECT_EQ(s->schema->regex_count(), 1u);
}

TEST_F(BodyConfigTest, AnAbsolutePathIsAllowed) {
  write("abs.json", R"({"type":"string"})");
  auto result = load("{schema: " + (dir_ / "abs.json").string() + "}");
  ASSERT_TRUE(result.problems.empty()) << printed(result);
}

TEST_F(BodyConfigTest, AMissingFile) {
  auto result = load("{schema: schemas/none.json}");
  EXPECT_TRUE(has_only_problem(result, "routes[0].body.schema", "cannot read"));
  EXPECT_NE(printed(result).find("rampart.yaml:"), std::string::npos) << printed(result);
}

TEST_F(BodyConfigTest, OnlyARegularFile) {
  // A directory, or a device or FIFO that would block the load or never end.
  EXPECT_TRUE(
      has_only_problem(load("{schema: schemas}"), "routes[0].body.schema", "not a regular file"));
  EXPECT_TRUE(
      has_only_problem(load("{schema: /dev/zero}"), "routes[0].body.schema", "not a regular file"));
}

TEST_F(BodyConfigTest, NotJsonSaysAtWhichByte) {
  write("schemas/bad.json", "{\"type\": \"object\",}");
  auto result = load("{schema: schemas/bad.json}");
  EXPECT_TRUE(has_only_problem(result, "routes[0].body.schema", "is not JSON"));
  EXPECT_NE(printed(result).find("at byte 18"), std::string::npos) << printed(result);
}

TEST_F(BodyConfigTest, NotASchema) {
  write("schemas/bad.json", R"({"type": 12})");
  auto result = load("{schema: schemas/bad.json}");
  EXPECT_TRUE(has_only_problem(result, "routes[0].body.schema", "not a valid JSON Schema"));
  write("schemas/list.json", "[1]");
  EXPECT_TRUE(has_only_problem(load("{schema: schemas/list.json}"), "routes[0].body.schema",
                               "must be an object"));
}

TEST_F(BodyConfigTest, ARefOutsideTheDocumentIsRefused) {
  write("schemas/remote.json", R"({"properties":{"a":{"$ref":"http://localhost:1234/x.json"}}})");
  auto result = load("{schema: schemas/remote.json}");
  EXPECT_TRUE(has_only_problem(result, "routes[0].body.schema", "is not inside the schema file"));
  EXPECT_NE(printed(result).find("/properties/a/$ref"), std::string::npos) << printed(result);
  write("schemas/file.json", R"({"$ref":"other.json#/a"})");
  EXPECT_TRUE(has_only_problem(load("{schema: schemas/file.json}"), "routes[0].body.schema",
                               "rampart fetches no URL and reads no other file"));
}

TEST_F(BodyConfigTest, APatternRe2CannotRunNamesWhereItIs) {
  write("schemas/look.json", R"({"properties":{"a":{"pattern":"^(?!admin).*$"}}})");
  auto result = load("{schema: schemas/look.json}");
  EXPECT_TRUE(has_only_problem(result, "routes[0].body.schema",
                               "the pattern at /properties/a/pattern is not a regular expression"));
  write("schemas/pp.json", R"({"patternProperties":{"(a)\\1":{}}})");
  EXPECT_TRUE(has_only_problem(load("{schema: schemas/pp.json}"), "routes[0].body.schema",
                               "/patternProperties/(a)\\1"));
}

TEST_F(BodyConfigTest, WithoutSchemaNothingChanges) {
  auto result = load("{max_bytes: 2KiB}");
  ASSERT_TRUE(result.problems.empty()) << printed(result);
  EXPECT_FALSE(settings_of(result)->json);
  EXPECT_EQ(settings_of(result)->schema, nullptr);
}

}  // namespace
}  // namespace rampart::policies
