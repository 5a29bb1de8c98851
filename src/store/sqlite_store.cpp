#include "store/sqlite_store.hpp"

#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "store/migrations.hpp"
#include "store/sqlite_statement.hpp"

namespace rampart::store {

using sqlite::exec;
using sqlite::Failure;
using sqlite::guarded;
using sqlite::Statement;
using sqlite::version_of;
using sqlite::WriteTransaction;

namespace {

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// Part of every key and user write, in the same transaction: running instances poll the
/// counter to know when to reload their keys.
void bump_change_version(sqlite3* db) {
  exec(db, "UPDATE store_meta SET value = value + 1 WHERE key = 'change_version'");
}

constexpr const char* kKeyColumns =
    "SELECT id, secret_sha256, name, tier, created, expires, revoked, last_used FROM api_keys";

ApiKeyRecord read_key(const Statement& row) {
  return ApiKeyRecord{row.text(0),
                      row.blob(1),
                      row.text(2),
                      row.text(3),
                      row.integer(4),
                      row.optional_integer(5),
                      row.optional_integer(6),
                      row.optional_integer(7)};
}

AdminUser read_user(const Statement& row) {
  return AdminUser{row.text(0), row.text(1), row.integer(2)};
}

/// Why a file could not be opened, in the operator's terms rather than SQLite's "unable to
/// open database file".
std::string cannot_open(const std::string& path, int system_errno) {
  auto dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) {
    dir = ".";
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return "cannot create the file: directory " + dir.string() + " does not exist";
  }
  // access() asks with our own uid: when root, the mode bits do not stop us.
  if (!std::filesystem::exists(path, ec) && access(dir.c_str(), W_OK) != 0) {
    return "cannot create the file: directory " + dir.string() + " is not writable";
  }
  std::string what = "cannot open or create the file";
  if (system_errno != 0) {
    what += std::string(" (") + std::strerror(system_errno) + ")";
  }
  return what;
}

}  // namespace

SqliteStore::SqliteStore(const StoreLocation& where)
    : display_(where.display.empty() ? "sqlite:" + where.path : where.display) {
  open(where.path);
  try {
    configure();
  } catch (...) {
    sqlite3_close(db_);
    throw;
  }
}

SqliteStore::~SqliteStore() { sqlite3_close(db_); }

void SqliteStore::fail(const std::string& what) const { throw sqlite::error(display_, what); }

void SqliteStore::open(const std::string& path) {
  // NOMUTEX: a Store is used by one thread at a time (store.hpp), so SQLite's own lock per
  // call would only cost.
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    int system_errno = db_ ? sqlite3_system_errno(db_) : 0;
    sqlite3_close(db_);
    fail(cannot_open(path, system_errno));
  }
  // SQLite falls back to read-only when the file is write-protected; rampart must write (keys,
  // last_used, its write-ahead log), so say so now rather than at the first write.
  if (sqlite3_db_readonly(db_, "main") == 1) {
    sqlite3_close(db_);
    fail("the file is read-only (rampart writes keys and users to it)");
  }
}

void SqliteStore::configure() {
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, sqlite::kBusyTimeoutMs);
  // A store file may come from elsewhere (restore): its schema must not run SQL functions with
  // side effects, nor let SQL corrupt the file through writable_schema.
  sqlite3_db_config(db_, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
  sqlite3_db_config(db_, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  guarded(display_, "", [&] {
    exec(db_, "PRAGMA foreign_keys = ON");
    // Reading the header happens here: a file that is not a database fails on this line.
    std::string mode;
    try {
      Statement wal(db_, "PRAGMA journal_mode = WAL");
      wal.step();
      mode = wal.text(0);
    } catch (const Failure& failure) {
      int code = failure.code & 0xff;
      if (code == SQLITE_READONLY || code == SQLITE_CANTOPEN) {
        // WAL keeps two files next to the database (-wal, -shm), created on first use.
        fail(
            "cannot create the write-ahead log next to the file: the directory must be "
            "writable");
      }
      throw;
    }
    if (mode != "wal") {
      fail("cannot use WAL mode (the journal mode stays \"" + mode + "\")");
    }
    // FULL: with WAL, every commit waits for the log to reach the disk. NORMAL would survive a
    // killed process too, but a power cut could undo the last commits, such as a revocation
    // already confirmed to the operator. Writes are rare (a CLI command, a last_used batch),
    // so one fsync each costs nothing a request would notice.
    exec(db_, "PRAGMA synchronous = FULL");
  });
}

int SqliteStore::schema_version() {
  return guarded(display_, "reading the schema version", [&] { return version_of(db_); });
}

int SqliteStore::migrate() { return migrate_to(latest_schema_version()); }

int SqliteStore::migrate_to(int target) {
  int current = schema_version();
  if (current > latest_schema_version()) {
    fail(newer_schema_message(current));
  }
  for (const auto& migration : migrations()) {
    if (migration.version <= current || migration.version > target) {
      continue;
    }
    auto doing = "migrating to version " + std::to_string(migration.version) + " (" +
                 migration.summary + ")";
    guarded(display_, doing, [&] {
      WriteTransaction transaction(db_);
      // Another process may have applied it since we looked (serve starting while `rampart
      // migrate` runs); the write lock we now hold makes this second look final.
      if (version_of(db_) < migration.version) {
        exec(db_, migration.sqlite);
        Statement record(db_, "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)");
        record.integer(1, std::int64_t{migration.version}).integer(2, unix_now()).step();
      }
      transaction.commit();
    });
  }
  return schema_version();
}

void SqliteStore::insert_key(const ApiKeyRecord& key) {
  guarded(display_, "adding key " + key.id, [&] {
    WriteTransaction transaction(db_);
    Statement insert(db_,
                     "INSERT INTO api_keys (id, secret_sha256, name, tier, created, expires, "
                     "revoked, last_used) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    insert.text(1, key.id).blob(2, key.secret_sha256).text(3, key.name).text(4, key.tier);
    insert.integer(5, key.created).integer(6, key.expires).integer(7, key.revoked);
    insert.integer(8, key.last_used);
    try {
      insert.step();
    } catch (const Failure& failure) {
      if (failure.code == SQLITE_CONSTRAINT_PRIMARYKEY) {
        fail("a key with id " + key.id + " exists already");
      }
      throw;
    }
    bump_change_version(db_);
    transaction.commit();
  });
}

std::vector<ApiKeyRecord> SqliteStore::list_keys() {
  return guarded(display_, "listing keys", [&] {
    // created, then id: the order PostgreSQL gives too, whatever the insertion order.
    Statement query(db_, (std::string(kKeyColumns) + " ORDER BY created, id").c_str());
    std::vector<ApiKeyRecord> keys;
    while (query.step()) {
      keys.push_back(read_key(query));
    }
    return keys;
  });
}

std::optional<ApiKeyRecord> SqliteStore::find_key(std::string_view id) {
  return guarded(display_, "reading a key", [&]() -> std::optional<ApiKeyRecord> {
    Statement query(db_, (std::string(kKeyColumns) + " WHERE id = ?").c_str());
    query.text(1, id);
    if (!query.step()) {
      return std::nullopt;
    }
    return read_key(query);
  });
}

bool SqliteStore::revoke_key(std::string_view id, std::int64_t at) {
  return guarded(display_, "revoking a key", [&] {
    WriteTransaction transaction(db_);
    Statement update(db_, "UPDATE api_keys SET revoked = ? WHERE id = ? AND revoked IS NULL");
    update.integer(1, at).text(2, id).step();
    bool revoked = sqlite3_changes(db_) == 1;
    if (revoked) {
      bump_change_version(db_);
    }
    transaction.commit();
    return revoked;
  });
}

void SqliteStore::record_last_used(const std::vector<std::pair<std::string, std::int64_t>>& uses) {
  if (uses.empty()) {
    return;
  }
  guarded(display_, "recording when keys were last used", [&] {
    WriteTransaction transaction(db_);
    // Never backwards: instances flush their batches in any order.
    Statement update(db_,
                     "UPDATE api_keys SET last_used = max(coalesce(last_used, ?1), ?1) "
                     "WHERE id = ?2");
    for (const auto& [id, at] : uses) {
      update.reset();
      update.integer(1, at).text(2, id).step();
    }
    transaction.commit();
  });
}

std::uint64_t SqliteStore::change_version() {
  return guarded(display_, "reading the change version", [&]() -> std::uint64_t {
    Statement query(db_, "SELECT value FROM store_meta WHERE key = 'change_version'");
    return query.step() ? static_cast<std::uint64_t>(query.integer(0)) : 0;
  });
}

void SqliteStore::add_user(const AdminUser& user) {
  guarded(display_, "adding user " + user.name, [&] {
    WriteTransaction transaction(db_);
    Statement insert(db_,
                     "INSERT INTO admin_users (name, password_hash, created) VALUES (?, ?, ?)");
    insert.text(1, user.name).text(2, user.password_hash).integer(3, user.created);
    try {
      insert.step();
    } catch (const Failure& failure) {
      if (failure.code == SQLITE_CONSTRAINT_PRIMARYKEY) {
        fail("a user named " + user.name + " exists already");
      }
      throw;
    }
    bump_change_version(db_);
    transaction.commit();
  });
}

std::vector<AdminUser> SqliteStore::list_users() {
  return guarded(display_, "listing users", [&] {
    Statement query(db_, "SELECT name, password_hash, created FROM admin_users ORDER BY name");
    std::vector<AdminUser> users;
    while (query.step()) {
      users.push_back(read_user(query));
    }
    return users;
  });
}

std::optional<AdminUser> SqliteStore::find_user(std::string_view name) {
  return guarded(display_, "reading a user", [&]() -> std::optional<AdminUser> {
    Statement query(db_, "SELECT name, password_hash, created FROM admin_users WHERE name = ?");
    query.text(1, name);
    if (!query.step()) {
      return std::nullopt;
    }
    return read_user(query);
  });
}

bool SqliteStore::remove_user(std::string_view name) {
  return guarded(display_, "removing a user", [&] {
    WriteTransaction transaction(db_);
    Statement remove(db_, "DELETE FROM admin_users WHERE name = ?");
    remove.text(1, name).step();
    bool removed = sqlite3_changes(db_) == 1;
    if (removed) {
      bump_change_version(db_);
    }
    transaction.commit();
    return removed;
  });
}

bool SqliteStore::mark_replay(std::string_view scheme, std::string_view signature,
                              std::int64_t expires, std::int64_t now) {
  return guarded(display_, "marking a webhook signature", [&] {
    // One statement: an upsert that only takes over an expired mark, so changes() says
    // whether this call was first.
    Statement mark(db_,
                   "INSERT INTO webhook_replays (scheme, signature, expires) VALUES (?, ?, ?) "
                   "ON CONFLICT (scheme, signature) DO UPDATE SET expires = excluded.expires "
                   "WHERE webhook_replays.expires <= ?");
    mark.text(1, scheme).text(2, signature).integer(3, expires).integer(4, now).step();
    return sqlite3_changes(db_) == 1;
  });
}

void SqliteStore::purge_replays(std::int64_t now) {
  guarded(display_, "purging webhook marks", [&] {
    Statement purge(db_, "DELETE FROM webhook_replays WHERE expires <= ?");
    purge.integer(1, now).step();
    return true;
  });
}

bool SqliteStore::ping() {
  try {
    // Reads the schema page, so a file that went bad since opening is noticed.
    Statement query(db_, "SELECT count(*) FROM sqlite_master");
    return query.step();
  } catch (const Failure&) {
    return false;
  }
}

}  // namespace rampart::store
