#include "store/postgres_store.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <barrier>
#include <cstdlib>
#include <thread>

#include "config/store_url.hpp"
#include "postgres_server.hpp"
#include "store_contract.hpp"

namespace rampart::store {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using testing_support::PostgresServer;

StoreLocation location(const std::string& url) {
  std::string error;
  auto where = config::parse_store_url(url, error);
  if (!where) {
    throw std::runtime_error("test URL " + url + " refused: " + error);
  }
  return *where;
}

/// One test's own database on the binary's throwaway server: the contract's Backend.
class PostgresBackend {
 public:
  PostgresBackend() : server_(PostgresServer::shared(reason_)) {
    if (server_) {
      database_ = server_->create_database();
    }
  }
  ~PostgresBackend() {
    if (server_) {
      server_->drop_database(database_);
    }
  }

  /// Why the test cannot run (PostgreSQL missing or not starting); empty when it can. Where
  /// PostgreSQL is known to be installed (CI), RAMPART_REQUIRE_POSTGRES=1 makes that a
  /// failure rather than a skip.
  std::string skip_reason() const {
    if (server_ != nullptr) {
      return {};
    }
    if (const char* required = std::getenv("RAMPART_REQUIRE_POSTGRES");
        required != nullptr && std::string_view(required) == "1") {
      ADD_FAILURE() << "RAMPART_REQUIRE_POSTGRES=1 but " << reason_;
    }
    return "PostgreSQL tests skipped: " + reason_;
  }

  std::unique_ptr<Store> open() { return open_postgres_store(location(url())); }

  void stamp_schema_version(int version) {
    auto error =
        server_->execute(database_, "INSERT INTO schema_version (version, applied_at) VALUES (" +
                                        std::to_string(version) + ", 0)");
    ASSERT_EQ(error, "");
  }

  std::string url() const { return server_->url(database_); }
  PostgresServer& server() { return *server_; }
  const std::string& database() const { return database_; }

 private:
  std::string reason_;
  PostgresServer* server_;
  std::string database_;
};

}  // namespace

INSTANTIATE_TYPED_TEST_SUITE_P(Postgres, StoreContract, PostgresBackend);

namespace {

/// What only PostgreSQL has: a server that can refuse, drop connections, and be shared by
/// instances that start at the same moment.
class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    backend_ = std::make_unique<PostgresBackend>();
    if (auto reason = backend_->skip_reason(); !reason.empty()) {
      GTEST_SKIP() << reason;
    }
  }

  PostgresBackend& backend() { return *backend_; }

  /// The StoreError of opening `url` and migrating.
  static std::string open_error(const std::string& url) {
    return contract::store_error_of([&] { open_postgres_store(location(url))->migrate(); });
  }

 private:
  std::unique_ptr<PostgresBackend> backend_;
};

TEST_F(PostgresStoreTest, AWrongPasswordIsNamedButNeverShown) {
  const std::string wrong = "Wr0ng-Pa55word-q7";
  auto url = "postgresql://rampart:" + wrong +
             "@127.0.0.1:" + std::to_string(backend().server().port()) + "/" + backend().database();
  auto message = open_error(url);
  EXPECT_THAT(message, StartsWith("store postgresql://rampart:***@127.0.0.1:"));
  EXPECT_THAT(message, HasSubstr("password authentication failed"));
  EXPECT_THAT(message, Not(HasSubstr(wrong)));
  EXPECT_THAT(message, Not(HasSubstr("\n")));
}

TEST_F(PostgresStoreTest, AClosedPortIsNamedWithoutThePassword) {
  const auto& password = backend().server().password();
  auto port = std::to_string(testing_support::pg_detail::free_port());
  auto message = open_error("postgresql://rampart:" + password + "@127.0.0.1:" + port + "/db");
  EXPECT_THAT(message, StartsWith("store postgresql://rampart:***@127.0.0.1:" + port + "/db: "));
  EXPECT_THAT(message, HasSubstr("cannot connect"));
  EXPECT_THAT(message, HasSubstr("refused"));
  EXPECT_THAT(message, Not(HasSubstr(password)));
  EXPECT_THAT(message, Not(HasSubstr("\n")));
}

// libpq quotes the whole URL in some of its parse errors: the password must be cut out of
// its words too, in every form it was written (no server needed).
TEST(PostgresStoreUrlTest, APasswordLibpqQuotesIsCutOut) {
  for (std::string url : {"postgresql://rampart:S3cretInUri@[::1/db",
                          "postgresql://rampart:S3cret%2FIn%2FUri@[::1/db",
                          "postgresql://rampart:S3cret%zzInUri@127.0.0.1:1/db",
                          "postgresql://rampart@127.0.0.1:1/db?password=S3cretInQuery&port=x1",
                          "postgresql://rampart@127.0.0.1:1/db?port=x1&password=S3cretInQuery"}) {
    auto message = contract::store_error_of([&] { open_postgres_store(location(url))->migrate(); });
    EXPECT_THAT(message, StartsWith("store postgres")) << url;
    for (const char* secret : {"S3cret", "InUri", "In%2FUri", "In/Uri", "zzIn", "InQuery"}) {
      EXPECT_THAT(message, Not(HasSubstr(secret))) << url;
    }
    EXPECT_THAT(message, Not(HasSubstr("\n")));
  }
}

// libpq ends the user info at the first '@' and the host at the first '/' or '?'; a password
// holding one of them would otherwise reach a message as part of a host or port name.
TEST(PostgresStoreUrlTest, APasswordWithARawAtSlashOrQuestionMarkIsNotShown) {
  for (std::string url : {"postgresql://rampart:Sec@ret9x@127.0.0.1:1/db",
                          "postgresql://rampart:Sec/ret9x@127.0.0.1:1/db",
                          "postgresql://rampart:Sec?ret9x@127.0.0.1:1/db"}) {
    // parse_store_url refuses these (config/store_url.cpp); the store refuses them too, for a
    // location built another way.
    std::string error;
    EXPECT_FALSE(config::parse_store_url(url, error)) << url;
    StoreLocation where;
    where.kind = StoreLocation::Kind::postgresql;
    where.conninfo = url;
    where.display = "postgresql://***";
    auto message = contract::store_error_of([&] { open_postgres_store(where)->migrate(); });
    EXPECT_THAT(message, StartsWith("store postgresql://***: ")) << url;
    EXPECT_THAT(message, HasSubstr("%40")) << url;
    EXPECT_THAT(message, Not(HasSubstr("Sec"))) << url;
    EXPECT_THAT(message, Not(HasSubstr("ret9x"))) << url;
  }
}

// Cutting the password out of libpq's words must not cut it out of every word: a password
// that is also the user name, or part of "postgresql", is common on a developer's machine.
TEST(PostgresStoreUrlTest, ACommonPasswordLeavesTheMessageReadable) {
  auto port = std::to_string(testing_support::pg_detail::free_port());
  auto message = contract::store_error_of([&] {
    open_postgres_store(location("postgresql://postgres:postgres@127.0.0.1:" + port + "/db"));
  });
  EXPECT_THAT(message, StartsWith("store postgresql://postgres:***@127.0.0.1:" + port +
                                  "/db: cannot "
                                  "connect: connection to server at \"127.0.0.1\", port " +
                                  port));
}

TEST_F(PostgresStoreTest, InstancesMigratingAtOnceAllSucceed) {
  // Without the advisory lock, two CREATE TABLE schema_version race and one instance fails.
  for (int round = 0; round < 3; ++round) {
    PostgresBackend fresh;
    constexpr int kInstances = 4;
    std::vector<std::unique_ptr<Store>> stores;
    for (int i = 0; i < kInstances; ++i) {
      stores.push_back(fresh.open());
    }
    std::barrier start(kInstances);
    std::vector<int> reached(kInstances, -1);
    std::vector<std::string> errors(kInstances);
    std::vector<std::thread> threads;
    for (int i = 0; i < kInstances; ++i) {
      threads.emplace_back([&, i] {
        start.arrive_and_wait();
        try {
          reached[i] = stores[i]->migrate();
        } catch (const StoreError& e) {
          errors[i] = e.what();
        }
      });
    }
    for (auto& thread : threads) {
      thread.join();
    }
    for (int i = 0; i < kInstances; ++i) {
      EXPECT_EQ(errors[i], "") << "instance " << i;
      EXPECT_EQ(reached[i], latest_schema_version()) << "instance " << i;
    }
    EXPECT_EQ(fresh.open()->schema_version(), latest_schema_version());
    // Each version recorded once.
    auto error = fresh.server().execute(
        fresh.database(),
        "DO $$ BEGIN IF (SELECT count(*) <> count(DISTINCT version) OR count(*) <> " +
            std::to_string(latest_schema_version()) +
            " FROM schema_version) THEN RAISE 'duplicate versions'; END IF; END $$");
    EXPECT_EQ(error, "");
  }
}

TEST_F(PostgresStoreTest, AnotherInstanceSeesKeyChangesAtOnce) {
  auto cli = backend().open();
  auto instance = backend().open();
  cli->migrate();
  auto before = instance->change_version();
  cli->insert_key(contract::sample_key("newkey01", 1));
  auto after_insert = instance->change_version();
  EXPECT_GT(after_insert, before);
  ASSERT_TRUE(instance->find_key("newkey01"));
  ASSERT_TRUE(cli->revoke_key("newkey01", 5));
  EXPECT_GT(instance->change_version(), after_insert);
  EXPECT_EQ(instance->find_key("newkey01")->revoked, 5);
}

TEST_F(PostgresStoreTest, BackupAndRestoreNameThePostgresTools) {
  auto store = backend().open();
  store->migrate();
  auto backup = contract::store_error_of([&] { store->backup("/tmp/rampart.dump"); });
  EXPECT_THAT(backup, StartsWith("store postgresql://rampart:***@"));
  EXPECT_THAT(backup, HasSubstr("pg_dump"));
  EXPECT_THAT(backup, Not(HasSubstr(backend().server().password())));
  auto restore = contract::store_error_of([&] { store->restore("/tmp/rampart.dump"); });
  EXPECT_THAT(restore, HasSubstr("pg_restore"));
  EXPECT_THAT(restore, HasSubstr("psql"));
  EXPECT_THAT(restore, Not(HasSubstr(backend().server().password())));
}

TEST_F(PostgresStoreTest, ANulByteInTextIsRefusedNotCut) {
  // Strings go as binary parameters with their length: a C string would stop at the NUL and
  // store or match "evil" for "evil\0admin".
  auto store = backend().open();
  store->migrate();
  store->add_user(contract::sample_user("evil"));
  const std::string hostile("evil\0admin", 10);
  auto key = contract::sample_key("nul00001", 1);
  key.name = hostile;
  auto message = contract::store_error_of([&] { store->insert_key(key); });
  EXPECT_THAT(message, StartsWith("store "));
  EXPECT_THAT(message, HasSubstr("nul00001"));
  EXPECT_FALSE(store->find_key("nul00001"));
  EXPECT_THAT(contract::store_error_of([&] { store->find_user(hostile); }), StartsWith("store "));
  EXPECT_THAT(contract::store_error_of([&] { store->add_user(contract::sample_user(hostile)); }),
              StartsWith("store "));
  EXPECT_THAT(contract::store_error_of([&] { store->remove_user(hostile); }), StartsWith("store "));
  ASSERT_EQ(store->list_users().size(), 1u);
  EXPECT_EQ(store->list_users()[0].name, "evil");
}

TEST_F(PostgresStoreTest, ComesBackAfterTheServerDropsTheConnection) {
  auto store = backend().open();
  store->migrate();
  store->insert_key(contract::sample_key("survive1", 1));
  auto drop_all = [&] {
    ASSERT_EQ(
        backend().server().execute("postgres",
                                   "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                                   "datname = '" +
                                       backend().database() + "'"),
        "");
  };
  drop_all();
  EXPECT_TRUE(store->ping());  // a read runs again on a new connection
  drop_all();
  EXPECT_EQ(store->list_keys().size(), 1u);
  drop_all();
  // A write is not repeated (a broken COMMIT may or may not have happened): it fails with one
  // line, and the next call connects again.
  auto message = contract::store_error_of([&] { store->revoke_key("survive1", 2); });
  EXPECT_THAT(message, StartsWith("store "));
  EXPECT_THAT(message, Not(HasSubstr("\n")));
  EXPECT_TRUE(store->revoke_key("survive1", 3));
}

TEST_F(PostgresStoreTest, AnUnmigratedStoreSaysToMigrate) {
  auto store = backend().open();
  EXPECT_EQ(store->schema_version(), 0);
  EXPECT_THAT(contract::store_error_of([&] { store->list_keys(); }),
              HasSubstr("run rampart migrate"));
}

}  // namespace
}  // namespace rampart::store
