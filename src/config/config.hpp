#pragma once
// The typed, validated, immutable configuration (SPEC §2). Built only by load_config();
// shared by every worker as std::shared_ptr<const Config> and swapped whole on reload.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/cidr.hpp"
#include "config/route_template.hpp"
#include "config/store_url.hpp"

namespace re2 {
class RE2;
}  // namespace re2

namespace rampart::config {

using Duration = std::chrono::milliseconds;

enum class Env { development, production };
enum class LogLevel { debug, info, warn, error };
/// Route authentication (SPEC §3 step 7): a credential is required (the default), optional
/// (anonymous requests pass as ip:<addr>, bad credentials do not), or not looked at.
enum class AuthMode { none, optional, required };

/// A "host:port" listen address. `host` may be an IPv4 or IPv6 literal ("[::1]:80" form).
struct ListenAddress {
  std::string host;
  std::uint16_t port = 0;
};

struct ServerConfig {
  ListenAddress listen{"0.0.0.0", 8080};
  unsigned workers = 0;  ///< resolved at load: 0 in YAML becomes the core count
  std::size_t max_connections = 10000;
  std::size_t max_header_bytes = 16 * 1024;
  Duration header_timeout = std::chrono::seconds(10);
  Duration idle_timeout = std::chrono::seconds(60);
  Duration drain_timeout = std::chrono::seconds(30);
  std::vector<Cidr> trusted_proxies;
  /// A request body up to this size is read whole before an upstream connection is taken.
  std::size_t request_buffer = 64 * 1024;
  /// At most this long between two reads of a request body (and the start of the allowance
  /// that body_min_rate extends).
  Duration body_timeout = std::chrono::seconds(30);
  /// Bytes per second a request body must average beyond body_timeout; 0 = no minimum.
  std::size_t body_min_rate = 1024;
  /// At most this long between two writes to a client that make progress.
  Duration send_timeout = std::chrono::seconds(60);
  /// The most one response may put in an unlinked temp file while its client reads slower
  /// than the upstream sends, so the upstream connection is freed early; 0 = never spool.
  std::size_t response_spool = 64 * 1024 * 1024;
  /// %2F and %5C in a path are passed on instead of refused (dot segments still are).
  bool allow_encoded_slashes = false;
  /// How long a request's policies may wait in all (a store, Redis, a JWKS refetch) before
  /// it is answered 503 policy_timeout; a route's policy_timeout overrides it.
  Duration policy_timeout = std::chrono::seconds(5);
  /// The most identities the local rate-limit table holds (all policies, all workers); past
  /// it new clients are limited by a coarser key. Read once, when serve starts.
  std::size_t rate_limit_entries = 1'000'000;
};

struct AdminConfig {
  ListenAddress listen{"127.0.0.1", 9901};
  std::string api_key;  ///< required, >= 32 characters
};

struct LogConfig {
  LogLevel level = LogLevel::info;
  std::string file = "-";  ///< "-" is stdout
};

/// Active health check of an upstream; its result feeds /health/ready.
struct HealthCheckConfig {
  std::string path = "/healthz";
  Duration interval = std::chrono::seconds(5);
  Duration timeout = std::chrono::seconds(2);
};

struct UpstreamConfig {
  std::string name;
  std::string url;   ///< as written, "http://host:port[/base]" (https is refused for now)
  std::string host;  ///< from url
  std::uint16_t port = 80;
  std::string host_header;  ///< "host" or "host:port" as sent in Host
  Duration connect_timeout = std::chrono::seconds(2);
  Duration timeout = std::chrono::seconds(30);
  std::size_t max_connections = 256;
  std::optional<HealthCheckConfig> health;
  /// The url's path without its trailing '/' ("/base" for http://h:8000/base/), prepended
  /// to every request path; empty for none.
  std::string base_path;
  /// `preserve_host: true`: the upstream gets the client's Host instead of its own address.
  bool preserve_host = false;
};

/// A `match.headers` condition: the field is present, or (with a value) equals it exactly.
struct HeaderCondition {
  std::string name;
  std::optional<std::string> value;
};

/// How a route matches the path: exactly one kind is set.
enum class PathKind : std::uint8_t { exact, prefix, path_template, regex };

struct RouteMatch {
  PathKind kind = PathKind::prefix;
  std::string path;                        ///< exact path, or empty
  std::string path_prefix;                 ///< plain string prefix, or empty
  std::string path_template;               ///< as written, or empty
  std::vector<TemplateSegment> segments;   ///< path_template parsed
  std::string path_regex;                  ///< as written, or empty
  std::shared_ptr<const re2::RE2> regex;   ///< path_regex compiled, anchored at both ends
  std::vector<std::string> capture_names;  ///< of the template, or the regex's named groups
  std::vector<std::string> methods;        ///< upper case; empty means any method
  /// Lower case, without a port; "*.example.com" matches any name under example.com. Empty:
  /// any host.
  std::string host;
  std::vector<HeaderCondition> headers;  ///< all must hold
};

/// `rewrite:`: the path the upstream gets. Exactly one of prefix and template is used.
struct RewriteConfig {
  /// Replaces the route's path_prefix.
  std::optional<std::string> prefix;
  /// "/internal/{id}": literal text, and captures by name (checked against the match's).
  struct Part {
    bool is_capture = false;
    std::string text;  ///< literal text, or the capture's name
  };
  std::vector<Part> template_parts;
  std::string template_text;  ///< as written
};

struct StreamConfig {
  Duration max_duration = std::chrono::hours(1);
};

struct Field;
class ProblemList;

/// What a policy's own reader read from its route key, for the policy it builds.
class PolicySettings {
 public:
  virtual ~PolicySettings() = default;
};

/// A route key a policy owns (`headers:`, later `rate_limit:`, `body:`...) and its reader. The
/// loader knows none of them: the registry (src/policies/registry.cpp) hands them to it. The
/// reader adds a problem naming the key path for every rule broken, as the built-in sections
/// do, and returns null when the value is unusable.
struct RouteKeyReader {
  std::string_view key;
  std::function<std::shared_ptr<const PolicySettings>(const Field& field, ProblemList& problems,
                                                      Env env)>
      read;
};

/// A policy-owned route key as read by the policy's own reader (config/policy_settings.hpp).
struct RouteSetting {
  std::string key;
  std::shared_ptr<const PolicySettings> settings;
};

struct RouteConfig {
  std::string name;
  RouteMatch match;
  std::string upstream;
  std::size_t upstream_index = 0;  ///< index into Config::upstreams
  AuthMode auth = AuthMode::required;
  bool is_public = false;  ///< `public: true`: an intentional unauthenticated route
  std::optional<StreamConfig> stream;
  std::optional<RewriteConfig> rewrite;
  /// The client's Host goes to the upstream: the route's preserve_host, else its upstream's.
  bool preserve_host = false;
  /// `rewrite_redirects` (default true): Location, Content-Location and Refresh that point at
  /// the upstream's own address are turned back into the client's (nginx's proxy_redirect
  /// default).
  bool rewrite_redirects = true;
  /// `dry_run: true`: refusals by the route's policies are logged and counted, not enforced.
  bool dry_run = false;
  /// How long the route's policies may wait (a store, Redis, a JWKS refetch) in all.
  Duration policy_timeout = std::chrono::seconds(5);
  std::vector<RouteSetting> settings;  ///< policy-owned keys, in file order

  /// The settings read for a policy-owned key, or null when the route does not set it.
  const PolicySettings* setting(std::string_view key) const {
    for (const auto& s : settings) {
      if (s.key == key) {
        return s.settings.get();
      }
    }
    return nullptr;
  }
};

struct Config {
  Env env = Env::development;
  ServerConfig server;
  AdminConfig admin;
  LogConfig log;
  std::vector<UpstreamConfig> upstreams;
  std::vector<RouteConfig> routes;
  StoreLocation store;                 ///< `store:`, default sqlite:rampart.db
  std::vector<RouteSetting> sections;  ///< policy-owned top-level sections (`auth:`), read
  std::string source_path;             ///< the file it was loaded from

  /// The settings a policy's reader made of a top-level section, or null when it is absent.
  const PolicySettings* section(std::string_view key) const {
    for (const auto& s : sections) {
      if (s.key == key) {
        return s.settings.get();
      }
    }
    return nullptr;
  }
};

/// One problem found while loading: printed as "file:line:column: key.path: message".
/// load_config() builds every one printable: the text the file chose (a key name, a value) is
/// in it with its control bytes and invalid UTF-8 written as \xNN, so printing it to a
/// terminal is safe.
struct ConfigProblem {
  std::string file;
  int line = 0;          ///< 1-based; 0 when the problem has no position (e.g. unreadable file)
  int column = 0;        ///< 1-based
  std::string key_path;  ///< e.g. "routes[2].match.path_prefix"
  std::string message;

  std::string to_string() const;
};

struct LoadResult {
  std::shared_ptr<const Config> config;  ///< null when problems is not empty
  std::vector<ConfigProblem> problems;
};

/// How to load, beyond the file itself.
struct LoadOptions {
  /// Validate as this env whatever the file's `env:` says (`rampart check --env production`);
  /// the loaded Config then carries this env.
  std::optional<Env> env_override;
  /// The route keys policies own (policies::route_keys()); without them such keys are unknown.
  std::vector<RouteKeyReader> route_keys = {};
  /// The top-level sections policies own (`auth:`), read the same way.
  std::vector<RouteKeyReader> section_keys = {};
  /// Checks across sections, run once everything is read (a route naming a rate-limit policy
  /// the `rate_limits:` section does not define). Each adds its problems.
  std::vector<std::function<void(const Config&, ProblemList&)>> checks = {};
};

/// Reads, substitutes ${VAR}s, parses and validates the file. Never throws for bad input.
LoadResult load_config(const std::string& path);
LoadResult load_config(const std::string& path, const LoadOptions& options);

/// The same from text already in memory (`source_name` is used in problems). For tests.
LoadResult load_config_text(const std::string& text, const std::string& source_name);
LoadResult load_config_text(const std::string& text, const std::string& source_name,
                            const LoadOptions& options);

}  // namespace rampart::config
