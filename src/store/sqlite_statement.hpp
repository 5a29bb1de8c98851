#pragma once
// The SQLite C API as the SQLite store uses it: prepared statements that bind values by
// position (values never become SQL text), write transactions, and failures turned into the
// store's one-line messages. Used only by sqlite_store.cpp and sqlite_backup.cpp.

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/printable.hpp"
#include "store/store.hpp"

namespace rampart::store::sqlite {

// How long a statement waits for another connection's write lock before SQLITE_BUSY: a CLI
// command writing while a running instance flushes its last_used batch must wait, not fail.
// Writes here are small (one key, one batch), so 5 s is only ever reached by a stuck process.
inline constexpr int kBusyTimeoutMs = 5000;

/// An SQLite call that failed; the public method that made it turns it into a StoreError that
/// names the store and what it was doing.
struct Failure {
  int code;  ///< extended result code
  std::string message;
};

[[noreturn]] inline void throw_failure(sqlite3* db) {
  throw Failure{sqlite3_extended_errcode(db), sqlite3_errmsg(db)};
}

/// The one-line message every failure becomes: "store <url>: <what>". printable() escapes any
/// control byte that a path, a name or a hostile file brought along, so it stays one line.
inline StoreError error(const std::string& display, const std::string& what) {
  return StoreError(config::printable("store " + display + ": " + what));
}

/// A failure in the operator's terms where SQLite's own words would puzzle.
inline std::string explain(const Failure& failure) {
  switch (failure.code & 0xff) {
    case SQLITE_NOTADB:
      return "file is not an SQLite database";
    case SQLITE_BUSY:
      return "the database stayed locked by another connection for more than " +
             std::to_string(kBusyTimeoutMs / 1000) + " s";
    case SQLITE_READONLY:
      return "cannot write: the file or its directory is read-only (" + failure.message + ")";
    case SQLITE_FULL:
      return "the disk is full";
    default:
      break;
  }
  if (failure.message.starts_with("no such table")) {
    return failure.message + " (the store is not migrated: run rampart migrate)";
  }
  return failure.message;
}

/// Runs `body`; a Failure in it becomes a StoreError "store <url>: <doing>: <why>". A
/// StoreError thrown by `body` passes unchanged.
template <class Body>
auto guarded(const std::string& display, const std::string& doing, Body&& body) {
  try {
    return body();
  } catch (const Failure& failure) {
    throw error(display, doing.empty() ? explain(failure) : doing + ": " + explain(failure));
  }
}

/// Runs SQL that holds no values from outside (pragmas, transaction control, migrations).
inline void exec(sqlite3* db, const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    Failure failure{sqlite3_extended_errcode(db), message ? message : sqlite3_errmsg(db)};
    sqlite3_free(message);
    throw failure;
  }
}

/// A prepared statement, finalized on scope exit; parameters bound by position from 1.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) {
      throw_failure(db);
    }
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // A null pointer would bind SQL NULL, so an empty value gets a pointer to "" instead.
  Statement& text(int i, std::string_view v) {
    return check(sqlite3_bind_text64(stmt_, i, v.empty() ? "" : v.data(), v.size(),
                                     SQLITE_TRANSIENT, SQLITE_UTF8));
  }
  Statement& blob(int i, std::string_view v) {
    return check(
        sqlite3_bind_blob64(stmt_, i, v.empty() ? "" : v.data(), v.size(), SQLITE_TRANSIENT));
  }
  Statement& integer(int i, std::int64_t v) { return check(sqlite3_bind_int64(stmt_, i, v)); }
  Statement& integer(int i, std::optional<std::int64_t> v) {
    return v ? integer(i, *v) : check(sqlite3_bind_null(stmt_, i));
  }

  /// Runs to the next row: true when there is one, false when the statement is done.
  bool step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) {
      return true;
    }
    if (rc != SQLITE_DONE) {
      throw_failure(db_);
    }
    return false;
  }
  /// Makes the statement ready to run again with new bindings.
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  std::string text(int column) const { return bytes(column, sqlite3_column_text(stmt_, column)); }
  std::string blob(int column) const { return bytes(column, sqlite3_column_blob(stmt_, column)); }
  std::int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }
  std::optional<std::int64_t> optional_integer(int column) const {
    if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) {
      return std::nullopt;
    }
    return integer(column);
  }

 private:
  Statement& check(int rc) {
    if (rc != SQLITE_OK) {
      throw_failure(db_);
    }
    return *this;
  }
  // Called after the column's pointer was fetched: SQLite wants the size asked for after.
  std::string bytes(int column, const void* data) const {
    auto size = static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column));
    return data ? std::string(static_cast<const char*>(data), size) : std::string();
  }

  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

/// BEGIN IMMEDIATE ... COMMIT, rolled back unless committed. IMMEDIATE takes the write lock at
/// the start, where the busy timeout applies; a deferred transaction that reads and then writes
/// can fail at once with SQLITE_BUSY in WAL mode when another connection wrote in between.
class WriteTransaction {
 public:
  explicit WriteTransaction(sqlite3* db) : db_(db) { exec(db, "BEGIN IMMEDIATE"); }
  ~WriteTransaction() {
    if (!committed_) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
  }
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;
  void commit() {
    exec(db_, "COMMIT");
    committed_ = true;
  }

 private:
  sqlite3* db_;
  bool committed_ = false;
};

inline bool has_table(sqlite3* db, const char* name) {
  Statement query(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
  query.text(1, name);
  return query.step();
}

/// The schema version recorded in `db`; 0 before the first migration.
inline int version_of(sqlite3* db) {
  if (!has_table(db, "schema_version")) {
    return 0;
  }
  Statement query(db, "SELECT coalesce(max(version), 0) FROM schema_version");
  query.step();
  return static_cast<int>(query.integer(0));
}

}  // namespace rampart::store::sqlite
