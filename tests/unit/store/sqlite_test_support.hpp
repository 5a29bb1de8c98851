#pragma once
// What the SQLite store tests share: a temporary directory per test, the store URL of a file
// in it, a raw SQLite connection to look behind the store's back, and the contract backend.

#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "config/store_url.hpp"
#include "store/sqlite_store.hpp"
#include "store/store.hpp"

namespace rampart::store::sqlite_test {

namespace fs = std::filesystem;

/// A fresh directory under /tmp, removed with everything in it when the test ends.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "rampart-store-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

/// `sqlite:<path>` as the config would give it.
inline StoreLocation location(const std::string& path) {
  std::string error;
  auto where = config::parse_store_url("sqlite:" + path, error);
  if (!where) {
    throw std::runtime_error("bad store URL: " + error);
  }
  return *where;
}

/// A plain connection to a store file, for what the Store interface does not show.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
        SQLITE_OK) {
      throw std::runtime_error("cannot open " + path);
    }
    sqlite3_busy_timeout(db_, 5000);
  }
  ~RawDb() { sqlite3_close(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  void exec(const char* sql) {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
      throw std::runtime_error(std::string(sql) + ": " + sqlite3_errmsg(db_));
    }
  }
  /// The first column of the first row of `sql`, as text ("" when there is no row).
  std::string value(const char* sql, std::int64_t parameter = 0) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr) != SQLITE_OK) {
      throw std::runtime_error(std::string(sql) + ": " + sqlite3_errmsg(db_));
    }
    if (sqlite3_bind_parameter_count(stmt) > 0) {
      sqlite3_bind_int64(stmt, 1, parameter);
    }
    std::string result;
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
      result = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
      throw std::runtime_error(std::string(sql) + ": " + sqlite3_errmsg(db_));
    }
    return result;
  }

 private:
  sqlite3* db_ = nullptr;
};

/// The store contract's backend: a file in a directory of its own.
class SqliteContractBackend {
 public:
  std::unique_ptr<Store> open() { return open_store(location(path_)); }
  void stamp_schema_version(int version) {
    RawDb(path_).value("INSERT INTO schema_version (version, applied_at) VALUES (?, 0)", version);
  }

 private:
  TempDir dir_;
  std::string path_ = dir_.file("store.db");
};

}  // namespace rampart::store::sqlite_test
