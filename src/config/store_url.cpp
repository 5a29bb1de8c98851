#include "config/store_url.hpp"

namespace rampart::config {

namespace {

/// "password=..." in a query string, with its value replaced.
std::string redact_query(std::string_view query) {
  std::string out;
  while (!query.empty()) {
    auto amp = query.find('&');
    auto param = query.substr(0, amp);
    if (param.starts_with("password=")) {
      out += "password=***";
    } else {
      out += param;
    }
    if (amp == std::string_view::npos) {
      break;
    }
    out += '&';
    query.remove_prefix(amp + 1);
  }
  return out;
}

bool has_control(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::optional<StoreLocation> parse_store_url(std::string_view url, std::string& error) {
  StoreLocation where;
  where.display = std::string(url);
  if (has_control(url)) {
    error = "must not contain control characters";
    return std::nullopt;
  }
  if (url.starts_with("sqlite:")) {
    auto path = url.substr(7);
    if (path.starts_with("//")) {
      error =
          "write sqlite:PATH (sqlite:rampart.db or sqlite:/var/lib/rampart/rampart.db), "
          "not sqlite://";
      return std::nullopt;
    }
    if (path.empty()) {
      error = "sqlite: needs a file path, e.g. sqlite:rampart.db";
      return std::nullopt;
    }
    where.kind = StoreLocation::Kind::sqlite;
    where.path = std::string(path);
    return where;
  }
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    const auto scheme_end = url.find("://") + 3;
    auto rest = url.substr(scheme_end);
    const auto at = rest.find('@');
    // One '@', and no '/' or '?' before it: otherwise where the password ends is a guess, and
    // a wrong guess would print part of it.
    if (at != std::string_view::npos &&
        (rest.find('@', at + 1) != std::string_view::npos ||
         rest.substr(0, at).find_first_of("/?") != std::string_view::npos)) {
      where.display = std::string(url.substr(0, scheme_end)) + "***";
      error = "the user or password has @, / or ? in it: write them as %40, %2F and %3F";
      return std::nullopt;
    }
    auto userinfo = at == std::string_view::npos ? std::string_view{} : rest.substr(0, at);
    auto after = at == std::string_view::npos ? rest : rest.substr(at + 1);
    auto query_start = after.find('?');
    auto host_and_path = after.substr(0, query_start);
    std::string display(url.substr(0, scheme_end));
    if (!userinfo.empty()) {
      auto colon = userinfo.find(':');
      display += colon == std::string_view::npos ? userinfo : userinfo.substr(0, colon + 1);
      if (colon != std::string_view::npos) {
        display += "***";
      }
      display += '@';
    }
    display += host_and_path;
    if (query_start != std::string_view::npos) {
      display += '?';
      display += redact_query(after.substr(query_start + 1));
    }
    where.display = display;
    const auto slash = host_and_path.find('/');
    if (host_and_path.substr(0, slash).empty()) {
      error = "a postgresql URL needs a host: postgresql://user@host:5432/db";
      return std::nullopt;
    }
    if (slash == std::string_view::npos || host_and_path.substr(slash + 1).empty()) {
      error = "a postgresql URL needs a database name: postgresql://user@host:5432/db";
      return std::nullopt;
    }
    where.kind = StoreLocation::Kind::postgresql;
    where.conninfo = std::string(url);
    return where;
  }
  error = "expected sqlite:PATH or postgresql://user@host:port/db";
  return std::nullopt;
}

}  // namespace rampart::config
