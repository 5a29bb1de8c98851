#include "store/key_json.hpp"

#include <ctime>

#include "http/json_writer.hpp"

namespace rampart::store {

std::string format_unix_time(std::int64_t seconds) {
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

namespace {

void write_key(http::JsonWriter& w, const ApiKeyRecord& k) {
  w.begin_object();
  w.field("id", k.id);
  w.field("name", k.name);
  w.field("tier", k.tier);
  w.field("created", format_unix_time(k.created));
  auto optional_field = [&](std::string_view key, const std::optional<std::int64_t>& t) {
    w.key(key);
    if (t) {
      w.string(format_unix_time(*t));
    } else {
      w.raw("null");
    }
  };
  optional_field("expires", k.expires);
  optional_field("last_used", k.last_used);
  optional_field("revoked", k.revoked);
  w.end_object();
}

}  // namespace

void append_key_json(std::string& out, const ApiKeyRecord& key) {
  http::JsonWriter w(out);
  write_key(w, key);
}

void append_keys_json(std::string& out, const std::vector<ApiKeyRecord>& keys) {
  http::JsonWriter w(out);
  w.begin_array();
  for (const auto& k : keys) {
    write_key(w, k);
  }
  w.end_array();
}

}  // namespace rampart::store
