#pragma once
// `auth.jwt:` (SPEC §2): the issuers whose tokens rampart accepts, each with where its keys
// come from (a JWKS URL, an HMAC secret, or a PEM public key), the claims it must carry and the
// algorithms it may use. Read with the rest of `auth:` by policies/auth/config.cpp.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/policy_settings.hpp"
#include "policies/jwt/jose.hpp"
#include "policies/jwt/jwks_client.hpp"

namespace rampart::policies::jwt {

/// One entry of `auth.jwt`, checked: exactly one key source, algorithms that fit it.
struct IssuerSettings {
  std::string name;    ///< for logs and metrics
  std::string issuer;  ///< the exact `iss`
  std::optional<JwksUrl> jwks_url;
  /// A `secret:` or `public_key_file:` key (null with jwks_url).
  std::shared_ptr<const VerificationKey> static_key;
  std::vector<std::string> audiences;  ///< empty: `aud` is not checked
  std::vector<JwsAlgorithm> algorithms;
  std::chrono::seconds leeway{30};
  /// The claim as written (a top-level claim of that name is used first: Auth0's namespaced
  /// `https://example.com/plan`), and as a dotted path, split. Empty: none.
  std::string tier_claim_name;
  std::vector<std::string> tier_claim;

  bool allows(JwsAlgorithm algorithm) const;
};

inline constexpr std::chrono::seconds kMaxLeeway{300};
/// RFC 7518 §3.2 asks HS256 for a key of at least its hash's size; SPEC §2 asks it of every
/// HMAC secret, so a short secret is a load error, not a runtime refusal.
inline constexpr std::size_t kMinSecretBytes = 32;

/// Reads the `auth.jwt` list; every rule broken is a problem naming its key path.
std::vector<IssuerSettings> read_issuers(const config::Field& field, config::ProblemList& problems,
                                         config::Env env);

}  // namespace rampart::policies::jwt
