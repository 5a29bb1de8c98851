// SqliteStore::backup and restore (`rampart backup FILE`, `rampart restore FILE`).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <set>
#include <thread>

#include "sqlite_test_support.hpp"
#include "store/migrations.hpp"
#include "store/sqlite_store.hpp"
#include "store_contract.hpp"

namespace rampart::store {
namespace {

using contract::sample_key;
using contract::sample_user;
using contract::store_error_of;
using sqlite_test::location;
using sqlite_test::RawDb;
using sqlite_test::TempDir;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string key_id(int i) { return "b" + std::to_string(1'000'000 + i); }

/// A migrated store at `path` holding `keys` keys and one user.
void fill(const std::string& path, int keys) {
  SqliteStore store(location(path));
  store.migrate();
  for (int i = 0; i < keys; ++i) {
    store.insert_key(sample_key(key_id(i), i));
  }
  store.add_user(sample_user("alice"));
}

TEST(SqliteBackupTest, CopiesAConsistentSnapshotWhileAnotherConnectionWrites) {
  TempDir dir;
  auto path = dir.file("store.db");
  constexpr int kBefore = 20;
  fill(path, kBefore);
  std::atomic<bool> stop = false;
  std::atomic<int> written = kBefore;
  std::thread writer([&] {  // another process, adding keys in order
    SqliteStore other(location(path));
    while (!stop) {
      other.insert_key(sample_key(key_id(written), written));
      ++written;
    }
  });
  while (written < kBefore + 5) {
    std::this_thread::yield();
  }
  auto backup_path = dir.file("backup.db");
  SqliteStore(location(path)).backup(backup_path);
  auto during = written.load();
  stop = true;
  writer.join();

  EXPECT_EQ(RawDb(backup_path).value("PRAGMA integrity_check"), "ok");
  SqliteStore copy(location(backup_path));
  EXPECT_EQ(copy.schema_version(), latest_schema_version());
  EXPECT_TRUE(copy.find_user("alice"));
  // One snapshot: the keys of a prefix of the writer's inserts, none missing in between.
  auto keys = copy.list_keys();
  ASSERT_GE(keys.size(), static_cast<std::size_t>(kBefore));
  ASSERT_LE(keys.size(), static_cast<std::size_t>(during + 1));
  for (std::size_t i = 0; i < keys.size(); ++i) {
    contract::expect_same_key(keys[i], sample_key(key_id(static_cast<int>(i)), i));
  }
}

TEST(SqliteBackupTest, WritesOneSelfContainedFile) {
  TempDir dir;
  auto path = dir.file("store.db");
  fill(path, 3);
  SqliteStore store(location(path));
  store.backup(dir.file("backup.db"));
  EXPECT_FALSE(std::filesystem::exists(dir.file("backup.db-wal")));
  EXPECT_EQ(RawDb(dir.file("backup.db")).value("PRAGMA journal_mode"), "delete");
}

TEST(SqliteBackupTest, NeverOverwritesAFile) {
  TempDir dir;
  auto path = dir.file("store.db");
  fill(path, 3);
  auto existing = dir.file("previous.db");
  std::ofstream(existing) << "the previous backup";
  SqliteStore store(location(path));
  auto message = store_error_of([&] { store.backup(existing); });
  EXPECT_EQ(message, "store sqlite:" + path + ": backup file " + existing +
                         " exists already: choose a new name");
  EXPECT_EQ(std::filesystem::file_size(existing), 19u);
  EXPECT_THAT(store_error_of([&] { store.backup(path); }), HasSubstr("exists already"));
}

TEST(SqliteBackupTest, ABackupIntoAMissingDirectoryLeavesNothing) {
  TempDir dir;
  auto path = dir.file("store.db");
  fill(path, 1);
  auto message = store_error_of([&] { SqliteStore(location(path)).backup(dir.file("no/b.db")); });
  EXPECT_THAT(message, StartsWith("store sqlite:" + path + ": backup to " + dir.file("no/b.db")));
  EXPECT_FALSE(std::filesystem::exists(dir.file("no")));
}

TEST(SqliteBackupTest, RestoresIntoAnEmptyStore) {
  TempDir dir;
  fill(dir.file("source.db"), 5);
  SqliteStore(location(dir.file("source.db"))).backup(dir.file("backup.db"));
  for (bool migrated_first : {false, true}) {
    SCOPED_TRACE(migrated_first ? "into a migrated store" : "into a new file");
    auto path = dir.file(migrated_first ? "migrated.db" : "new.db");
    SqliteStore store(location(path));
    if (migrated_first) {
      store.migrate();
    }
    SqliteStore watcher(location(path));  // a running instance, polling
    auto seen = migrated_first ? watcher.change_version() : 0;
    store.restore(dir.file("backup.db"));
    EXPECT_EQ(store.schema_version(), latest_schema_version());
    EXPECT_EQ(watcher.list_keys().size(), 5u);
    EXPECT_TRUE(watcher.find_user("alice"));
    EXPECT_NE(watcher.change_version(), seen);
    EXPECT_GT(watcher.change_version(), 6u);  // past the backup's own 5 keys + 1 user
    EXPECT_EQ(RawDb(path).value("PRAGMA journal_mode"), "wal");
  }
}

TEST(SqliteBackupTest, RefusesToRestoreIntoAStoreThatHoldsAnything) {
  TempDir dir;
  fill(dir.file("source.db"), 2);
  SqliteStore(location(dir.file("source.db"))).backup(dir.file("backup.db"));
  auto path = dir.file("busy.db");
  SqliteStore store(location(path));
  store.migrate();
  store.insert_key(sample_key("mine0001", 1));
  auto message = store_error_of([&] { store.restore(dir.file("backup.db")); });
  EXPECT_EQ(message, "store sqlite:" + path +
                         ": restore needs an empty store, and this one holds 1 key(s) and 0 "
                         "user(s)");
  ASSERT_EQ(store.list_keys().size(), 1u);
  store.revoke_key("mine0001", 2);
  store.add_user(sample_user("bob"));  // a user alone makes it non-empty too
  EXPECT_THAT(store_error_of([&] { store.restore(dir.file("backup.db")); }),
              HasSubstr("holds 1 key(s) and 1 user(s)"));
}

TEST(SqliteBackupTest, RefusesToRestoreWhatIsNotABackup) {
  TempDir dir;
  auto path = dir.file("store.db");
  SqliteStore store(location(path));
  store.migrate();
  auto text = dir.file("notes.txt");
  std::ofstream(text) << std::string(5000, 'x');
  EXPECT_EQ(store_error_of([&] { store.restore(text); }),
            "store sqlite:" + path + ": restore from " + text + ": file is not an SQLite database");
  auto foreign = dir.file("foreign.db");
  RawDb(foreign).exec("CREATE TABLE notes (text TEXT)");
  EXPECT_EQ(store_error_of([&] { store.restore(foreign); }),
            "store sqlite:" + path + ": backup file " + foreign +
                " is not a rampart store (no schema_version table)");
  auto missing = dir.file("missing.db");
  EXPECT_THAT(store_error_of([&] { store.restore(missing); }),
              HasSubstr("cannot open it (No such file or directory)"));
  EXPECT_FALSE(std::filesystem::exists(missing));
  store.insert_key(sample_key("still001", 1));  // the store is untouched and usable
  EXPECT_EQ(store.list_keys().size(), 1u);
}

TEST(SqliteBackupTest, RefusesABackupFromANewerRampart) {
  TempDir dir;
  fill(dir.file("source.db"), 1);
  SqliteStore(location(dir.file("source.db"))).backup(dir.file("backup.db"));
  const int newer = latest_schema_version() + 1;
  RawDb(dir.file("backup.db"))
      .value("INSERT INTO schema_version (version, applied_at) VALUES (?, 0)", newer);
  SqliteStore store(location(dir.file("empty.db")));
  auto message = store_error_of([&] { store.restore(dir.file("backup.db")); });
  EXPECT_THAT(message, HasSubstr("newer"));
  EXPECT_THAT(message, HasSubstr(std::to_string(newer)));
  EXPECT_EQ(store.schema_version(), 0);
}

}  // namespace
}  // namespace rampart::store
