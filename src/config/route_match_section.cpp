// routes[].match and routes[].rewrite: what a route takes, and the path the upstream gets.

#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "config/key_path.hpp"
#include "config/route_match_reader.hpp"

namespace rampart::config {

namespace {

constexpr std::array<std::string_view, 9> kMethods{"GET",    "HEAD",    "POST",  "PUT",    "PATCH",
                                                   "DELETE", "OPTIONS", "TRACE", "CONNECT"};

// A request path can never contain these, so a route path with them could never match.
bool is_matchable_path(std::string_view path) {
  return std::none_of(path.begin(), path.end(), [](unsigned char c) {
    return c <= 0x20 || c == 0x7F || c == '?' || c == '#';
  });
}

std::optional<std::string> read_path(const Field& field, ProblemList& problems) {
  auto path = read_string(field, problems);
  if (!path) {
    return std::nullopt;
  }
  if (!path->starts_with('/')) {
    problems.add(field.mark, field.path, "must start with '/'");
    return std::nullopt;
  }
  if (!is_matchable_path(*path)) {
    problems.add(field.mark, field.path,
                 "must be a plain path: no spaces, control characters, '?' or '#'");
    return std::nullopt;
  }
  return path;
}

std::optional<std::string> read_method(const Field& field, ProblemList& problems) {
  auto method = read_string(field, problems);
  if (!method) {
    return std::nullopt;
  }
  std::transform(method->begin(), method->end(), method->begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (std::find(kMethods.begin(), kMethods.end(), *method) == kMethods.end()) {
    problems.add(field.mark, field.path,
                 fmt::format("unknown HTTP method; expected one of {}", fmt::join(kMethods, ", ")));
    return std::nullopt;
  }
  return method;
}

std::vector<std::string> read_methods(const Field& field, ProblemList& problems, bool& ok) {
  std::vector<std::string> methods;
  auto items = read_list(field, problems);
  if (!items) {
    ok = false;
    return methods;
  }
  if (items->empty()) {
    problems.add(field.mark, field.path,
                 "must list at least one method; leave methods out to match every method");
    ok = false;
  }
  for (const auto& item : *items) {
    auto method = read_method(item, problems);
    if (!method) {
      ok = false;
    } else if (std::find(methods.begin(), methods.end(), *method) == methods.end()) {
      methods.push_back(*method);
    }
  }
  return methods;
}

bool read_template(const Field& field, ProblemList& problems, RouteMatch& match) {
  auto text = read_path(field, problems);
  if (!text) {
    return false;
  }
  std::string error;
  auto segments = parse_path_template(*text, error);
  if (!segments) {
    problems.add(field.mark, field.path, error);
    return false;
  }
  match.path_template = *text;
  match.segments = std::move(*segments);
  for (const auto& segment : match.segments) {
    if (segment.kind != TemplateSegment::Kind::literal) {
      match.capture_names.push_back(segment.text);
    }
  }
  return true;
}

// RE2: linear time whatever the input (no backreferences, no backtracking), so a route's
// regex cannot be turned against rampart by a crafted path.
bool read_regex(const Field& field, ProblemList& problems, RouteMatch& match) {
  auto text = read_string(field, problems);
  if (!text) {
    return false;
  }
  RE2::Options options;
  options.set_log_errors(false);
  auto regex = std::make_shared<const RE2>(*text, options);
  if (!regex->ok()) {
    problems.add(field.mark, field.path,
                 fmt::format("not a valid RE2 regular expression: {}", regex->error()));
    return false;
  }
  if (static_cast<std::size_t>(regex->NumberOfCapturingGroups()) > kMaxCaptures) {
    problems.add(field.mark, field.path,
                 fmt::format("has more than {} capturing groups", kMaxCaptures));
    return false;
  }
  std::vector<std::string> names(static_cast<std::size_t>(regex->NumberOfCapturingGroups()));
  for (const auto& [name, index] : regex->NamedCapturingGroups()) {
    names[static_cast<std::size_t>(index - 1)] = name;
  }
  match.path_regex = *text;
  match.regex = std::move(regex);
  match.capture_names = std::move(names);  // unnamed groups stay "" and are not captures
  return true;
}

bool read_host(const Field& field, ProblemList& problems, RouteMatch& match) {
  auto host = read_string(field, problems);
  if (!host) {
    return false;
  }
  std::transform(host->begin(), host->end(), host->begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string_view name = *host;
  if (name.starts_with("*.")) {
    name.remove_prefix(2);
  }
  const bool ok =
      !name.empty() &&
      std::all_of(name.begin(), name.end(),
                  [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '.'; }) &&
      !name.starts_with('.') && !name.ends_with('.');
  if (!ok) {
    problems.add(field.mark, field.path,
                 "must be a host name (api.example.com) or a wildcard (*.example.com), without a "
                 "port");
    return false;
  }
  match.host = std::move(*host);
  return true;
}

bool read_headers(const Field& field, ProblemList& problems, RouteMatch& match) {
  auto entries = read_entries(field, problems);
  if (!entries) {
    return false;
  }
  bool ok = true;
  for (const auto& [name, value] : *entries) {
    HeaderCondition condition{name, std::nullopt};
    // `present` (or an empty value) asks only that the field is there.
    if (value.node.IsNull()) {
      match.headers.push_back(std::move(condition));
      continue;
    }
    MappingReader reader(value, problems, {"present", "equals"});
    if (!reader.is_mapping()) {
      ok = false;
      continue;
    }
    auto equals = reader.get("equals");
    auto present = reader.get("present");
    if (equals.has_value() == present.has_value()) {
      problems.add(value.mark, value.path, "needs exactly one of present: true and equals: VALUE");
      ok = false;
      continue;
    }
    if (present) {
      auto flag = read_bool(*present, problems);
      if (flag && !*flag) {
        problems.add(present->mark, present->path, "must be true (leave the header out instead)");
      }
      ok = ok && flag && *flag;
    } else if (auto text = read_string(*equals, problems)) {
      condition.value = std::move(*text);
    } else {
      ok = false;
    }
    match.headers.push_back(std::move(condition));
  }
  return ok;
}

}  // namespace

bool read_match(const Field& field, ProblemList& problems, RouteMatch& match) {
  MappingReader reader(
      field, problems,
      {"path", "path_prefix", "path_template", "path_regex", "methods", "host", "headers"});
  if (!reader.is_mapping()) {
    return false;
  }
  constexpr std::array<std::pair<std::string_view, PathKind>, 4> kKinds{
      {{"path", PathKind::exact},
       {"path_prefix", PathKind::prefix},
       {"path_template", PathKind::path_template},
       {"path_regex", PathKind::regex}}};
  std::optional<Field> path_field;
  int count = 0;
  for (const auto& [key, kind] : kKinds) {
    if (auto f = reader.get(key)) {
      ++count;
      path_field = std::move(f);
      match.kind = kind;
    }
  }
  if (count != 1) {
    problems.add(field.mark, field.path,
                 "needs exactly one of path, path_prefix, path_template and path_regex");
    return false;
  }
  bool ok = false;
  switch (match.kind) {
    case PathKind::exact:
    case PathKind::prefix: {
      auto value = read_path(*path_field, problems);
      (match.kind == PathKind::exact ? match.path : match.path_prefix) = value.value_or("");
      ok = value.has_value();
      break;
    }
    case PathKind::path_template:
      ok = read_template(*path_field, problems, match);
      break;
    case PathKind::regex:
      ok = read_regex(*path_field, problems, match);
      break;
  }
  if (auto methods = reader.get("methods")) {
    match.methods = read_methods(*methods, problems, ok);
  }
  if (auto host = reader.get("host")) {
    ok = read_host(*host, problems, match) && ok;
  }
  if (auto headers = reader.get("headers")) {
    ok = read_headers(*headers, problems, match) && ok;
  }
  return ok;
}

}  // namespace rampart::config
