#include "config/route_overlap.hpp"

#include <algorithm>

namespace rampart::config {

namespace {

using Kind = TemplateSegment::Kind;

/// A template of literals ending in {rest...} takes every path under its literal part: for
/// coverage it is that prefix.
bool is_prefix_like(const RouteMatch& m) {
  if (m.kind != PathKind::path_template) {
    return m.kind == PathKind::prefix;
  }
  for (std::size_t i = 0; i + 1 < m.segments.size(); ++i) {
    if (m.segments[i].kind != Kind::literal) {
      return false;
    }
  }
  return m.segments.back().kind == Kind::rest;
}

/// The one path a template of literals only matches.
bool is_exact_like(const RouteMatch& m) {
  return m.kind == PathKind::exact ||
         (m.kind == PathKind::path_template &&
          std::all_of(m.segments.begin(), m.segments.end(),
                      [](const TemplateSegment& s) { return s.kind == Kind::literal; }));
}

std::string prefix_of(const RouteMatch& m) {
  return m.kind == PathKind::prefix ? m.path_prefix : template_literal_prefix(m.segments);
}

std::string exact_of(const RouteMatch& m) {
  return m.kind == PathKind::exact ? m.path : template_literal_prefix(m.segments);
}

/// Every path `later` (a template) matches is matched by `earlier` (a template): segment by
/// segment, a literal covers the same literal, {name} covers a literal that is not empty and
/// another {name}, {rest...} covers whatever is left.
bool template_covers(const std::vector<TemplateSegment>& earlier,
                     const std::vector<TemplateSegment>& later) {
  for (std::size_t i = 0; i < earlier.size(); ++i) {
    const auto& e = earlier[i];
    if (e.kind == Kind::rest) {
      return i < later.size();  // later's paths go on past the segments before it
    }
    if (i >= later.size()) {
      return false;
    }
    const auto& l = later[i];
    const bool ok = e.kind == Kind::literal
                        ? l.kind == Kind::literal && l.text == e.text
                        : l.kind == Kind::param || (l.kind == Kind::literal && !l.text.empty());
    if (!ok) {
      return false;
    }
  }
  return earlier.size() == later.size();
}

// Regexes are never decided (RE2 has no inclusion test): such pairs are not reported.
bool covers_path(const RouteMatch& earlier, const RouteMatch& later) {
  if (earlier.kind == PathKind::regex || later.kind == PathKind::regex) {
    return false;
  }
  if (is_prefix_like(earlier)) {
    const auto prefix = prefix_of(earlier);
    if (is_exact_like(later)) {
      return exact_of(later).starts_with(prefix);
    }
    // Every path a prefix or a template matches starts with its literal prefix.
    return prefix_of(later).starts_with(prefix);
  }
  if (is_exact_like(earlier)) {
    return is_exact_like(later) && exact_of(earlier) == exact_of(later);
  }
  // earlier is a template with a {name} somewhere.
  if (later.kind == PathKind::exact) {
    return match_path_template(earlier.segments, later.path, nullptr);
  }
  if (later.kind == PathKind::path_template) {
    return template_covers(earlier.segments, later.segments);
  }
  return false;  // a prefix reaches paths of any shape
}

bool covers_methods(const RouteMatch& earlier, const RouteMatch& later) {
  if (earlier.methods.empty()) {
    return true;
  }
  if (later.methods.empty()) {
    return false;
  }
  return std::all_of(later.methods.begin(), later.methods.end(), [&](const std::string& m) {
    return std::find(earlier.methods.begin(), earlier.methods.end(), m) != earlier.methods.end();
  });
}

bool covers_host(const RouteMatch& earlier, const RouteMatch& later) {
  if (earlier.host.empty() || earlier.host == later.host) {
    return true;
  }
  if (!earlier.host.starts_with("*.") || later.host.empty()) {
    return false;
  }
  // *.example.com covers a.example.com and *.a.example.com.
  const std::string_view suffix = std::string_view(earlier.host).substr(1);
  const std::string_view name =
      later.host.starts_with("*.") ? std::string_view(later.host).substr(1) : later.host;
  return name.size() > suffix.size() && name.ends_with(suffix);
}

/// Every condition of earlier's holds whenever later's all hold.
bool covers_headers(const RouteMatch& earlier, const RouteMatch& later) {
  return std::all_of(earlier.headers.begin(), earlier.headers.end(), [&](const auto& e) {
    return std::any_of(later.headers.begin(), later.headers.end(), [&](const auto& l) {
      return same_field_name(e.name, l.name) && (!e.value || e.value == l.value);
    });
  });
}

}  // namespace

bool same_field_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x | 0x20) == (y | 0x20);
         });
}

bool covers(const RouteMatch& earlier, const RouteMatch& later) {
  return covers_path(earlier, later) && covers_methods(earlier, later) &&
         covers_host(earlier, later) && covers_headers(earlier, later);
}

}  // namespace rampart::config
