#include "gateway/router.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <array>

namespace rampart::gateway {

using config::PathKind;

namespace {

constexpr std::uint8_t kCheckMethods = 1;
constexpr std::uint8_t kCheckConditions = 2;

bool method_matches(const config::RouteMatch& match, std::string_view method) {
  if (match.methods.empty()) {
    return true;
  }
  return std::any_of(match.methods.begin(), match.methods.end(),
                     [&](const std::string& m) { return m == method; });
}

bool equal_lower(std::string_view text, std::string_view lower) {
  return text.size() == lower.size() &&
         std::equal(text.begin(), text.end(), lower.begin(), [](char a, char b) {
           return (a >= 'A' && a <= 'Z' ? static_cast<char>(a | 0x20) : a) == b;
         });
}

/// The Host field without its port; "[::1]" keeps its brackets.
std::string_view host_name(std::string_view host) {
  host = http::trim_ows(host);
  if (host.starts_with('[')) {
    return host.substr(0, host.find(']') + 1);
  }
  return host.substr(0, host.find(':'));
}

bool host_matches(std::string_view wanted, std::string_view host) {
  if (!wanted.starts_with("*.")) {
    return equal_lower(host, wanted);
  }
  const auto suffix = wanted.substr(1);  // ".example.com": example.com itself is not under it
  return host.size() > suffix.size() &&
         equal_lower(host.substr(host.size() - suffix.size()), suffix);
}

}  // namespace

bool path_matches(const config::RouteMatch& match, std::string_view path) {
  switch (match.kind) {
    case PathKind::exact:
      return path == match.path;
    case PathKind::prefix:
      return path.starts_with(match.path_prefix);
    case PathKind::path_template:
      return config::match_path_template(match.segments, path, nullptr);
    case PathKind::regex:
      return RE2::FullMatch(re2::StringPiece(path.data(), path.size()), *match.regex);
  }
  return false;
}

bool conditions_hold(const config::RouteMatch& match, const http::HeaderList* headers) {
  if (!match.host.empty()) {
    const auto* host = headers ? headers->find(http::field::host) : nullptr;
    if (host == nullptr || !host_matches(match.host, host_name(host->value))) {
      return false;
    }
  }
  for (const auto& condition : match.headers) {
    const auto* field = headers ? headers->find(std::string_view(condition.name)) : nullptr;
    if (field == nullptr || (condition.value && http::trim_ows(field->value) != *condition.value)) {
      return false;
    }
  }
  return true;
}

Router::Router(const std::vector<config::RouteConfig>& routes) : routes_(routes) {
  for (std::uint32_t i = 0; i < routes.size(); ++i) {
    const auto& match = routes[i].match;
    checks_.push_back(static_cast<std::uint8_t>(
        (match.methods.empty() ? 0 : kCheckMethods) |
        (match.host.empty() && match.headers.empty() ? 0 : kCheckConditions)));
    switch (match.kind) {
      case PathKind::exact:
        paths_.insert_exact(match.path, i);
        break;
      case PathKind::prefix:
        paths_.insert_prefix(match.path_prefix, i);
        break;
      case PathKind::path_template:
        templates_.insert(match.segments, i);
        break;
      case PathKind::regex:
        regexes_.push_back(i);
        break;
    }
  }
}

RouteMatchResult Router::match(std::string_view method, std::string_view path,
                               const http::HeaderList* headers) const {
  RouteMatchResult result;
  std::uint32_t best = kNoRoute;
  auto consider = [&](std::uint32_t index) {
    if (index >= best) {
      return;
    }
    const auto& match = routes_[index].match;
    const auto checks = checks_[index];
    if ((checks & kCheckConditions) != 0 && !conditions_hold(match, headers)) {
      return;
    }
    if ((checks & kCheckMethods) != 0 && !method_matches(match, method)) {
      result.path_matched = true;
      return;
    }
    best = index;
  };
  paths_.visit(path, consider);
  templates_.visit(path, best, consider);
  for (auto index : regexes_) {
    if (index >= best) {
      break;
    }
    if (path_matches(routes_[index].match, path)) {
      consider(index);
    }
  }
  if (best != kNoRoute) {
    result.route = &routes_[best];
    result.index = best;
  }
  return result;
}

std::string Router::allowed_methods(std::string_view path, const http::HeaderList* headers) const {
  std::vector<std::string_view> methods;
  for (const auto& route : routes_) {
    if (!path_matches(route.match, path) || !conditions_hold(route.match, headers)) {
      continue;
    }
    for (const auto& m : route.match.methods) {
      if (std::find(methods.begin(), methods.end(), m) == methods.end()) {
        methods.push_back(m);
      }
    }
  }
  std::string allow;
  for (auto m : methods) {
    if (!allow.empty()) {
      allow += ", ";
    }
    allow += m;
  }
  return allow;
}

void capture(const config::RouteMatch& match, std::string_view path,
             std::vector<config::CaptureSpan>& out) {
  if (match.kind == PathKind::path_template) {
    config::match_path_template(match.segments, path, &out);
    return;
  }
  if (match.kind != PathKind::regex || match.capture_names.empty()) {
    return;
  }
  std::array<re2::StringPiece, 17> groups;  // config::kMaxCaptures + the whole match
  const int count = static_cast<int>(match.capture_names.size()) + 1;
  if (!match.regex->Match(re2::StringPiece(path.data(), path.size()), 0, path.size(),
                          RE2::ANCHOR_BOTH, groups.data(), count)) {
    return;
  }
  for (std::size_t i = 0; i < match.capture_names.size(); ++i) {
    const auto& group = groups[i + 1];
    if (!match.capture_names[i].empty() && group.data() != nullptr) {
      out.push_back({match.capture_names[i], std::string_view(group.data(), group.size())});
    }
  }
}

void rewrite_path(const config::RouteConfig& route, std::string_view path,
                  const std::vector<config::CaptureSpan>& captures, std::string& out) {
  const auto& rewrite = *route.rewrite;
  out.clear();
  if (rewrite.prefix) {
    out += *rewrite.prefix;
    out += path.substr(route.match.path_prefix.size());
    return;
  }
  for (const auto& part : rewrite.template_parts) {
    if (!part.is_capture) {
      out += part.text;
      continue;
    }
    for (const auto& c : captures) {
      if (c.name == part.text) {
        out += c.value;
        break;
      }
    }
  }
}

}  // namespace rampart::gateway
