#include "config/store_url.hpp"

#include <gtest/gtest.h>

#include "config_test_support.hpp"

namespace rampart::config {
namespace {

using namespace testing_support;

TEST(StoreUrl, SqlitePaths) {
  std::string error;
  auto where = parse_store_url("sqlite:rampart.db", error);
  ASSERT_TRUE(where) << error;
  EXPECT_EQ(where->kind, StoreLocation::Kind::sqlite);
  EXPECT_EQ(where->path, "rampart.db");
  where = parse_store_url("sqlite:/var/lib/rampart/r.db", error);
  ASSERT_TRUE(where);
  EXPECT_EQ(where->path, "/var/lib/rampart/r.db");
  EXPECT_FALSE(parse_store_url("sqlite:", error));
  EXPECT_FALSE(parse_store_url("sqlite:///x.db", error));
  EXPECT_FALSE(parse_store_url("mysql://h/db", error));
  EXPECT_FALSE(parse_store_url("sqlite:a\nb", error));
}

TEST(StoreUrl, PostgresqlPasswordsNeverShow) {
  std::string error;
  auto where = parse_store_url("postgresql://app:s3cret@db.internal:5432/rampart", error);
  ASSERT_TRUE(where) << error;
  EXPECT_EQ(where->kind, StoreLocation::Kind::postgresql);
  EXPECT_EQ(where->conninfo, "postgresql://app:s3cret@db.internal:5432/rampart");
  EXPECT_EQ(where->display, "postgresql://app:***@db.internal:5432/rampart");
  where = parse_store_url("postgres://app@db/rampart?sslmode=require", error);
  ASSERT_TRUE(where);
  EXPECT_EQ(where->display, "postgres://app@db/rampart?sslmode=require");
  EXPECT_FALSE(parse_store_url("postgresql://app:s3cret@db.internal:5432/", error));
  EXPECT_EQ(error.find("s3cret"), std::string::npos);
  EXPECT_FALSE(parse_store_url("postgresql:///rampart", error));
}

TEST(StoreUrl, AmbiguousUserInfoIsRefusedWithoutShowingThePassword) {
  // Where does the password end? A guess would print part of it: refuse, and say how to
  // write it.
  for (const char* url :
       {"postgresql://u:zq/xj@h/db", "postgresql://u:zq@xj@h/db", "postgresql://u:zq?xj@h/db"}) {
    std::string error;
    auto where = parse_store_url(url, error);
    EXPECT_FALSE(where) << url;
    EXPECT_NE(error.find("%40"), std::string::npos) << error;
    EXPECT_EQ(error.find("zq"), std::string::npos) << error;
    EXPECT_EQ(error.find("xj"), std::string::npos) << error;
  }
  std::string error;
  auto where =
      parse_store_url("postgresql://u:p%40ss@h/db?sslmode=require&password=hunter2", error);
  ASSERT_TRUE(where) << error;
  EXPECT_EQ(where->display, "postgresql://u:***@h/db?sslmode=require&password=***");
}

TEST(StoreUrl, TheConfigKeyIsReadAndCheckedWithItsPosition) {
  auto result = load(valid_yaml() + "store: \"sqlite:/tmp/x.db\"\n");
  ASSERT_TRUE(result.problems.empty()) << printed(result);
  EXPECT_EQ(result.config->store.path, "/tmp/x.db");
  EXPECT_EQ(load(valid_yaml()).config->store.path, "rampart.db");  // the default
  EXPECT_TRUE(has_only_problem(load(valid_yaml() + "store: \"postgresql://u:pw@h/\"\n"), "store",
                               "needs a database name"));
}

}  // namespace
}  // namespace rampart::config
