#include "cli/keys_command.hpp"

#include <chrono>
#include <cstdio>

#include "cli/store_access.hpp"
#include "config/units.hpp"
#include "store/api_key.hpp"
#include "store/key_json.hpp"

namespace rampart::cli {

namespace {

std::string optional_time(const std::optional<std::int64_t>& t) {
  return t ? format_unix_time(*t) : "-";
}

/// A table for people, or a JSON array: never a secret or its hash.
void print_keys(const std::vector<store::ApiKeyRecord>& keys, bool json) {
  std::string out;
  if (json) {
    store::append_keys_json(out, keys);
    out += '\n';
  } else {
    out +=
        "id        name                 tier       created               expires               "
        "last_used             revoked\n";
    for (const auto& k : keys) {
      char line[512];
      std::snprintf(line, sizeof line, "%-9s %-20s %-10s %-21s %-21s %-21s %s\n", k.id.c_str(),
                    k.name.c_str(), k.tier.empty() ? "-" : k.tier.c_str(),
                    format_unix_time(k.created).c_str(), optional_time(k.expires).c_str(),
                    optional_time(k.last_used).c_str(), optional_time(k.revoked).c_str());
      out += line;
    }
  }
  std::fputs(out.c_str(), stdout);
}

}  // namespace

int run_keys_create(const std::string& config_path, const std::string& name,
                    const std::string& tier, const std::optional<std::string>& expires) {
  if (!store::is_valid_key_label(name)) {
    std::fprintf(stderr, "rampart keys create: --name must be 1-64 printable characters\n");
    return 1;
  }
  if (!tier.empty() && !store::is_valid_key_label(tier)) {
    std::fprintf(stderr, "rampart keys create: --tier must be 1-64 printable characters\n");
    return 1;
  }
  std::optional<std::chrono::seconds> lifetime;
  if (expires) {
    auto parsed = config::parse_duration(*expires);
    if (!parsed.value) {
      std::fprintf(stderr, "rampart keys create: --expires: %s\n", parsed.error.c_str());
      return 1;
    }
    lifetime = std::chrono::duration_cast<std::chrono::seconds>(*parsed.value);
  }
  return with_configured_store(config_path, [&](store::Store& opened) {
    auto issued = store::issue_api_key(name, tier, lifetime);
    opened.insert_key(issued.record);
    std::printf("%s\n", issued.key.c_str());
    std::fflush(stdout);
    std::fprintf(stderr, "created key %s (name %s, tier %s, expires %s); it is shown only now\n",
                 issued.record.id.c_str(), name.c_str(), tier.empty() ? "-" : tier.c_str(),
                 optional_time(issued.record.expires).c_str());
    return 0;
  });
}

int run_keys_list(const std::string& config_path, bool json) {
  return with_configured_store(config_path, [&](store::Store& opened) {
    print_keys(opened.list_keys(), json);
    return 0;
  });
}

int run_keys_revoke(const std::string& config_path, const std::string& id) {
  return with_configured_store(config_path, [&](store::Store& opened) {
    if (!opened.revoke_key(id, store::unix_now())) {
      std::fprintf(stderr, "rampart keys revoke: no key %s that is not revoked already\n",
                   id.c_str());
      return 1;
    }
    std::fprintf(stderr, "revoked key %s; running instances stop accepting it within 2 s\n",
                 id.c_str());
    return 0;
  });
}

}  // namespace rampart::cli
