#pragma once
// The store (SPEC §8): API keys, admin users and, later, webhook replay marks and LLM usage.
// SQLite by default, PostgreSQL for several instances, one interface. A Store object is used
// by one thread at a time and blocks: it is never called on an I/O thread (the serve process
// gives it a thread of its own; the CLI calls it directly). Every statement is parameterized.

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/store_url.hpp"

namespace rampart::store {

/// A store that cannot be opened, read or written. The message is one line that names the
/// store by its URL without a password ("store sqlite:/var/lib/rampart.db: file is not a
/// database"), fit for stderr and the log; never a secret.
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using config::StoreLocation;

/// One API key as stored: never the secret, only its SHA-256.
struct ApiKeyRecord {
  std::string id;             ///< 8 base62 characters, the public part of "rk_<id>_<secret>"
  std::string secret_sha256;  ///< 32 raw bytes
  std::string name;
  std::string tier;          ///< empty: the default tier
  std::int64_t created = 0;  ///< unix seconds
  std::optional<std::int64_t> expires;
  std::optional<std::int64_t> revoked;
  std::optional<std::int64_t> last_used;
};

/// An admin user (for the dashboard): the argon2id hash in its encoded form, never a password.
struct AdminUser {
  std::string name;
  std::string password_hash;
  std::int64_t created = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  /// The schema version the store is at; 0 for an empty store.
  virtual int schema_version() = 0;
  /// Applies every migration past schema_version(), each in its own transaction, forward only;
  /// returns the version reached. A store newer than this binary is an error.
  virtual int migrate() = 0;

  /// Adds a key; a duplicate id is a StoreError.
  virtual void insert_key(const ApiKeyRecord& key) = 0;
  /// Every key, revoked and expired ones included, oldest first.
  virtual std::vector<ApiKeyRecord> list_keys() = 0;
  virtual std::optional<ApiKeyRecord> find_key(std::string_view id) = 0;
  /// Marks the key revoked at `at`; false when there is no such key or it was revoked already.
  virtual bool revoke_key(std::string_view id, std::int64_t at) = 0;
  /// Records when keys were last used, all in one transaction (callers batch them: never once
  /// per request). Does not change change_version().
  virtual void record_last_used(const std::vector<std::pair<std::string, std::int64_t>>& uses) = 0;

  /// A number that changes whenever keys or users change, whoever changed them (this
  /// connection, another process, another instance): a running instance polls it to reload
  /// its keys.
  virtual std::uint64_t change_version() = 0;

  /// Adds a user; a duplicate name is a StoreError.
  virtual void add_user(const AdminUser& user) = 0;
  virtual std::vector<AdminUser> list_users() = 0;
  virtual std::optional<AdminUser> find_user(std::string_view name) = 0;
  /// False when there is no such user.
  virtual bool remove_user(std::string_view name) = 0;

  /// Records that `signature` (under `scheme`) was seen, until `expires` (unix seconds). True
  /// when it is new, or its earlier mark expired before `now`; false for a replay. Atomic
  /// across connections and instances: of two concurrent calls with one signature, one wins.
  virtual bool mark_replay(std::string_view scheme, std::string_view signature,
                           std::int64_t expires, std::int64_t now) = 0;
  /// Deletes the marks that expired before `now`.
  virtual void purge_replays(std::int64_t now) = 0;

  /// A cheap round trip, for /health/ready.
  virtual bool ping() = 0;

  /// A consistent copy of the whole store, taken while it is in use (SQLite's online backup
  /// API). PostgreSQL: a StoreError that says to use pg_dump.
  virtual void backup(const std::string& path) = 0;
  /// Fills this store from a backup file; refuses (StoreError) unless this store is empty (no
  /// keys, no users). PostgreSQL: a StoreError that says to use pg_restore / psql.
  virtual void restore(const std::string& path) = 0;
};

/// Opens the store (creating an SQLite file that does not exist). Does not migrate. Throws
/// StoreError with one clear line (a file that is not a database, a read-only file or
/// directory, a server that refuses the connection...).
std::unique_ptr<Store> open_store(const StoreLocation& where);

}  // namespace rampart::store
