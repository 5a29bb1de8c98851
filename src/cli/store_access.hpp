#pragma once
// What the store commands (keys, users, migrate, backup, restore) share: the config's
// `store:`, opened and migrated, or one clear line on stderr and the exit status.

#include <functional>
#include <memory>
#include <string>

#include "store/store.hpp"

namespace rampart::cli {

/// The store the config at `config_path` names, opened and migrated to this binary's schema.
/// On failure prints one line to stderr (the config's problems, or the store's error naming
/// its URL without password) and returns null with `exit_status` set (1: a user error).
std::unique_ptr<store::Store> open_configured_store(const std::string& config_path,
                                                    int& exit_status, bool migrate = true);

/// Opens the configured store as above and runs `command` on it: its exit status, or 1 with the
/// store's one line on stderr when the store fails under it.
int with_configured_store(const std::string& config_path,
                          const std::function<int(store::Store&)>& command, bool migrate = true);

}  // namespace rampart::cli
