#include "policies/auth/config.hpp"

#include <algorithm>

namespace rampart::policies {

namespace {

bool is_token(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) ||
           std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
  });
}

void read_api_keys(const config::Field& field, config::ProblemList& problems,
                   AuthSettings& settings) {
  config::MappingReader reader(field, problems, {"header"});
  auto header = reader.get("header");
  if (!header) {
    return;
  }
  auto name = config::read_string(*header, problems);
  if (!name) {
    return;
  }
  if (!is_token(*name)) {
    problems.add(header->mark, header->path,
                 "must be a header name (letters, digits and - _ . and the like; no spaces or "
                 "colon), e.g. X-API-Key");
    return;
  }
  if (http::same_header_name(*name, "authorization") || http::same_header_name(*name, "cookie") ||
      http::same_header_name(*name, "host") ||
      http::same_header_name(name->substr(0, std::min<std::size_t>(name->size(), 10)),
                             "x-rampart-")) {
    problems.add(header->mark, header->path,
                 "must be a header of its own: keys are also accepted as \"Authorization: Bearer "
                 "rk_...\", and Cookie, Host and X-Rampart-* have other meanings");
    return;
  }
  settings.api_key_header = *name;
  settings.api_key_header_id = boost::beast::http::string_to_field(*name);
}

}  // namespace

std::shared_ptr<const config::PolicySettings> read_auth_section(const config::Field& field,
                                                                config::ProblemList& problems,
                                                                config::Env env) {
  config::MappingReader reader(field, problems, {"api_keys", "jwt"});
  auto settings = std::make_shared<AuthSettings>();
  if (!reader.is_mapping()) {
    return nullptr;
  }
  if (auto api_keys = reader.get("api_keys")) {
    read_api_keys(*api_keys, problems, *settings);
  }
  if (auto jwt = reader.get("jwt")) {
    settings->jwt_issuers = jwt::read_issuers(*jwt, problems, env);
  }
  return settings;
}

}  // namespace rampart::policies
