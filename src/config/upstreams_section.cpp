// upstreams: — the backends routes send requests to.

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "config/address.hpp"
#include "config/key_path.hpp"
#include "config/names.hpp"
#include "config/sections.hpp"
#include "config/units.hpp"

namespace rampart::config {

namespace {

// Fills url, host, port and host_header; false when the url is refused.
bool read_url(const Field& field, ProblemList& problems, UpstreamConfig& upstream) {
  auto url = read_string(field, problems);
  if (!url) {
    return false;
  }
  auto address = parse_upstream_url(*url);
  if (!address.value) {
    problems.add(field.mark, field.path, address.error);
    return false;
  }
  upstream.url = *url;
  upstream.host = address.value->host;
  upstream.port = address.value->port;
  upstream.host_header = address.value->host_header;
  upstream.base_path = address.value->base_path;
  return true;
}

HealthCheckConfig read_health(const Field& field, ProblemList& problems) {
  HealthCheckConfig health;
  MappingReader reader(field, problems, {"path", "interval", "timeout"});
  if (auto path_field = reader.get("path")) {
    auto path = read_string(*path_field, problems);
    if (path && !path->starts_with('/')) {
      problems.add(path_field->mark, path_field->path, "must start with '/'");
    } else if (path) {
      health.path = *path;
    }
  }
  reader.read("interval", health.interval, read_duration);
  const bool timeout_given = reader.get("timeout").has_value();
  reader.read("timeout", health.timeout, read_duration);
  if (!timeout_given) {
    // The default (2s) shrinks to a short interval instead of making it an error.
    health.timeout = std::min(health.timeout, health.interval);
  }
  // A check that may outlast its interval would pile up on a slow upstream.
  if (health.timeout > health.interval) {
    problems.add(
        field.mark, child_path(field.path, "timeout"),
        fmt::format("must not be longer than interval ({})", format_duration(health.interval)));
  }
  return health;
}

UpstreamConfig read_upstream(const std::string& name, const Field& field, ProblemList& problems) {
  UpstreamConfig upstream;
  upstream.name = name;
  if (!is_valid_name(name)) {
    problems.add(field.key_mark, field.path, fmt::format("upstream name {}", kNameRule));
  }
  MappingReader reader(
      field, problems,
      {"url", "connect_timeout", "timeout", "max_connections", "health", "preserve_host"});
  if (auto url = reader.require("url", "url is required, e.g. url: \"http://127.0.0.1:8000\"")) {
    read_url(*url, problems, upstream);
  }
  reader.read("preserve_host", upstream.preserve_host, read_bool);
  reader.read("connect_timeout", upstream.connect_timeout, read_duration);
  reader.read("timeout", upstream.timeout, read_duration);
  reader.read("max_connections", upstream.max_connections, [](const Field& f, ProblemList& p) {
    return read_number(f, p, 1, std::numeric_limits<std::uint32_t>::max());
  });
  if (auto health = reader.get("health")) {
    upstream.health = read_health(*health, problems);
  }
  return upstream;
}

}  // namespace

std::vector<UpstreamConfig> read_upstreams(const Field& field, ProblemList& problems) {
  std::vector<UpstreamConfig> upstreams;
  auto entries = read_entries(field, problems);
  if (!entries) {
    return upstreams;
  }
  if (entries->empty()) {
    problems.add(field.mark, field.path,
                 "at least one upstream is required, e.g. app: {url: \"http://127.0.0.1:8000\"}");
  }
  for (const auto& [name, upstream_field] : *entries) {
    upstreams.push_back(read_upstream(name, upstream_field, problems));
  }
  return upstreams;
}

}  // namespace rampart::config
