// server:, admin: and log: — the process-wide sections.

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <thread>

#include "config/address.hpp"
#include "config/sections.hpp"
#include "config/units.hpp"

namespace rampart::config {

namespace {

/// The most one response may put in its temp file (server.response_spool).
constexpr std::size_t kMaxResponseSpool = std::size_t{1024} * 1024 * 1024;

std::optional<ListenAddress> read_listen(const Field& field, ProblemList& problems) {
  auto text = read_string(field, problems);
  if (!text) {
    return std::nullopt;
  }
  auto parsed = parse_listen_address(*text);
  if (!parsed.value) {
    problems.add(field.mark, field.path, parsed.error);
  }
  return parsed.value;
}

std::optional<Cidr> read_cidr(const Field& field, ProblemList& problems) {
  auto text = read_string(field, problems);
  if (!text) {
    return std::nullopt;
  }
  auto cidr = Cidr::parse(*text);
  if (!cidr) {
    problems.add(field.mark, field.path,
                 "expected an IP address or a network like 10.0.0.0/8 or fd00::/8");
    return std::nullopt;
  }
  // "10.0.0.1/8" is most likely a typo for one address or for its network: make the user say.
  auto written = boost::asio::ip::make_address(text->substr(0, text->find('/')));
  if (written != cidr->network) {
    problems.add(field.mark, field.path,
                 fmt::format("has bits set after the /{} prefix; did you mean {}/{}?",
                             cidr->prefix_length, cidr->network.to_string(), cidr->prefix_length));
    return std::nullopt;
  }
  return cidr;
}

std::vector<Cidr> read_trusted_proxies(const Field& field, ProblemList& problems) {
  std::vector<Cidr> cidrs;
  if (auto items = read_list(field, problems)) {
    for (const auto& item : *items) {
      if (auto cidr = read_cidr(item, problems)) {
        cidrs.push_back(*cidr);
      }
    }
  }
  return cidrs;
}

// The keys that bound what a slow client can hold (memory, an upstream connection, disk) while
// it sends its body or does not read the answer, and whether a path may contain %2F or %5C.
void read_body_and_send_limits(MappingReader& reader, ServerConfig& server) {
  // 0 is meaningful: never buffer, every body streams.
  reader.read("request_buffer", server.request_buffer,
              [](const Field& f, ProblemList& p) { return read_size(f, p, 0, kMaxRequestBuffer); });
  reader.read("body_timeout", server.body_timeout, read_duration);
  // 0 is meaningful: no minimum rate, only body_timeout between two reads.
  reader.read("body_min_rate", server.body_min_rate,
              [](const Field& f, ProblemList& p) { return read_size(f, p, 0, kMaxBodyMinRate); });
  reader.read("send_timeout", server.send_timeout, read_duration);
  reader.read("policy_timeout", server.policy_timeout, read_duration);
  // 0 is meaningful: never spool, a slow reader holds the upstream connection (back-pressure).
  reader.read("response_spool", server.response_spool,
              [](const Field& f, ProblemList& p) { return read_size(f, p, 0, kMaxResponseSpool); });
  reader.read("allow_encoded_slashes", server.allow_encoded_slashes, read_bool);
  reader.read("rate_limit_entries", server.rate_limit_entries,
              [](const Field& f, ProblemList& p) { return read_number(f, p, 1024, 100'000'000); });
}

bool is_one_character_repeated(const std::string& text) {
  return std::all_of(text.begin(), text.end(), [&](char c) { return c == text.front(); });
}

}  // namespace

unsigned resolve_workers(unsigned configured) {
  if (configured != 0) {
    return configured;
  }
  return std::clamp(std::thread::hardware_concurrency(), 1u, kMaxWorkers);
}

ServerConfig read_server(const Field& field, ProblemList& problems) {
  ServerConfig server;
  MappingReader reader(
      field, problems,
      {"listen", "workers", "max_connections", "max_header_bytes", "header_timeout", "idle_timeout",
       "drain_timeout", "trusted_proxies", "tls", "request_buffer", "body_timeout", "body_min_rate",
       "send_timeout", "response_spool", "allow_encoded_slashes", "policy_timeout",
       "rate_limit_entries"});
  reader.read("listen", server.listen, read_listen);
  reader.read("workers", server.workers,
              [](const Field& f, ProblemList& p) { return read_number(f, p, 0, kMaxWorkers); });
  reader.read("max_connections", server.max_connections, [](const Field& f, ProblemList& p) {
    return read_number(f, p, 1, std::numeric_limits<std::uint32_t>::max());
  });
  reader.read("max_header_bytes", server.max_header_bytes,
              [](const Field& f, ProblemList& p) { return read_size(f, p, 1024, 1024 * 1024); });
  reader.read("header_timeout", server.header_timeout, read_duration);
  reader.read("idle_timeout", server.idle_timeout, read_duration);
  reader.read("drain_timeout", server.drain_timeout, read_duration);
  if (auto proxies = reader.get("trusted_proxies")) {
    server.trusted_proxies = read_trusted_proxies(*proxies, problems);
  }
  reader.refuse_unsupported("tls");
  read_body_and_send_limits(reader, server);
  return server;
}

AdminConfig read_admin(const Field& field, ProblemList& problems, Env env) {
  AdminConfig admin;
  MappingReader reader(field, problems, {"listen", "api_key"});
  reader.read("listen", admin.listen, read_listen);
  auto key_field = reader.require(
      "api_key",
      "admin.api_key is required (at least 32 characters), e.g. api_key: \"${RAMPART_ADMIN_KEY}\"");
  if (!key_field) {
    return admin;
  }
  // The key's value never appears in a message, only facts about it.
  auto key = read_string(*key_field, problems);
  if (!key) {
    return admin;
  }
  if (key->size() < kMinAdminKeyLength) {
    problems.add(key_field->mark, key_field->path,
                 fmt::format("admin.api_key must be at least {} characters", kMinAdminKeyLength));
  } else if (env == Env::production && is_one_character_repeated(*key)) {
    problems.add(key_field->mark, key_field->path,
                 "admin.api_key is one character repeated; use a random key in production");
  }
  admin.api_key = *key;
  return admin;
}

LogConfig read_log(const Field& field, ProblemList& problems) {
  LogConfig log;
  MappingReader reader(field, problems, {"level", "file"});
  reader.read("level", log.level, [](const Field& f, ProblemList& p) {
    return read_choice<LogLevel>(f, p,
                                 {{"debug", LogLevel::debug},
                                  {"info", LogLevel::info},
                                  {"warn", LogLevel::warn},
                                  {"error", LogLevel::error}});
  });
  if (auto file_field = reader.get("file")) {
    auto file = read_string(*file_field, problems);
    if (file && file->empty()) {
      problems.add(file_field->mark, file_field->path, "expected a file path, or \"-\" for stdout");
    } else if (file) {
      log.file = *file;
    }
  }
  return log;
}

}  // namespace rampart::config
