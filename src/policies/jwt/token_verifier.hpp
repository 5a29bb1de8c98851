#pragma once
// Bearer JWTs checked against the configured issuers (SPEC §3 step 7, issue 10): the JOSE
// checks of jose.hpp, then the issuer chosen by `iss`, the algorithm by that issuer's list
// only, the key by `kid`, the signature, and the claims. TokenVerifier is built per config and
// shared; a worker's VerifierState holds its view of each issuer's keys and the tokens it has
// already verified, so a repeated token costs a hash and a lookup, not a signature check.

#include <algorithm>
#include <boost/json/object.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "policies/jwt/config.hpp"
#include "policies/jwt/jwks_source.hpp"
#include "policies/jwt/key_set.hpp"

namespace rampart::policies::jwt {

/// The claims a request needs once a token is accepted.
struct AcceptedClaims {
  std::string identity;  ///< "jwt:<sub>"
  std::string tier;      ///< from tier_claim; empty when none
  std::int64_t expires = 0;
};

/// Checks the registered claims (RFC 7519 §4.1) of a token whose signature is good. Returns
/// the private refusal reason, or an empty view when they pass and `out` is filled. `exp` is
/// required; `nbf` and `iat` are checked when present; `aud` when the issuer lists audiences;
/// `sub` must be 1-256 printable ASCII characters (it becomes a header value).
std::string_view check_claims(const boost::json::object& claims, const IssuerSettings& issuer,
                              std::int64_t now, AcceptedClaims& out);

/// One issuer on the request path: its settings and where its keys are.
struct Issuer {
  const IssuerSettings* settings = nullptr;
  std::shared_ptr<JwksSource> jwks;     ///< with jwks_url
  std::shared_ptr<const KeySet> fixed;  ///< with secret or public_key_file
};

class VerifierState;

/// What checking one token came to.
struct TokenCheck {
  enum class Result : std::uint8_t { accepted, refused, needs_keys };
  Result result = Result::refused;
  std::string_view reason;                 ///< refused: the private reason (a static string)
  const AcceptedClaims* claims = nullptr;  ///< accepted: valid until the state's next check
  std::size_t issuer = 0;                  ///< needs_keys: whose JWKS lacks the key
};

/// The issuers of one config, immutable and shared by every worker and route.
class TokenVerifier {
 public:
  /// `fetcher` gives the JWKS sources; it may be null when no issuer has a jwks_url.
  TokenVerifier(const std::vector<IssuerSettings>& issuers, JwksFetcher* fetcher);

  bool empty() const { return issuers_.empty(); }
  const std::vector<Issuer>& issuers() const { return issuers_; }

  /// Checks `token` at `now` (unix seconds), with the worker's `state`.
  TokenCheck check(std::string_view token, std::int64_t now, VerifierState& state) const;

 private:
  TokenCheck verify(std::string_view token, std::int64_t now, VerifierState& state) const;

  std::vector<Issuer> issuers_;
};

/// A worker's keys and verified tokens for one TokenVerifier. Touched on its thread only.
class VerifierState {
 public:
  /// Tokens remembered; past it the cache starts over (a flood of distinct valid tokens then
  /// costs signature checks, as it would without a cache, and no memory).
  static constexpr std::size_t kMaxCachedTokens = 4096;

  explicit VerifierState(const TokenVerifier& verifier);

  std::size_t cached_tokens() const { return cache_.size(); }

 private:
  friend class TokenVerifier;

  struct IssuerKeys {
    std::uint64_t version = 0;
    std::shared_ptr<const KeySet> set;
  };
  struct Cached {
    std::size_t issuer = 0;
    std::uint64_t key_serial = 0;
    std::uint64_t keys_version = 0;  ///< of the set the key was last seen in
    AcceptedClaims claims;
  };
  /// Hashes the token's last bytes only: they are the signature, distinct per token, and a
  /// full hash of a 1 KiB token costs more than the rest of a cache hit. The key compared is
  /// the whole token, so a collision costs a probe, never a wrong match.
  struct TailHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view token) const {
      const std::size_t n = std::min<std::size_t>(token.size(), 32);
      return std::hash<std::string_view>{}(token.substr(token.size() - n));
    }
  };

  /// The issuer's current set on this worker, refreshed when its source moved on.
  const IssuerKeys& keys(const Issuer& issuer, std::size_t index);

  std::vector<IssuerKeys> issuer_keys_;
  std::unordered_map<std::string, Cached, TailHash, std::equal_to<>> cache_;
};

}  // namespace rampart::policies::jwt
