#include <memory>

#include "store/postgres_store.hpp"
#include "store/sqlite_store.hpp"
#include "store/store.hpp"

namespace rampart::store {

std::unique_ptr<Store> open_store(const StoreLocation& where) {
  switch (where.kind) {
    case StoreLocation::Kind::sqlite:
      return std::make_unique<SqliteStore>(where);
    case StoreLocation::Kind::postgresql:
      return open_postgres_store(where);
  }
  throw StoreError("store " + where.display + ": unknown kind of store");
}

}  // namespace rampart::store
