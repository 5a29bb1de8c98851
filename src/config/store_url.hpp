#pragma once
// The `store:` URL (SPEC §2): where keys and users live.

#include <optional>
#include <string>
#include <string_view>

namespace rampart::config {

/// Where the store is.
struct StoreLocation {
  enum class Kind { sqlite, postgresql };
  Kind kind = Kind::sqlite;
  std::string path;      ///< sqlite: the file ("rampart.db" is relative to the working dir)
  std::string conninfo;  ///< postgresql: the URL as given, for libpq
  std::string display;   ///< the URL with any password replaced by "***": for messages
};

/// "sqlite:rampart.db", "sqlite:/abs/path.db", "postgresql://user[:password]@host[:port]/db"
/// (also "postgres://", with libpq's query parameters such as ?sslmode=require). On error,
/// nothing is returned and `error` says what is wrong, without the password.
std::optional<StoreLocation> parse_store_url(std::string_view url, std::string& error);

/// The default, next to where rampart runs.
inline constexpr std::string_view kDefaultStore = "sqlite:rampart.db";

}  // namespace rampart::config
