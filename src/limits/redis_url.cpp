#include "limits/redis_url.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

#include "http/hex.hpp"

namespace rampart::limits {

namespace {

constexpr std::string_view kScheme = "redis://";
constexpr std::string_view kForm = "redis://[[user]:password@]host[:port][/db]";
constexpr int kMaxDb = 15;  // Redis' default `databases 16`

bool percent_decode(std::string_view in, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    if (i + 2 >= in.size()) {
      return false;
    }
    int high = http::hex_digit_value(in[i + 1]);
    int low = http::hex_digit_value(in[i + 2]);
    if (high < 0 || low < 0) {
      return false;
    }
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return true;
}

/// Digits only (no sign, no spaces), within [min, max].
std::optional<int> parse_number(std::string_view digits, int min, int max) {
  int value = 0;
  if (digits.empty() || digits.size() > 5 ||
      digits.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (value < min || value > max) {
    return std::nullopt;
  }
  return value;
}

bool valid_host_name(std::string_view host) {
  return !host.empty() && host.size() <= 253 &&
         host.find_first_not_of(
             "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
             "0123456789-._") == std::string_view::npos;
}

/// host[:port] into `where`; false with `error` set when it is not one.
bool parse_host_port(std::string_view authority, RedisUrl& where, std::string& error) {
  std::string_view after_host;  // "" or ":port"
  if (authority.starts_with('[')) {
    auto close = authority.find(']');
    auto inside = authority.substr(1, close == std::string_view::npos ? 0 : close - 1);
    in6_addr ignored;
    if (close == std::string_view::npos ||
        inet_pton(AF_INET6, std::string(inside).c_str(), &ignored) != 1) {
      error = "an IPv6 host must be a valid address in brackets, e.g. redis://[::1]:6379";
      return false;
    }
    where.host = std::string(inside);
    after_host = authority.substr(close + 1);
  } else {
    auto colon = std::min(authority.find(':'), authority.size());
    where.host = std::string(authority.substr(0, colon));
    if (!valid_host_name(where.host)) {
      error = where.host.empty() ? "a Redis URL needs a host: " + std::string(kForm)
                                 : "the host must be a name or an IP address";
      return false;
    }
    after_host = authority.substr(colon);
  }
  if (after_host.empty()) {
    return true;
  }
  auto port =
      after_host.starts_with(':') ? parse_number(after_host.substr(1), 1, 65535) : std::nullopt;
  if (!port) {
    error = "the port must be a number from 1 to 65535";
    return false;
  }
  where.port = static_cast<std::uint16_t>(*port);
  return true;
}

/// [[user]:password@] into `where`; false with `error` set (never with the password).
bool parse_userinfo(std::string_view userinfo, RedisUrl& where, std::string& error) {
  auto colon = userinfo.find(':');
  if (colon == std::string_view::npos) {
    // redis-cli would take this as the password, other clients as the user: refuse rather
    // than guess, since a wrong guess prints the password as a user name.
    error =
        "write the password after a colon: redis://:password@host or redis://user:password@host";
    return false;
  }
  if (!percent_decode(userinfo.substr(0, colon), where.user) ||
      !percent_decode(userinfo.substr(colon + 1), where.password)) {
    error = "the user or password has a % that is not followed by two hex digits";
    return false;
  }
  if (where.password.empty()) {
    error = "the password is empty: leave out \":@\" for a server without a password";
    return false;
  }
  return true;
}

}  // namespace

std::optional<RedisUrl> parse_redis_url(std::string_view url, std::string& error) {
  for (unsigned char c : url) {
    if (c <= 0x20 || c == 0x7f) {
      error = "a Redis URL must not contain spaces or control characters";
      return std::nullopt;
    }
  }
  if (url.starts_with("rediss://")) {
    error = "rediss:// (Redis over TLS) is not supported yet: use redis://";
    return std::nullopt;
  }
  if (!url.starts_with(kScheme)) {
    error = "expected " + std::string(kForm);
    return std::nullopt;
  }
  auto rest = url.substr(kScheme.size());
  // Checked before the user info is split off: a '#' or '?' in a password that is not
  // percent-encoded starts a fragment or a query by the URL rules.
  if (rest.find('#') != std::string_view::npos) {
    error = "a Redis URL takes no fragment (#...); write a # in a password as %23";
    return std::nullopt;
  }
  if (rest.find('?') != std::string_view::npos) {
    error = "a Redis URL takes no query (?...); write a ? in a password as %3F";
    return std::nullopt;
  }
  RedisUrl where;
  std::string display(kScheme);
  const auto at = rest.find('@');
  if (at != std::string_view::npos) {
    auto userinfo = rest.substr(0, at);
    // One '@' and no '/' before it: otherwise where the password ends is a guess.
    if (rest.find('@', at + 1) != std::string_view::npos ||
        userinfo.find('/') != std::string_view::npos) {
      error = "the user or password has @ or / in it: write them as %40 and %2F";
      return std::nullopt;
    }
    if (!parse_userinfo(userinfo, where, error)) {
      return std::nullopt;
    }
    display += userinfo.substr(0, userinfo.find(':'));
    display += ":***@";
    rest.remove_prefix(at + 1);
  }
  const auto slash = rest.find('/');
  if (!parse_host_port(rest.substr(0, slash), where, error)) {
    return std::nullopt;
  }
  if (slash != std::string_view::npos && slash + 1 < rest.size()) {
    auto db = parse_number(rest.substr(slash + 1), 0, kMaxDb);
    if (!db) {
      error = "the path must be a database number from 0 to 15, e.g. redis://host:6379/3";
      return std::nullopt;
    }
    where.db = *db;
  }
  display += rest;
  where.display = std::move(display);
  return where;
}

}  // namespace rampart::limits
