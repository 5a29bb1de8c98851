#pragma once
// The embedded store (SPEC §8): one SQLite file in WAL mode, so that the CLI, a running
// instance and a backup can use it at once (readers never wait for the writer).

#include <string>

#include "store/store.hpp"

struct sqlite3;

namespace rampart::store {

/// A Store over one SQLite file: one connection, prepared statements only, every write in an
/// IMMEDIATE transaction (so two processes writing at once wait for each other within the busy
/// timeout instead of failing). Opening applies the connection settings; it does not migrate.
class SqliteStore final : public Store {
 public:
  /// Opens `where.path`, creating the file when it does not exist. Throws StoreError (a file
  /// that is not a database, a read-only file, a missing or read-only directory...).
  explicit SqliteStore(const StoreLocation& where);
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  int schema_version() override;
  int migrate() override;
  /// Applies the migrations past schema_version() up to `target` only: what an older binary
  /// would have left behind (tests of migrating from every earlier version). Returns the
  /// version reached.
  int migrate_to(int target);

  void insert_key(const ApiKeyRecord& key) override;
  std::vector<ApiKeyRecord> list_keys() override;
  std::optional<ApiKeyRecord> find_key(std::string_view id) override;
  bool revoke_key(std::string_view id, std::int64_t at) override;
  void record_last_used(const std::vector<std::pair<std::string, std::int64_t>>& uses) override;
  std::uint64_t change_version() override;

  void add_user(const AdminUser& user) override;
  std::vector<AdminUser> list_users() override;
  std::optional<AdminUser> find_user(std::string_view name) override;
  bool remove_user(std::string_view name) override;

  bool mark_replay(std::string_view scheme, std::string_view signature, std::int64_t expires,
                   std::int64_t now) override;
  void purge_replays(std::int64_t now) override;
  bool ping() override;
  void backup(const std::string& path) override;
  void restore(const std::string& path) override;

 private:
  [[noreturn]] void fail(const std::string& what) const;
  void open(const std::string& path);
  void configure();

  sqlite3* db_ = nullptr;
  std::string display_;  ///< "sqlite:<path>", for messages
};

}  // namespace rampart::store
