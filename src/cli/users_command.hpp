#pragma once
// `rampart users add|list|remove` (SPEC §1): the dashboard's admin users, in the store named by
// the config. Passwords are read from stdin and stored only as argon2id hashes
// (store/password_hash.hpp); neither a password nor its hash is ever printed.

#include <string>
#include <string_view>

namespace rampart::cli {

/// Whether `name` can be a user's name: 1-64 characters of [A-Za-z0-9._-], so it is safe to
/// print, to log and to put in a URL path as it is.
bool is_valid_user_name(std::string_view name);

/// Adds user `name` with the password read from stdin: one line without its newline (a CR
/// before it is dropped too), or everything up to EOF when there is no newline. On a terminal
/// the password is asked twice, without echo, with prompts on stderr. 1 for a bad name, a name
/// that exists, an empty or over-long password or two entries that differ. Returns the exit
/// status.
int run_users_add(const std::string& config_path, const std::string& name);
/// Name and created (RFC 3339 UTC), one user a line after a header, or a JSON array of
/// {"name","created"} objects with `json`: never the hash.
int run_users_list(const std::string& config_path, bool json);
/// 1 with a clear line when there is no such user.
int run_users_remove(const std::string& config_path, const std::string& name);

}  // namespace rampart::cli
