#include "admin/keys_api.hpp"

#include <boost/json.hpp>
#include <chrono>

#include "config/units.hpp"
#include "http/json_writer.hpp"
#include "store/api_key.hpp"
#include "store/key_json.hpp"

namespace rampart::admin {

namespace {

using http::Problem;
using http::ProblemCode;
namespace bhttp = boost::beast::http;

constexpr std::string_view kKeysPath = "/admin/api/keys";

AdminAnswer problem(ProblemCode code, std::string_view detail) {
  AdminAnswer answer;
  answer.problem = Problem::of(code, detail);
  return answer;
}

}  // namespace

bool KeysApi::handles(std::string_view path) {
  return path == kKeysPath || (path.starts_with(kKeysPath) && path.size() > kKeysPath.size() &&
                               path[kKeysPath.size()] == '/');
}

store::Store& KeysApi::opened() {
  if (!store_) {
    store_ = store::open_store(where_);
    store_->migrate();
  }
  return *store_;
}

AdminAnswer KeysApi::handle(bhttp::verb method, std::string_view path, std::string_view body) {
  try {
    if (path == kKeysPath) {
      if (method == bhttp::verb::get) {
        return list();
      }
      if (method == bhttp::verb::post) {
        return create(body);
      }
      auto answer = problem(ProblemCode::method_not_allowed, "this endpoint answers GET and POST");
      answer.allow = "GET, POST";
      return answer;
    }
    auto id = path.substr(kKeysPath.size() + 1);
    if (method != bhttp::verb::delete_) {
      auto answer = problem(ProblemCode::method_not_allowed, "a key is revoked with DELETE");
      answer.allow = "DELETE";
      return answer;
    }
    return revoke(id);
  } catch (const store::StoreError&) {
    // The store's message names it (without password) and goes to the log; not to the caller.
    store_.reset();  // a broken connection is opened afresh next time
    auto answer = problem(ProblemCode::overloaded, "the store is not available");
    answer.problem->reason = "store_unavailable";
    return answer;
  }
}

AdminAnswer KeysApi::list() {
  AdminAnswer answer;
  store::append_keys_json(answer.json, opened().list_keys());
  return answer;
}

AdminAnswer KeysApi::create(std::string_view body) {
  boost::system::error_code ec;
  auto parsed = boost::json::parse(boost::json::string_view(body.data(), body.size()), ec);
  if (ec || !parsed.is_object()) {
    return problem(ProblemCode::invalid_json,
                   "the body must be a JSON object: {\"name\": ..., \"tier\": ..., "
                   "\"expires\": \"90d\"}");
  }
  const auto& object = parsed.as_object();
  for (const auto& field : object) {
    if (field.key() != "name" && field.key() != "tier" && field.key() != "expires") {
      return problem(ProblemCode::bad_request,
                     "unknown field; a key has name, tier (optional) and expires (optional)");
    }
  }
  auto text = [&](std::string_view key) -> std::optional<std::string> {
    auto it = object.find(key);
    if (it == object.end() || !it->value().is_string()) {
      return std::nullopt;
    }
    return std::string(it->value().as_string());
  };
  auto name = text("name");
  if (!name || !store::is_valid_key_label(*name)) {
    return problem(ProblemCode::bad_request, "name is required: 1-64 printable characters");
  }
  std::string tier;
  if (object.contains("tier")) {
    auto given = text("tier");
    if (!given || !store::is_valid_key_label(*given)) {
      return problem(ProblemCode::bad_request, "tier must be 1-64 printable characters");
    }
    tier = *given;
  }
  std::optional<std::chrono::seconds> lifetime;
  if (object.contains("expires")) {
    auto expires = text("expires");
    auto duration = expires ? config::parse_duration(*expires) : config::Parsed<config::Duration>{};
    if (!duration.value) {
      return problem(ProblemCode::bad_request, "expires must be a duration such as \"90d\"");
    }
    lifetime = std::chrono::duration_cast<std::chrono::seconds>(*duration.value);
  }
  auto issued = store::issue_api_key(*name, tier, lifetime);
  opened().insert_key(issued.record);
  // The only time the key is ever shown: the answer carries Cache-Control: no-store.
  AdminAnswer answer;
  answer.status = 201;
  answer.json = "{\"key\":";
  http::append_json_quoted(answer.json, issued.key);
  answer.json += ",\"details\":";
  store::append_key_json(answer.json, issued.record);
  answer.json += '}';
  return answer;
}

AdminAnswer KeysApi::revoke(std::string_view id) {
  if (!opened().revoke_key(id, store::unix_now())) {
    return problem(ProblemCode::not_found, "no such key, or it is revoked already");
  }
  AdminAnswer answer;
  answer.status = 204;
  return answer;
}

}  // namespace rampart::admin
