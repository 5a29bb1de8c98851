// routes: — what is matched, where it goes, and which protections apply.

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "config/key_path.hpp"
#include "config/names.hpp"
#include "config/route_match_reader.hpp"
#include "config/route_overlap.hpp"
#include "config/sections.hpp"
#include "config/spelling.hpp"

namespace rampart::config {

namespace {

// Route keys that name protections built by later issues; refused until then.
constexpr std::array<std::string_view, 4> kUnsupportedRouteKeys{"rate_limit", "body", "webhook",
                                                                "cors"};

std::optional<std::size_t> find_upstream(const Field& field, ProblemList& problems,
                                         const std::string& name,
                                         const std::vector<UpstreamConfig>& upstreams) {
  std::vector<std::string_view> names;
  for (std::size_t i = 0; i < upstreams.size(); ++i) {
    if (upstreams[i].name == name) {
      return i;
    }
    names.push_back(upstreams[i].name);
  }
  auto message = fmt::format("unknown upstream \"{}\"", name);
  if (auto suggestion = closest_match(name, names)) {
    message += fmt::format("; did you mean \"{}\"?", *suggestion);
  } else if (!names.empty()) {
    message += fmt::format("; upstreams are: {}", fmt::join(names, ", "));
  }
  problems.add(field.mark, field.path, message);
  return std::nullopt;
}

void read_auth(MappingReader& reader, Env env, RouteConfig& route) {
  ProblemList& problems = reader.problems();
  auto auth_field = reader.get("auth");
  if (!auth_field) {
    return;  // required, the default: a route is protected unless it says otherwise
  }
  auto auth = read_choice<AuthMode>(*auth_field, problems,
                                    {{"required", AuthMode::required},
                                     {"optional", AuthMode::optional},
                                     {"none", AuthMode::none}});
  if (!auth) {
    return;
  }
  route.auth = *auth;
  // A webhook route is authenticated by its signature (SPEC §2): auth: none is its normal form.
  if (*auth == AuthMode::none && env == Env::production && !route.is_public &&
      !reader.get("webhook")) {
    problems.add(auth_field->mark, auth_field->path,
                 "auth: none in production needs public: true (say that this route is meant "
                 "to be open), or a webhook: block");
  }
}

StreamConfig read_stream(const Field& field, ProblemList& problems) {
  StreamConfig stream;
  MappingReader reader(field, problems, {"max_duration"});
  reader.read("max_duration", stream.max_duration, read_duration);
  return stream;
}

struct ReadRoute {
  RouteConfig route;
  bool match_ok = false;
};

ReadRoute read_route(const Field& field, ProblemList& problems, const RouteContext& context) {
  ReadRoute result;
  RouteConfig& route = result.route;
  std::vector<std::string_view> keys{
      "name",    "match",   "upstream",       "auth",          "public",
      "stream",  "dry_run", "policy_timeout", "rate_limit",    "body",
      "webhook", "cors",    "rewrite",        "preserve_host", "rewrite_redirects"};
  for (const auto& policy_key : context.policy_keys) {
    if (std::find(keys.begin(), keys.end(), policy_key.key) == keys.end()) {
      keys.push_back(policy_key.key);
    }
  }
  MappingReader reader(field, problems, std::move(keys));
  if (!reader.is_mapping()) {
    return result;
  }
  if (auto name_field = reader.require("name", "name is required, e.g. name: api")) {
    if (auto name = read_string(*name_field, problems)) {
      route.name = *name;
      if (!is_valid_name(*name)) {
        problems.add(name_field->mark, name_field->path, fmt::format("route name {}", kNameRule));
      }
    }
  }
  if (auto match = reader.require("match", "match is required, e.g. match: {path_prefix: /}")) {
    result.match_ok = read_match(*match, problems, route.match);
  }
  if (auto rewrite = reader.get("rewrite")) {
    route.rewrite = read_rewrite(*rewrite, problems, route.match, result.match_ok);
  }
  if (auto upstream_field = reader.require("upstream", "upstream is required")) {
    if (auto name = read_string(*upstream_field, problems)) {
      route.upstream = *name;
      if (auto index = find_upstream(*upstream_field, problems, *name, context.upstreams)) {
        route.upstream_index = *index;
        route.preserve_host = context.upstreams[*index].preserve_host;
      }
    }
  }
  reader.read("preserve_host", route.preserve_host, read_bool);  // overrides the upstream's
  reader.read("rewrite_redirects", route.rewrite_redirects, read_bool);
  reader.read("public", route.is_public, read_bool);
  reader.read("dry_run", route.dry_run, read_bool);
  route.policy_timeout = context.server.policy_timeout;
  reader.read("policy_timeout", route.policy_timeout, read_duration);
  read_auth(reader, context.env, route);
  if (auto stream = reader.get("stream")) {
    route.stream = read_stream(*stream, problems);
  }
  for (const auto& policy_key : context.policy_keys) {
    if (auto value = reader.get(policy_key.key)) {
      if (auto settings = policy_key.read(*value, problems, context.env)) {
        route.settings.push_back(RouteSetting{std::string(policy_key.key), std::move(settings)});
      }
    }
  }
  for (auto key : kUnsupportedRouteKeys) {
    bool owned = std::any_of(context.policy_keys.begin(), context.policy_keys.end(),
                             [&](const RouteKeyReader& k) { return k.key == key; });
    if (!owned) {
      reader.refuse_unsupported(key);
    }
  }
  return result;
}

void check_names_unique(const std::vector<RouteConfig>& routes, const std::vector<Field>& fields,
                        ProblemList& problems) {
  for (std::size_t j = 0; j < routes.size(); ++j) {
    for (std::size_t i = 0; i < j; ++i) {
      if (!routes[j].name.empty() && routes[i].name == routes[j].name) {
        problems.add(
            fields[j].mark, child_path(fields[j].path, "name"),
            fmt::format("duplicate route name \"{}\" (also {})", routes[j].name, fields[i].path));
        break;
      }
    }
  }
}

void check_overlaps(const std::vector<ReadRoute>& read, const std::vector<Field>& fields,
                    ProblemList& problems) {
  for (std::size_t j = 0; j < read.size(); ++j) {
    for (std::size_t i = 0; i < j && read[j].match_ok; ++i) {
      if (read[i].match_ok && covers(read[i].route.match, read[j].route.match)) {
        problems.add(fields[j].mark, fields[j].path,
                     fmt::format("can never match: route \"{}\" ({}) comes first and matches "
                                 "every request this route would",
                                 read[i].route.name, fields[i].path));
        break;
      }
    }
  }
}

}  // namespace

std::vector<RouteConfig> read_routes(const Field& field, ProblemList& problems,
                                     const RouteContext& context) {
  std::vector<RouteConfig> routes;
  auto items = read_list(field, problems);
  if (!items) {
    return routes;
  }
  if (items->empty()) {
    problems.add(field.mark, field.path, "at least one route is required");
  }
  std::vector<ReadRoute> read;
  for (const auto& item : *items) {
    read.push_back(read_route(item, problems, context));
    routes.push_back(read.back().route);
  }
  check_names_unique(routes, *items, problems);
  check_overlaps(read, *items, problems);
  return routes;
}

}  // namespace rampart::config
