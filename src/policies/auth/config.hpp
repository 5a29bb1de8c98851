#pragma once
// The top-level `auth:` section (SPEC §2): how API keys are presented, and the JWT issuers
// (`jwt:`, read by policies/jwt/config.cpp). Which routes require a credential is the route's
// `auth: required | optional | none`, read with the routes.

#include <memory>
#include <string>
#include <string_view>

#include "config/policy_settings.hpp"
#include "http/header_list.hpp"
#include "policies/jwt/config.hpp"

namespace rampart::policies {

inline constexpr std::string_view kAuthSection = "auth";

/// `auth:` as read; the defaults when the section is absent.
struct AuthSettings final : config::PolicySettings {
  std::string api_key_header = "X-API-Key";  ///< besides "Authorization: Bearer rk_..."
  /// Beast's id for the header (field::unknown for X-API-Key): the request scan compares ids.
  http::field api_key_header_id = boost::beast::http::string_to_field(api_key_header);
  std::vector<jwt::IssuerSettings> jwt_issuers;  ///< `jwt:`; empty: bearer JWTs are not ours
};

std::shared_ptr<const config::PolicySettings> read_auth_section(const config::Field& field,
                                                                config::ProblemList& problems,
                                                                config::Env env);

}  // namespace rampart::policies
