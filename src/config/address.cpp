#include "config/address.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <cctype>

namespace rampart::config {

namespace {

constexpr std::string_view kListenHint = "expected host:port like 0.0.0.0:8080 or [::1]:8080";
constexpr std::string_view kUrlHint = "expected http://host[:port], like http://127.0.0.1:8000";

Parsed<std::uint16_t> parse_port(std::string_view text) {
  auto number = parse_whole_number(text);
  if (!number.value || *number.value < 1 || *number.value > 65535) {
    return Parsed<std::uint16_t>::fail("port must be between 1 and 65535");
  }
  return Parsed<std::uint16_t>::ok(static_cast<std::uint16_t>(*number.value));
}

bool is_ip_literal(const std::string& host, bool v6) {
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(host, ec);
  return !ec && address.is_v6() == v6 && host.find('%') == std::string::npos;
}

// Letters, digits, '-' and '.': a DNS name or an IPv4 literal.
bool is_host_name(std::string_view host) {
  return !host.empty() && host.size() <= 253 &&
         std::all_of(host.begin(), host.end(),
                     [](unsigned char c) { return std::isalnum(c) != 0 || c == '-' || c == '.'; });
}

// "[v6]:port" or "host:port" -> host (brackets kept), port text; empty host when malformed.
std::pair<std::string_view, std::string_view> split_host_port(std::string_view text) {
  if (text.starts_with('[')) {
    auto close = text.find(']');
    if (close == std::string_view::npos) {
      return {};
    }
    auto rest = text.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(':')) {
      return {};
    }
    return {text.substr(0, close + 1), rest.empty() ? rest : rest.substr(1)};
  }
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return {text, {}};
  }
  return {text.substr(0, colon), text.substr(colon + 1)};
}

bool is_bracketed(std::string_view host) { return host.starts_with('[') && host.ends_with(']'); }

std::string unbracketed(std::string_view host) {
  return std::string(is_bracketed(host) ? host.substr(1, host.size() - 2) : host);
}

}  // namespace

Parsed<ListenAddress> parse_listen_address(std::string_view text) {
  using Result = Parsed<ListenAddress>;
  if (std::count(text.begin(), text.end(), ':') > 1 && !text.starts_with('[')) {
    return Result::fail("IPv6 addresses go in brackets, like [::1]:8080");
  }
  auto [host, port_text] = split_host_port(text);
  if (host.empty() || port_text.empty()) {
    return Result::fail(std::string(kListenHint));
  }
  auto port = parse_port(port_text);
  if (!port.value) {
    return Result::fail(port.error);
  }
  bool v6 = is_bracketed(host);
  auto host_text = unbracketed(host);
  if (!is_ip_literal(host_text, v6)) {
    return Result::fail(
        fmt::format("\"{}\" is not an IP{} address; listen takes an address, not a host name",
                    host_text, v6 ? "v6" : "v4"));
  }
  return Result::ok(ListenAddress{host_text, *port.value});
}

namespace {

// A base path rampart prepends must not be one a backend could resolve elsewhere.
bool is_plain_base_path(std::string_view path) {
  for (unsigned char c : path) {
    if (c <= 0x20 || c == 0x7F || c == '%' || c == '\\') {
      return false;
    }
  }
  return path.find("//") == std::string_view::npos && path.find("/./") == std::string_view::npos &&
         path.find("/../") == std::string_view::npos && !path.ends_with("/.") &&
         !path.ends_with("/..");
}

}  // namespace

Parsed<UpstreamAddress> parse_upstream_url(std::string_view url) {
  using Result = Parsed<UpstreamAddress>;
  auto scheme_end = url.find("://");
  std::string scheme(url.substr(0, scheme_end == std::string_view::npos ? 0 : scheme_end));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (scheme == "https") {
    return Result::fail("https upstreams are not supported yet; use http://");
  }
  if (scheme != "http") {
    return Result::fail(std::string(kUrlHint));
  }
  auto rest = url.substr(scheme_end + 3);
  auto authority_end = rest.find_first_of("/?#");
  auto authority = rest.substr(0, authority_end);
  auto after =
      authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
  // A base path is prepended to every request path; a query or fragment has no meaning here.
  if (after.find_first_of("?#") != std::string_view::npos) {
    return Result::fail("must be http://host[:port][/base/path], without a query or fragment");
  }
  if (!after.empty() && !is_plain_base_path(after)) {
    return Result::fail(
        "the base path must be plain: no spaces, control characters, '%', dot segments or //");
  }
  if (authority.find('@') != std::string_view::npos) {
    return Result::fail("must not contain user information (user@)");
  }
  auto [host, port_text] = split_host_port(authority);
  bool v6 = is_bracketed(host);
  auto host_text = unbracketed(host);
  if (v6 ? !is_ip_literal(host_text, true) : !is_host_name(host_text)) {
    return Result::fail(std::string(kUrlHint));
  }
  UpstreamAddress address{host_text, 80, {}};
  if (authority.find(':', host.size()) != std::string_view::npos) {
    auto port = parse_port(port_text);
    if (!port.value) {
      return Result::fail(port.error);
    }
    address.port = *port.value;
  }
  address.host_header = std::string(host);
  address.base_path = std::string(after);
  while (address.base_path.ends_with('/')) {
    address.base_path.pop_back();
  }
  if (address.port != 80) {
    address.host_header += fmt::format(":{}", address.port);
  }
  return Result::ok(std::move(address));
}

}  // namespace rampart::config
