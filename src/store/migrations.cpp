#include "store/migrations.hpp"

#include <array>

namespace rampart::store {

namespace {

// Version 1: keys, admin users and the change counter that running instances poll to reload
// their keys. Every key or user write increments `change_version` in its own transaction.
constexpr const char* kV1Sqlite = R"sql(
CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL);
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  secret_sha256 BLOB NOT NULL,
  name TEXT NOT NULL,
  tier TEXT NOT NULL DEFAULT '',
  created INTEGER NOT NULL,
  expires INTEGER,
  revoked INTEGER,
  last_used INTEGER
);
CREATE TABLE admin_users (name TEXT PRIMARY KEY, password_hash TEXT NOT NULL,
                          created INTEGER NOT NULL);
CREATE TABLE store_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT INTO store_meta (key, value) VALUES ('change_version', 0);
)sql";

constexpr const char* kV1Postgresql = R"sql(
CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL);
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  secret_sha256 BYTEA NOT NULL,
  name TEXT NOT NULL,
  tier TEXT NOT NULL DEFAULT '',
  created BIGINT NOT NULL,
  expires BIGINT,
  revoked BIGINT,
  last_used BIGINT
);
CREATE TABLE admin_users (name TEXT PRIMARY KEY, password_hash TEXT NOT NULL,
                          created BIGINT NOT NULL);
CREATE TABLE store_meta (key TEXT PRIMARY KEY, value BIGINT NOT NULL);
INSERT INTO store_meta (key, value) VALUES ('change_version', 0);
)sql";

// Version 2: webhook signatures already seen, kept until they expire (the webhook policy's
// replay check). The index serves the periodic "DELETE ... WHERE expires < now".
constexpr const char* kV2Sqlite = R"sql(
CREATE TABLE webhook_replays (
  scheme TEXT NOT NULL,
  signature TEXT NOT NULL,
  expires INTEGER NOT NULL,
  PRIMARY KEY (scheme, signature)
);
CREATE INDEX webhook_replays_expires ON webhook_replays (expires);
)sql";

constexpr const char* kV2Postgresql = R"sql(
CREATE TABLE webhook_replays (
  scheme TEXT NOT NULL,
  signature TEXT NOT NULL,
  expires BIGINT NOT NULL,
  PRIMARY KEY (scheme, signature)
);
CREATE INDEX webhook_replays_expires ON webhook_replays (expires);
)sql";

constexpr std::array kMigrations = {
    Migration{1, "api keys, admin users, change counter", kV1Sqlite, kV1Postgresql},
    Migration{2, "webhook replay marks", kV2Sqlite, kV2Postgresql},
};

}  // namespace

std::span<const Migration> migrations() { return kMigrations; }

int latest_schema_version() { return kMigrations.back().version; }

std::string newer_schema_message(int found) {
  return "schema version " + std::to_string(found) + " is newer than this rampart knows (" +
         std::to_string(latest_schema_version()) +
         "): run a newer rampart, or restore a backup made by this version";
}

}  // namespace rampart::store
