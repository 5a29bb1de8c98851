#pragma once
// /admin/api/keys (SPEC §4): list keys (GET), create one (POST, the key in the answer, once),
// revoke one (DELETE /admin/api/keys/ID). The admin listener has checked the admin key before.
// A call blocks on the store: the listener runs it on a thread of its own, never on an I/O
// thread.

#include <boost/beast/http/verb.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "config/store_url.hpp"
#include "http/problem.hpp"
#include "store/store.hpp"

namespace rampart::admin {

/// What an admin call answers: a problem, or a status with a JSON body (maybe empty).
struct AdminAnswer {
  std::optional<http::Problem> problem;
  unsigned status = 200;
  std::string json;
  std::string allow;  ///< for a 405
};

class KeysApi {
 public:
  explicit KeysApi(config::StoreLocation where) : where_(std::move(where)) {}

  const config::StoreLocation& location() const { return where_; }

  /// True for the paths it answers.
  static bool handles(std::string_view path);
  /// Blocking. `path` is /admin/api/keys or /admin/api/keys/ID.
  AdminAnswer handle(boost::beast::http::verb method, std::string_view path, std::string_view body);

 private:
  AdminAnswer list();
  AdminAnswer create(std::string_view body);
  AdminAnswer revoke(std::string_view id);
  store::Store& opened();

  config::StoreLocation where_;
  std::unique_ptr<store::Store> store_;  ///< opened at the first call, on the store thread
};

}  // namespace rampart::admin
