#include "store/postgres_store.hpp"

#include <chrono>

#include "store/migrations.hpp"
#include "store/postgres_connection.hpp"

namespace rampart::store {

namespace {

using namespace postgres;

// Any fixed number, the same in every rampart: the key of the advisory lock that makes two
// instances starting at once apply the migrations one after the other.
constexpr std::int64_t kMigrationLockKey = 0x72616d7061727400;  // "rampart\0"

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr const char* kKeyColumns =
    "SELECT id, secret_sha256, name, tier, created, expires, revoked, last_used FROM api_keys";
constexpr const char* kUserColumns = "SELECT name, password_hash, created FROM admin_users";

ApiKeyRecord read_key(const Result& rows, int row) {
  return ApiKeyRecord{field(rows, row, 0),           bytes(rows, row, 1),
                      field(rows, row, 2),           field(rows, row, 3),
                      number(rows, row, 4),          optional_number(rows, row, 5),
                      optional_number(rows, row, 6), optional_number(rows, row, 7)};
}

AdminUser read_user(const Result& rows, int row) {
  return AdminUser{field(rows, row, 0), field(rows, row, 1), number(rows, row, 2)};
}

/// Part of every key and user write, in the same transaction: running instances poll the
/// counter to know when to reload their keys.
void bump_change_version(Connection& db) {
  db.run("UPDATE store_meta SET value = value + 1 WHERE key = 'change_version'", {});
}

int version_of(Connection& db) {
  // A query on the catalog, not to_regclass(): to_regclass reads the backend's name cache,
  // which may still say "no such table" after another instance created it (found by
  // InstancesMigratingAtOnceAllSucceed); a query sees what its snapshot sees.
  auto exists = db.run(
      "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON "
      "n.oid = c.relnamespace WHERE c.relname = 'schema_version' AND n.nspname = "
      "current_schema())",
      {});
  if (std::string_view(PQgetvalue(exists.get(), 0, 0)) != "t") {
    return 0;
  }
  auto rows = db.run("SELECT coalesce(max(version), 0) FROM schema_version", {});
  return static_cast<int>(number(rows, 0, 0));
}

/// The PostgreSQL Store. Serve keeps a few of these (its "pool": one per store thread), the
/// CLI one; each holds one connection and, like every Store, is used by one thread at a time.
class PostgresStore final : public Store {
 public:
  explicit PostgresStore(const StoreLocation& where) : db_(where) {}

  int schema_version() override {
    return db_.reading("reading the schema version", [&] { return version_of(db_); });
  }

  int migrate() override {
    int current = schema_version();
    if (current > latest_schema_version()) {
      db_.fail(newer_schema_message(current));
    }
    for (const auto& migration : migrations()) {
      if (migration.version <= current) {
        continue;
      }
      auto doing = "migrating to version " + std::to_string(migration.version) + " (" +
                   migration.summary + ")";
      db_.guarded(doing, [&] {
        Transaction transaction(db_);
        // Held to the end of this transaction. Another instance migrating at the same moment
        // waits here, then sees the version this one recorded and skips it.
        db_.run("SELECT pg_advisory_xact_lock($1::bigint)", {integer(kMigrationLockKey)});
        if (version_of(db_) < migration.version) {
          db_.script(migration.postgresql);  // constant SQL from migrations.cpp, no values
          db_.run(
              "INSERT INTO schema_version (version, applied_at) VALUES ($1::integer, "
              "$2::bigint)",
              {integer(std::int64_t{migration.version}), integer(unix_now())});
        }
        transaction.commit();
      });
    }
    return schema_version();
  }

  void insert_key(const ApiKeyRecord& key) override {
    db_.guarded("adding key " + key.id, [&] {
      Transaction transaction(db_);
      try {
        db_.run(
            "INSERT INTO api_keys (id, secret_sha256, name, tier, created, expires, revoked, "
            "last_used) VALUES ($1, $2, $3, $4, $5::bigint, $6::bigint, $7::bigint, "
            "$8::bigint)",
            {text(key.id), text(key.secret_sha256), text(key.name), text(key.tier),
             integer(key.created), integer(key.expires), integer(key.revoked),
             integer(key.last_used)});
      } catch (const Failure& failure) {
        if (failure.sqlstate == kUniqueViolation) {
          db_.fail("a key with id " + key.id + " exists already");
        }
        throw;
      }
      bump_change_version(db_);
      transaction.commit();
    });
  }

  std::vector<ApiKeyRecord> list_keys() override {
    return db_.reading("listing keys", [&] {
      // COLLATE "C": byte order, as SQLite sorts, whatever the database's locale.
      auto rows = db_.run(std::string(kKeyColumns) + " ORDER BY created, id COLLATE \"C\"", {});
      std::vector<ApiKeyRecord> keys;
      for (int row = 0; row < PQntuples(rows.get()); ++row) {
        keys.push_back(read_key(rows, row));
      }
      return keys;
    });
  }

  std::optional<ApiKeyRecord> find_key(std::string_view id) override {
    return db_.reading("reading a key", [&]() -> std::optional<ApiKeyRecord> {
      auto rows = db_.run(std::string(kKeyColumns) + " WHERE id = $1", {text(id)});
      if (PQntuples(rows.get()) == 0) {
        return std::nullopt;
      }
      return read_key(rows, 0);
    });
  }

  bool revoke_key(std::string_view id, std::int64_t at) override {
    return db_.guarded("revoking a key", [&] {
      Transaction transaction(db_);
      // Two revocations at once: the second waits for the row and then finds it revoked.
      auto result =
          db_.run("UPDATE api_keys SET revoked = $2::bigint WHERE id = $1 AND revoked IS NULL",
                  {text(id), integer(at)});
      bool revoked = changed_one(result);
      if (revoked) {
        bump_change_version(db_);
      }
      transaction.commit();
      return revoked;
    });
  }

  void record_last_used(const std::vector<std::pair<std::string, std::int64_t>>& uses) override {
    if (uses.empty()) {
      return;
    }
    db_.guarded("recording when keys were last used", [&] {
      Transaction transaction(db_);
      for (const auto& [id, at] : uses) {
        // Never backwards: instances flush their batches in any order.
        db_.run(
            "UPDATE api_keys SET last_used = GREATEST(COALESCE(last_used, $2::bigint), "
            "$2::bigint) WHERE id = $1",
            {text(id), integer(at)});
      }
      transaction.commit();
    });
  }

  std::uint64_t change_version() override {
    return db_.reading("reading the change version", [&]() -> std::uint64_t {
      auto rows = db_.run("SELECT value FROM store_meta WHERE key = 'change_version'", {});
      return PQntuples(rows.get()) == 0 ? 0 : static_cast<std::uint64_t>(number(rows, 0, 0));
    });
  }

  void add_user(const AdminUser& user) override {
    db_.guarded("adding user " + user.name, [&] {
      Transaction transaction(db_);
      try {
        db_.run(
            "INSERT INTO admin_users (name, password_hash, created) VALUES ($1, $2, "
            "$3::bigint)",
            {text(user.name), text(user.password_hash), integer(user.created)});
      } catch (const Failure& failure) {
        if (failure.sqlstate == kUniqueViolation) {
          db_.fail("a user named " + user.name + " exists already");
        }
        throw;
      }
      bump_change_version(db_);
      transaction.commit();
    });
  }

  std::vector<AdminUser> list_users() override {
    return db_.reading("listing users", [&] {
      auto rows = db_.run(std::string(kUserColumns) + " ORDER BY name COLLATE \"C\"", {});
      std::vector<AdminUser> users;
      for (int row = 0; row < PQntuples(rows.get()); ++row) {
        users.push_back(read_user(rows, row));
      }
      return users;
    });
  }

  std::optional<AdminUser> find_user(std::string_view name) override {
    return db_.reading("reading a user", [&]() -> std::optional<AdminUser> {
      auto rows = db_.run(std::string(kUserColumns) + " WHERE name = $1", {text(name)});
      if (PQntuples(rows.get()) == 0) {
        return std::nullopt;
      }
      return read_user(rows, 0);
    });
  }

  bool remove_user(std::string_view name) override {
    return db_.guarded("removing a user", [&] {
      Transaction transaction(db_);
      auto result = db_.run("DELETE FROM admin_users WHERE name = $1", {text(name)});
      bool removed = changed_one(result);
      if (removed) {
        bump_change_version(db_);
      }
      transaction.commit();
      return removed;
    });
  }

  bool mark_replay(std::string_view scheme, std::string_view signature, std::int64_t expires,
                   std::int64_t now) override {
    return db_.guarded("marking a webhook signature", [&] {
      auto result = db_.run(
          "INSERT INTO webhook_replays (scheme, signature, expires) VALUES ($1, $2, $3) "
          "ON CONFLICT (scheme, signature) DO UPDATE SET expires = EXCLUDED.expires "
          "WHERE webhook_replays.expires <= $4",
          {text(scheme), text(signature), integer(expires), integer(now)});
      return changed_one(result);
    });
  }

  void purge_replays(std::int64_t now) override {
    db_.guarded("purging webhook marks", [&] {
      db_.run("DELETE FROM webhook_replays WHERE expires <= $1", {integer(now)});
      return true;
    });
  }

  bool ping() override {
    try {
      db_.reading("ping", [&] { db_.run("SELECT 1", {}); });
      return true;
    } catch (const StoreError&) {
      return false;
    }
  }

  void backup(const std::string& path) override {
    db_.fail(
        "rampart backup copies SQLite stores only; back up PostgreSQL with pg_dump "
        "(pg_dump --format=custom --file=" +
        path + " <database URL>)");
  }

  void restore(const std::string& path) override {
    db_.fail(
        "rampart restore reads SQLite backups only; restore PostgreSQL with pg_restore "
        "(pg_restore --dbname=<database URL> " +
        path + ", for a pg_dump --format=custom file) or psql (for a plain SQL dump)");
  }

 private:
  Connection db_;
};

}  // namespace

std::unique_ptr<Store> open_postgres_store(const StoreLocation& where) {
  return std::make_unique<PostgresStore>(where);
}

}  // namespace rampart::store
