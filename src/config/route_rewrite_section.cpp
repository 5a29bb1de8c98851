// routes[].rewrite: the path the upstream gets instead of the one the client sent.

#include <fmt/format.h>

#include <algorithm>

#include "config/key_path.hpp"
#include "config/route_match_reader.hpp"

namespace rampart::config {

namespace {

bool is_plain_path(std::string_view path) {
  return std::none_of(path.begin(), path.end(), [](unsigned char c) {
    return c <= 0x20 || c == 0x7F || c == '?' || c == '#' || c == '\\';
  });
}

std::optional<std::string> read_rewrite_path(const Field& field, ProblemList& problems) {
  auto text = read_string(field, problems);
  if (!text) {
    return std::nullopt;
  }
  if (!text->starts_with('/') || !is_plain_path(*text)) {
    problems.add(field.mark, field.path,
                 "must start with '/' and be a plain path: no spaces, control characters, '?', "
                 "'#' or '\\'");
    return std::nullopt;
  }
  return text;
}

bool read_template_parts(const Field& field, ProblemList& problems, const RouteMatch& match,
                         RewriteConfig& rewrite) {
  auto text = read_rewrite_path(field, problems);
  if (!text) {
    return false;
  }
  std::string_view rest = *text;
  while (!rest.empty()) {
    const auto open = rest.find('{');
    if (open != 0) {
      const auto literal = rest.substr(0, open);
      if (literal.find('}') != std::string_view::npos) {
        problems.add(field.mark, field.path, "has a '}' without its '{'");
        return false;
      }
      rewrite.template_parts.push_back({false, std::string(literal)});
      rest.remove_prefix(literal.size());
      continue;
    }
    const auto close = rest.find('}');
    const auto name = rest.substr(1, close == std::string_view::npos ? close : close - 1);
    if (close == std::string_view::npos || !is_capture_name(name)) {
      problems.add(field.mark, field.path, "a capture is written {name}, e.g. /internal/{id}");
      return false;
    }
    if (std::find(match.capture_names.begin(), match.capture_names.end(), name) ==
        match.capture_names.end()) {
      std::vector<std::string_view> known;
      for (const auto& n : match.capture_names) {
        if (!n.empty()) {
          known.push_back(n);
        }
      }
      problems.add(field.mark, field.path,
                   known.empty()
                       ? fmt::format("names capture \"{}\", but the match captures nothing "
                                     "(use a path_template or a path_regex with (?P<name>...))",
                                     name)
                       : fmt::format("names capture \"{}\", which the match does not make; it "
                                     "makes: {}",
                                     name, fmt::join(known, ", ")));
      return false;
    }
    rewrite.template_parts.push_back({true, std::string(name)});
    rest.remove_prefix(close + 1);
  }
  rewrite.template_text = *text;
  return true;
}

}  // namespace

std::optional<RewriteConfig> read_rewrite(const Field& field, ProblemList& problems,
                                          const RouteMatch& match, bool match_ok) {
  MappingReader reader(field, problems, {"prefix", "template"});
  if (!reader.is_mapping()) {
    return std::nullopt;
  }
  auto prefix = reader.get("prefix");
  auto template_field = reader.get("template");
  if (prefix.has_value() == template_field.has_value()) {
    problems.add(field.mark, field.path, "needs exactly one of prefix and template");
    return std::nullopt;
  }
  if (!match_ok) {
    return std::nullopt;  // the match's own problem is reported
  }
  RewriteConfig rewrite;
  if (prefix) {
    if (match.kind != PathKind::prefix) {
      problems.add(prefix->mark, prefix->path,
                   "replaces the matched path_prefix: the route must match by path_prefix (use "
                   "template: with a path_template or path_regex)");
      return std::nullopt;
    }
    rewrite.prefix = read_rewrite_path(*prefix, problems);
    if (!rewrite.prefix) {
      return std::nullopt;
    }
    return rewrite;
  }
  if (!read_template_parts(*template_field, problems, match, rewrite)) {
    return std::nullopt;
  }
  return rewrite;
}

}  // namespace rampart::config
