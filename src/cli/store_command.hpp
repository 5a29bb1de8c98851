#pragma once
// `rampart migrate`, `rampart backup FILE`, `rampart restore FILE` (SPEC §1).

#include <string>

namespace rampart::cli {

/// Applies the store's pending migrations (serve does it too, at start).
int run_migrate(const std::string& config_path);
/// A consistent copy of the store, taken while rampart may be running (SQLite's online backup).
int run_backup(const std::string& config_path, const std::string& file);
/// Fills an empty store from a backup.
int run_restore(const std::string& config_path, const std::string& file);

}  // namespace rampart::cli
