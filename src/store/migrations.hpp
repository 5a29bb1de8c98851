#pragma once
// The store's schema, versioned and forward only (SPEC §8): one list for every backend, so that
// a SQLite file and a PostgreSQL database at the same version hold the same tables. A store
// applies each migration past its `schema_version` in its own transaction and records it there
// in that same transaction; a migration is never edited once released, only followed by another.

#include <span>
#include <string>

namespace rampart::store {

/// One step of the schema. The SQL holds constants only (no values from outside), so a backend
/// may run it as a script; the backend then records `version` in `schema_version` itself.
struct Migration {
  int version;             ///< 1, 2, ... without gaps
  const char* summary;     ///< what it adds, for logs and messages
  const char* sqlite;      ///< the script for SQLite
  const char* postgresql;  ///< the same tables for PostgreSQL (BIGINT, BYTEA)
};

/// Every migration, oldest first.
std::span<const Migration> migrations();

/// The newest schema version this binary knows.
int latest_schema_version();

/// The message (without the "store <url>: " prefix) for a store at `found`, newer than this
/// binary: every backend refuses it with the same words.
std::string newer_schema_message(int found);

}  // namespace rampart::store
