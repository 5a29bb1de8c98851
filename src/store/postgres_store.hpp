#pragma once
// The PostgreSQL store (SPEC §2 `store: postgresql://…`, §8): for several instances sharing
// keys and users. One connection per Store object, over libpq.

#include <memory>

#include "store/store.hpp"

namespace rampart::store {

/// Connects to the server in `where.conninfo` (connect_timeout=5 unless the URL sets one).
/// Does not migrate. Throws StoreError with one line naming `where.display`, never the
/// password.
std::unique_ptr<Store> open_postgres_store(const StoreLocation& where);

}  // namespace rampart::store
