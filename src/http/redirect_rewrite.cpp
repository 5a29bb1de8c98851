#include "http/redirect_rewrite.hpp"

#include <algorithm>

namespace rampart::http {

namespace {

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), text.begin(), [](char a, char b) {
           auto lower = [](char c) {
             return c >= 'A' && c <= 'Z' ? static_cast<char>(c | 0x20) : c;
           };
           return lower(a) == lower(b);
         });
}

/// `path` (from the upstream) under mapping.upstream_path, as the client's path.
bool map_path(std::string_view path, const RedirectMapping& mapping, std::string& out) {
  if (path.starts_with(mapping.upstream_path)) {
    out += mapping.client_path;
    out += path.substr(mapping.upstream_path.size());
    return true;
  }
  // The bare prefix without its final '/' ("/base" for "/base/"): the client's, likewise.
  if (mapping.upstream_path.size() > 1 && mapping.upstream_path.ends_with('/') &&
      path == std::string_view(mapping.upstream_path).substr(0, mapping.upstream_path.size() - 1)) {
    out += std::string_view(mapping.client_path)
               .substr(0, mapping.client_path.size() - (mapping.client_path.size() > 1 ? 1 : 0));
    return true;
  }
  return false;
}

}  // namespace

bool rewrite_location(std::string_view value, const RedirectMapping& mapping,
                      std::string_view client_origin, std::string& out) {
  out.clear();
  if (starts_with_nocase(value, mapping.upstream_origin)) {
    auto rest = value.substr(mapping.upstream_origin.size());
    if (!rest.empty() && rest.front() != '/' && rest.front() != '?' && rest.front() != '#') {
      return false;  // "http://127.0.0.1:80001/": another port, another host
    }
    out += client_origin;
    if (rest.empty() || rest.front() != '/') {
      out += '/';
      out += rest;
      return true;
    }
    if (!map_path(rest, mapping, out)) {
      out += rest;  // the upstream's own host, outside the mapped path: only the origin changes
    }
    return true;
  }
  // A path-absolute reference ("/base/x", not "//host/x") needs the path mapped back only.
  if (value.starts_with('/') && !value.starts_with("//") &&
      mapping.upstream_path != mapping.client_path) {
    return map_path(value, mapping, out);
  }
  return false;
}

bool rewrite_refresh(std::string_view value, const RedirectMapping& mapping,
                     std::string_view client_origin, std::string& out) {
  // "<seconds>; url=<URL>" (the URL may be quoted; "URL" in any case).
  std::size_t at = std::string_view::npos;
  for (std::size_t i = 0; i + 4 <= value.size(); ++i) {
    if (starts_with_nocase(value.substr(i), "url=")) {
      at = i + 4;
      break;
    }
  }
  if (at == std::string_view::npos) {
    return false;
  }
  auto url = value.substr(at);
  const bool quoted = !url.empty() && (url.front() == '\'' || url.front() == '"');
  if (quoted) {
    url.remove_prefix(1);
  }
  std::string rewritten;
  if (!rewrite_location(url, mapping, client_origin, rewritten)) {
    return false;
  }
  out.assign(value.substr(0, at + (quoted ? 1 : 0)));
  out += rewritten;
  return true;
}

}  // namespace rampart::http
