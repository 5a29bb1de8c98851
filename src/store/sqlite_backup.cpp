// SqliteStore's backup and restore: SQLite's online backup API, which copies a consistent
// snapshot page by page while other connections keep reading and writing.

#include <sqlite3.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <thread>

#include "store/migrations.hpp"
#include "store/sqlite_statement.hpp"
#include "store/sqlite_store.hpp"

namespace rampart::store {

using sqlite::Failure;
using sqlite::guarded;
using sqlite::Statement;

namespace {

/// Copies database `from` into `to`, replacing all of `to`.
void copy_database(sqlite3* from, sqlite3* to) {
  sqlite3_backup* copy = sqlite3_backup_init(to, "main", from, "main");
  if (copy == nullptr) {
    sqlite::throw_failure(to);
  }
  // All pages in one step: the copy then reads one snapshot and cannot restart. In WAL mode
  // the snapshot blocks no writer; in several steps, each write by another connection would
  // restart the copy from the first page. A lock held elsewhere (a checkpoint, a writer on
  // the destination) is retried until the busy timeout.
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(sqlite::kBusyTimeoutMs);
  int rc = sqlite3_backup_step(copy, -1);
  while ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    rc = sqlite3_backup_step(copy, -1);
  }
  int finished = sqlite3_backup_finish(copy);
  if (rc != SQLITE_DONE) {
    throw Failure{rc, sqlite3_errstr(rc)};
  }
  if (finished != SQLITE_OK) {
    sqlite::throw_failure(to);
  }
}

/// A second connection, to a backup file; closed on scope exit.
class File {
 public:
  File(const std::string& path, int flags) {
    if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
      int system_errno = db_ ? sqlite3_system_errno(db_) : 0;
      std::string why = system_errno ? std::strerror(system_errno) : sqlite3_errmsg(db_);
      sqlite3_close(db_);
      db_ = nullptr;
      throw Failure{SQLITE_CANTOPEN, "cannot open it (" + why + ")"};
    }
    sqlite3_extended_result_codes(db_, 1);
    // The file may come from anywhere: its schema must not get to run side effects.
    sqlite3_db_config(db_, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
    sqlite3_db_config(db_, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
    sqlite3_busy_timeout(db_, sqlite::kBusyTimeoutMs);
  }
  ~File() { sqlite3_close(db_); }
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  sqlite3* get() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

std::int64_t rows_in(sqlite3* db, const char* table, const char* count_sql) {
  if (!sqlite::has_table(db, table)) {
    return 0;
  }
  Statement query(db, count_sql);
  query.step();
  return query.integer(0);
}

std::int64_t change_version_of(sqlite3* db) {
  if (!sqlite::has_table(db, "store_meta")) {
    return 0;
  }
  Statement query(db, "SELECT value FROM store_meta WHERE key = 'change_version'");
  return query.step() ? query.integer(0) : 0;
}

}  // namespace

void SqliteStore::backup(const std::string& path) {
  // Never over an existing file: it may be the previous good backup, or the store itself.
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    fail("backup file " + path + " exists already: choose a new name");
  }
  guarded(display_, "backup to " + path, [&] {
    try {
      File out(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
      copy_database(db_, out.get());
      // The copy keeps the source's WAL flag; a backup is better as one self-contained file.
      sqlite::exec(out.get(), "PRAGMA journal_mode = DELETE");
    } catch (...) {
      std::filesystem::remove(path, ec);
      throw;
    }
  });
}

void SqliteStore::restore(const std::string& path) {
  guarded(display_, "restore from " + path, [&] {
    // Checked, then copied, not in one transaction (the backup API cannot run inside one): a
    // key added by another process in between would be replaced. Restore is an operator's
    // step on a new store, where nothing else writes.
    auto keys = rows_in(db_, "api_keys", "SELECT count(*) FROM api_keys");
    auto users = rows_in(db_, "admin_users", "SELECT count(*) FROM admin_users");
    if (keys != 0 || users != 0) {
      fail("restore needs an empty store, and this one holds " + std::to_string(keys) +
           " key(s) and " + std::to_string(users) + " user(s)");
    }
    File in(path, SQLITE_OPEN_READONLY);
    // Checked before anything is copied: a damaged or foreign file must leave the store as
    // it was. integrity_check also reads every page, so "not a database" surfaces here.
    Statement check(in.get(), "PRAGMA integrity_check");
    auto verdict = check.step() ? check.text(0) : std::string("no answer");
    if (verdict != "ok") {
      fail("backup file " + path + " is damaged: " + verdict);
    }
    int version = sqlite::version_of(in.get());
    if (version == 0) {
      fail("backup file " + path + " is not a rampart store (no schema_version table)");
    }
    if (version > latest_schema_version()) {
      fail("backup file " + path + ": " + newer_schema_message(version));
    }
    // The copy brings the backup's change counter, which running instances may have seen
    // already; moving past both makes them reload the restored keys.
    auto before = change_version_of(db_);
    copy_database(in.get(), db_);
    if (sqlite::has_table(db_, "store_meta")) {
      Statement bump(
          db_, "UPDATE store_meta SET value = max(value, ?) + 1 WHERE key = 'change_version'");
      bump.integer(1, before).step();
    }
  });
}

}  // namespace rampart::store
