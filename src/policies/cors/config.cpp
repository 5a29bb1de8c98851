#include "policies/cors/config.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace rampart::policies {

namespace {

constexpr std::chrono::seconds kMaxMaxAge{24 * 3600};

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool is_token(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) ||
           std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
  });
}

bool is_host(std::string_view host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    return std::all_of(host.begin() + 1, host.end() - 1,
                       [](unsigned char c) { return std::isxdigit(c) || c == ':' || c == '.'; });
  }
  return !host.empty() && std::all_of(host.begin(), host.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '.';
  });
}

/// A list of tokens joined with ", " for a header value.
std::optional<std::string> read_tokens(const config::Field& field, config::ProblemList& problems,
                                       std::string_view what) {
  auto items = config::read_list(field, problems);
  if (!items) {
    return std::nullopt;
  }
  std::string joined;
  for (const auto& item : *items) {
    auto text = config::read_string(item, problems);
    if (!text) {
      return std::nullopt;
    }
    if (!is_token(*text)) {
      problems.add(item.mark, item.path, "must be " + std::string(what));
      return std::nullopt;
    }
    joined += joined.empty() ? "" : ", ";
    joined += *text;
  }
  return joined;
}

void read_origins(const config::Field& field, config::ProblemList& problems, config::Env env,
                  CorsSettings& cors) {
  auto items = config::read_list(field, problems);
  if (!items) {
    return;
  }
  if (items->empty()) {
    problems.add(field.mark, field.path,
                 "must list at least one origin, e.g. [\"https://app.example.com\"]");
  }
  const bool production = env == config::Env::production;
  for (const auto& item : *items) {
    auto text = config::read_string(item, problems);
    if (!text) {
      continue;
    }
    if (*text == "*") {
      if (production) {
        problems.add(item.mark, item.path,
                     "\"*\" lets every site read the API's answers: list the origins instead "
                     "(refused in production)");
      }
      cors.any_origin = true;
      continue;
    }
    auto origin = normalise_origin(*text);
    if (!origin) {
      problems.add(item.mark, item.path,
                   "must be an origin, scheme://host[:port] with no path, e.g. "
                   "\"https://app.example.com\"");
      continue;
    }
    if (production && !origin->starts_with("https://")) {
      problems.add(item.mark, item.path,
                   *origin == "null" ? "\"null\" is the origin of sandboxed frames and files: "
                                       "any page can send it (refused in production)"
                                     : "must be https:// in production: a page served over "
                                       "http can be changed on the way");
      continue;
    }
    cors.origins.push_back(std::move(*origin));
  }
}

}  // namespace

const std::string* CorsSettings::find(std::string_view origin) const {
  auto at = std::find(origins.begin(), origins.end(), origin);
  return at == origins.end() ? nullptr : &*at;
}

std::optional<std::string> normalise_origin(std::string_view text) {
  if (text == "null") {
    return std::string("null");
  }
  const auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) {
    return std::nullopt;
  }
  const std::string scheme = lower(text.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https") {
    return std::nullopt;
  }
  std::string_view rest = text.substr(scheme_end + 3);
  if (rest.ends_with('/')) {
    rest.remove_suffix(1);  // "https://a.example/" is written often enough
  }
  if (rest.find_first_of("/?#@ \t") != std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view host = rest;
  std::string_view port;
  const auto colon = rest.rfind(':');
  if (colon != std::string_view::npos && rest.find(']', colon) == std::string_view::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value == 0 ||
        value > 65535) {
      return std::nullopt;
    }
    if ((scheme == "https" && value == 443) || (scheme == "http" && value == 80)) {
      port = {};
    }
  }
  if (!is_host(host)) {
    return std::nullopt;
  }
  std::string out = scheme + "://" + lower(host);
  if (!port.empty()) {
    out += ':';
    out += std::to_string(std::stoul(std::string(port)));
  }
  return out;
}

std::shared_ptr<const config::PolicySettings> read_cors(const config::Field& field,
                                                        config::ProblemList& problems,
                                                        config::Env env) {
  auto cors = std::make_shared<CorsSettings>();
  if (field.node.IsScalar()) {
    auto text = config::read_string(field, problems);
    if (text && *text == "off") {
      cors->off = true;
      return cors;
    }
    problems.add(field.mark, field.path, "must be off, or a block like {origins: [...]}");
    return nullptr;
  }
  config::MappingReader reader(field, problems,
                               {"origins", "methods", "headers", "credentials", "max_age"});
  if (!reader.is_mapping()) {
    return nullptr;
  }
  if (auto origins = reader.require("origins",
                                    "needs origins, e.g. origins: "
                                    "[\"https://app.example.com\"]")) {
    read_origins(*origins, problems, env, *cors);
  }
  cors->methods = "GET, HEAD, POST, PUT, PATCH, DELETE";
  if (auto methods = reader.get("methods")) {
    if (auto joined = read_tokens(*methods, problems, "a method name, e.g. GET")) {
      cors->methods = *joined;
    }
  }
  cors->headers = "Authorization, Content-Type, X-API-Key, X-Request-ID";
  if (auto headers = reader.get("headers")) {
    if (auto joined = read_tokens(*headers, problems, "a header name, e.g. Content-Type")) {
      cors->headers = *joined;
    }
  }
  reader.read("credentials", cors->credentials, config::read_bool);
  if (auto max_age = reader.get("max_age")) {
    if (auto value = config::read_duration(*max_age, problems)) {
      if (*value > kMaxMaxAge) {
        problems.add(max_age->mark, max_age->path, "must be at most 24h");
      } else {
        cors->max_age = std::chrono::duration_cast<std::chrono::seconds>(*value);
      }
    }
  }
  if (cors->any_origin && cors->credentials) {
    problems.add(field.mark, field.path + ".credentials",
                 "cannot be true with the origin \"*\": any site could then read answers made "
                 "with the user's cookies (browsers refuse it too); list the origins");
  }
  return cors;
}

}  // namespace rampart::policies
