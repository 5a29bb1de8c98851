#include "audit/target.hpp"

#include <charconv>

namespace rampart::audit {

std::string Target::host_header() const {
  std::string out = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  bool default_port = (port == 80 && scheme == "http") || (port == 443 && scheme == "https");
  if (!default_port) {
    out += ':' + std::to_string(port);
  }
  return out;
}

std::string Target::origin() const { return scheme + "://" + host_header(); }

namespace {

bool has_forbidden_byte(std::string_view text) {
  for (unsigned char c : text) {
    if (c <= 0x20 || c == 0x7f) {
      return true;
    }
  }
  return false;
}

TargetParse fail(std::string why) { return TargetParse{std::nullopt, std::move(why)}; }

}  // namespace

TargetParse parse_target(std::string_view url) {
  if (url.empty()) {
    return fail("the URL is empty");
  }
  if (has_forbidden_byte(url)) {
    return fail("the URL contains a blank or a control character");
  }
  Target t;
  auto sep = url.find("://");
  if (sep == std::string_view::npos) {
    return fail("the URL needs a scheme: http://host[:port][/path]");
  }
  for (char c : url.substr(0, sep)) {
    t.scheme += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  if (t.scheme != "http" && t.scheme != "https") {
    return fail("unsupported scheme \"" + t.scheme + "\": use http:// or https://");
  }
  std::string_view rest = url.substr(sep + 3);
  auto path_at = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, path_at);
  std::string_view path = path_at == std::string_view::npos ? "" : rest.substr(path_at);
  if (auto hash = path.find('#'); hash != std::string_view::npos) {
    path = path.substr(0, hash);
  }
  if (authority.find('@') != std::string_view::npos) {
    return fail("the URL must not carry credentials (user@host)");
  }
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) {
      return fail("unclosed '[' in the URL's host");
    }
    t.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return fail("unexpected text after the IPv6 address");
      }
      port_text = after.substr(1);
      if (port_text.empty()) {
        return fail("empty port in the URL");
      }
    }
  } else {
    auto colon = authority.rfind(':');
    t.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) {
        return fail("empty port in the URL");
      }
    }
  }
  if (t.host.empty()) {
    return fail("the URL has no host");
  }
  t.port = t.https() ? 443 : 80;
  if (!port_text.empty()) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || value == 0 ||
        value > 65535) {
      return fail("bad port \"" + std::string(port_text) + "\" in the URL");
    }
    t.port = static_cast<std::uint16_t>(value);
  }
  if (path.empty()) {
    t.path = "/";
  } else if (path.front() == '?') {
    t.path = "/" + std::string(path);
  } else {
    t.path = std::string(path);
  }
  return TargetParse{std::move(t), {}};
}

bool is_probe_path(std::string_view path) {
  return !path.empty() && path.front() == '/' && !has_forbidden_byte(path) && path.size() <= 2048;
}

}  // namespace rampart::audit
