#include "store/sqlite_store.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "sqlite_test_support.hpp"
#include "store/migrations.hpp"
#include "store_contract.hpp"

namespace rampart::store {

INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, StoreContract, sqlite_test::SqliteContractBackend);

namespace {

using contract::sample_key;
using contract::sample_user;
using contract::store_error_of;
using sqlite_test::location;
using sqlite_test::RawDb;
using sqlite_test::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

TEST(SqliteStoreTest, UsesTheWriteAheadLog) {
  TempDir dir;
  auto path = dir.file("store.db");
  SqliteStore store(location(path));
  store.migrate();
  EXPECT_EQ(RawDb(path).value("PRAGMA journal_mode"), "wal");
  EXPECT_TRUE(std::filesystem::exists(path + "-wal"));
}

TEST(SqliteStoreTest, WaitsForAnotherWriterWithinTheBusyTimeout) {
  TempDir dir;
  auto path = dir.file("store.db");
  SqliteStore store(location(path));
  store.migrate();
  RawDb other(path);
  other.exec("BEGIN IMMEDIATE");  // another process holds the write lock...
  other.exec("UPDATE store_meta SET value = value WHERE key = 'change_version'");
  auto started = std::chrono::steady_clock::now();
  std::thread writer([&] { store.insert_key(sample_key("waited01", 1)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  other.exec("COMMIT");  // ...for 300 ms: the insert waits instead of failing
  writer.join();
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(250));
  EXPECT_TRUE(store.find_key("waited01"));
}

TEST(SqliteStoreTest, TwoConnectionsWritingAtOnceBothSucceed) {
  TempDir dir;
  auto path = dir.file("store.db");
  SqliteStore(location(path)).migrate();
  constexpr int kEach = 60;
  auto write = [&](char who) {
    SqliteStore store(location(path));
    for (int i = 0; i < kEach; ++i) {
      auto id = std::string(1, who) + std::to_string(1'000'000 + i);
      store.insert_key(sample_key(id, i));
      store.record_last_used({{id, i}});
      EXPECT_TRUE(store.find_key(id));
    }
  };
  std::thread a(write, 'a');
  std::thread b(write, 'b');
  a.join();
  b.join();
  EXPECT_EQ(SqliteStore(location(path)).list_keys().size(), 2u * kEach);
}

TEST(SqliteStoreTest, MigrationsAreNumberedWithoutGapsInBothDialects) {
  int expected = 1;
  for (const auto& migration : migrations()) {
    EXPECT_EQ(migration.version, expected++);
    EXPECT_THAT(migration.sqlite, HasSubstr("CREATE"));
    EXPECT_THAT(migration.postgresql, HasSubstr("CREATE"));
    EXPECT_THAT(migration.postgresql, Not(HasSubstr("BLOB")));  // BYTEA there
  }
  EXPECT_EQ(latest_schema_version(), expected - 1);
}

TEST(SqliteStoreTest, MigratesFromEveryEarlierVersionKeepingTheData) {
  const int latest = latest_schema_version();
  for (int from = 0; from < latest; ++from) {
    SCOPED_TRACE("from version " + std::to_string(from));
    TempDir dir;
    auto path = dir.file("store.db");
    {
      SqliteStore older(location(path));  // what an older rampart left behind
      ASSERT_EQ(older.migrate_to(from), from);
      if (from >= 1) {
        older.insert_key(sample_key("old00001", 1));
        older.add_user(sample_user("alice"));
      }
    }
    SqliteStore store(location(path));
    EXPECT_EQ(store.schema_version(), from);
    EXPECT_EQ(store.migrate(), latest);
    EXPECT_EQ(store.schema_version(), latest);
    if (from >= 1) {
      contract::expect_same_key(*store.find_key("old00001"), sample_key("old00001", 1));
      EXPECT_TRUE(store.find_user("alice"));
    }
    RawDb raw(path);
    EXPECT_EQ(raw.value("SELECT count(*) FROM schema_version"), std::to_string(latest));
    EXPECT_EQ(raw.value("SELECT count(*) FROM schema_version WHERE applied_at > 1600000000"),
              std::to_string(latest));
    EXPECT_EQ(raw.value("SELECT count(*) FROM sqlite_master WHERE name = 'webhook_replays'"), "1");
  }
}

TEST(SqliteStoreTest, AnUnmigratedStoreSaysToMigrate) {
  TempDir dir;
  SqliteStore store(location(dir.file("store.db")));
  EXPECT_THAT(store_error_of([&] { store.find_key("abcd1234"); }), HasSubstr("rampart migrate"));
}

// --- Opening: one clear line for each way it goes wrong -------------------------------------

TEST(SqliteStoreTest, RefusesAFileThatIsNotADatabase) {
  TempDir dir;
  for (std::size_t size : {5u, 100u, 5000u}) {
    auto path = dir.file("notes" + std::to_string(size) + ".txt");
    std::ofstream(path) << std::string(size, 'x') << '\n';
    auto message = store_error_of([&] { open_store(location(path)); });
    EXPECT_EQ(message, "store sqlite:" + path + ": file is not an SQLite database");
  }
}

TEST(SqliteStoreTest, RefusesAPathInAMissingDirectory) {
  TempDir dir;
  auto path = dir.file("missing/store.db");
  auto message = store_error_of([&] { open_store(location(path)); });
  EXPECT_THAT(message, StartsWith("store sqlite:" + path + ": "));
  EXPECT_THAT(message, HasSubstr("directory " + dir.file("missing") + " does not exist"));
  EXPECT_FALSE(std::filesystem::exists(dir.file("missing")));
}

TEST(SqliteStoreTest, MessagesStayOnOneLine) {
  TempDir dir;
  StoreLocation where;  // built by hand: the URL parser would refuse the newline
  where.path = dir.file("new\nline/store.db");
  where.display = "sqlite:" + where.path;
  auto message = store_error_of([&] { SqliteStore store(where); });
  EXPECT_THAT(message, Not(HasSubstr("\n")));
  EXPECT_THAT(message, HasSubstr("new\\x0aline"));
}

/// Runs `open` in a child process that became the unprivileged user `nobody` (root writes
/// anywhere, whatever the mode bits say); returns its StoreError message.
std::string message_as_nobody(const std::function<void()>& open) {
  const passwd* nobody = getpwnam("nobody");
  if (geteuid() != 0 || nobody == nullptr) {
    return "skip: needs root and a nobody user to drop privileges";
  }
  int out[2];
  if (pipe(out) != 0) {
    return "skip: pipe failed";
  }
  pid_t child = fork();
  if (child == 0) {
    close(out[0]);
    if (setgid(nobody->pw_gid) != 0 || setuid(nobody->pw_uid) != 0) {
      ssize_t ignored = write(out[1], "skip: setuid failed", 19);
      (void)ignored;
      _exit(3);
    }
    std::string message = "opened without an error";
    try {
      open();
    } catch (const StoreError& e) {
      message = e.what();
    }
    ssize_t ignored = write(out[1], message.data(), message.size());
    (void)ignored;
    _exit(0);
  }
  close(out[1]);
  std::string message;
  char buffer[512];
  for (ssize_t n; (n = read(out[0], buffer, sizeof buffer)) > 0;) {
    message.append(buffer, static_cast<std::size_t>(n));
  }
  close(out[0]);
  waitpid(child, nullptr, 0);
  return message;
}

TEST(SqliteStoreTest, RefusesAReadOnlyFileOrDirectory) {
  TempDir dir;
  const passwd* nobody = getpwnam("nobody");
  ASSERT_EQ(chmod(dir.path().c_str(), 0755), 0);
  // A store file nobody may read but not write, in a directory nobody may write.
  auto writable_dir = dir.file("writable");
  std::filesystem::create_directory(writable_dir);
  auto read_only_file = writable_dir + "/store.db";
  SqliteStore(location(read_only_file)).migrate();
  std::filesystem::remove(read_only_file + "-wal");
  std::filesystem::remove(read_only_file + "-shm");
  // A directory nobody may not write, with a store file nobody may write.
  auto read_only_dir = dir.file("read-only");
  std::filesystem::create_directory(read_only_dir);
  auto file_in_read_only_dir = read_only_dir + "/store.db";
  {
    SqliteStore store(location(file_in_read_only_dir));
  }  // closing the last connection removes -wal and -shm
  if (nobody != nullptr) {
    ASSERT_EQ(chown(writable_dir.c_str(), nobody->pw_uid, nobody->pw_gid), 0);
    ASSERT_EQ(chmod(read_only_file.c_str(), 0444), 0);
    ASSERT_EQ(chown(file_in_read_only_dir.c_str(), nobody->pw_uid, nobody->pw_gid), 0);
  }

  auto message = message_as_nobody([&] { SqliteStore store(location(read_only_file)); });
  if (message.starts_with("skip:")) {
    GTEST_SKIP() << message.substr(6);
  }
  EXPECT_EQ(message, "store sqlite:" + read_only_file +
                         ": the file is read-only (rampart writes keys and users to it)");
  message = message_as_nobody([&] { SqliteStore store(location(read_only_dir + "/new.db")); });
  EXPECT_THAT(message, StartsWith("store sqlite:" + read_only_dir + "/new.db: "));
  EXPECT_THAT(message, HasSubstr("directory " + read_only_dir + " is not writable"));
  message = message_as_nobody([&] { SqliteStore store(location(file_in_read_only_dir)); });
  EXPECT_THAT(message, StartsWith("store sqlite:" + file_in_read_only_dir + ": "));
  EXPECT_THAT(message, HasSubstr("directory must be writable"));
}

// --- Durability -----------------------------------------------------------------------------

/// Kills the child, if still there, whatever way the test ends.
struct ChildGuard {
  pid_t pid;
  ~ChildGuard() {
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  }
};

TEST(SqliteStoreTest, EveryCommittedKeySurvivesAKilledWriter) {
  TempDir dir;
  auto path = dir.file("store.db");
  SqliteStore(location(path)).migrate();  // closed before the fork: no connection crosses it
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  ChildGuard child{fork()};
  ASSERT_GE(child.pid, 0);
  if (child.pid == 0) {
    close(out[0]);
    try {
      SqliteStore store(location(path));
      for (int i = 0;; ++i) {
        auto id = "k" + std::to_string(1'000'000 + i);
        store.insert_key(sample_key(id, i));
        auto line = id + "\n";  // printed only once the commit returned
        if (write(out[1], line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
          _exit(2);
        }
      }
    } catch (...) {
      _exit(1);
    }
  }
  close(out[1]);
  std::string printed;
  char buffer[4096];
  while (std::count(printed.begin(), printed.end(), '\n') < 100) {
    ssize_t n = read(out[0], buffer, sizeof buffer);
    ASSERT_GT(n, 0) << "the writer stopped early";
    printed.append(buffer, static_cast<std::size_t>(n));
  }
  kill(child.pid, SIGKILL);  // mid-way: most likely inside an insert
  for (ssize_t n; (n = read(out[0], buffer, sizeof buffer)) > 0;) {
    printed.append(buffer, static_cast<std::size_t>(n));
  }
  close(out[0]);

  SqliteStore store(location(path));
  EXPECT_TRUE(store.ping());
  EXPECT_EQ(RawDb(path).value("PRAGMA integrity_check"), "ok");
  std::istringstream lines(printed);
  int checked = 0;
  for (std::string id; std::getline(lines, id);) {
    EXPECT_TRUE(store.find_key(id)) << id << " was committed, then lost";
    ++checked;
  }
  EXPECT_GE(checked, 100);
  EXPECT_GE(store.list_keys().size(), static_cast<std::size_t>(checked));
}

}  // namespace
}  // namespace rampart::store
