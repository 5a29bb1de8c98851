#pragma once
// SPEC §3 step 7: a route with `auth: required` lets a request through only with a valid
// credential — a key of the store that is not revoked or expired, or a JWT of a configured
// issuer; `optional` also lets anonymous requests through (identity ip:<addr>), but never a bad
// credential. Keys arrive as the configured header (X-API-Key) or "Authorization: Bearer
// rk_..." and are never forwarded; a JWT arrives as "Authorization: Bearer <jwt>" and is
// forwarded unchanged. Every credential sent must be valid; the identity is the key's, else the
// JWT's subject. The client sees one generic 401 whatever failed; the reason goes to the log
// line and the metric.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "config/config.hpp"
#include "policies/auth/config.hpp"
#include "policies/auth/key_directory.hpp"
#include "policies/jwt/token_verifier.hpp"
#include "policies/policy.hpp"

namespace rampart::policies {

inline constexpr std::string_view kAuthFailureLabels[] = {"route", "reason"};
/// Reasons: missing, malformed, unknown_key, bad_secret, expired, revoked (API keys and JWTs),
/// bad_signature, not_yet_valid, wrong_issuer, wrong_audience, algorithm_not_allowed,
/// unknown_kid (JWTs).
inline const observe::CounterFamily kAuthFailures{
    "rampart_auth_failures_total",
    "Requests refused by authentication, by route and reason (missing, malformed, unknown_key, "
    "bad_secret, expired, revoked, bad_signature, not_yet_valid, wrong_issuer, wrong_audience, "
    "algorithm_not_allowed, unknown_kid).",
    kAuthFailureLabels};

struct AuthSlot;

class AuthPolicy final : public Policy {
 public:
  /// `jwt` is null when no JWT issuer is configured.
  AuthPolicy(config::AuthMode mode, const AuthSettings& settings,
             std::shared_ptr<KeyDirectory> keys, std::shared_ptr<const jwt::TokenVerifier> jwt)
      : mode_(mode), settings_(settings), keys_(std::move(keys)), jwt_(std::move(jwt)) {}

  std::unique_ptr<PolicySlot> make_slot(net::WorkerContext& worker) const override;
  Verdict on_request(http::Exchange& exchange, PolicySlot* slot) const override;
  /// After an unknown kid: waits for the issuer's JWKS refetch, then checks the token again.
  net::Task<Verdict> wait(http::Exchange& exchange, PolicySlot* slot) const override;
  const observe::CounterFamily* refusal_counter() const override { return &kAuthFailures; }

 private:
  Verdict refuse(http::Exchange& exchange, std::string_view reason, bool credential_sent) const;
  Verdict check_key(http::Exchange& exchange, AuthSlot& slot, std::string_view presented) const;
  /// Checks the bearer JWT; `may_wait`: an unknown kid may ask for a refetch (pending).
  Verdict check_jwt(http::Exchange& exchange, AuthSlot& slot, std::string_view token,
                    bool may_wait) const;
  /// The bearer token of the request's Authorization when it is not an API key, or empty.
  std::string_view bearer_jwt(const http::Exchange& exchange) const;
  /// Hands the keys used since the last report to the directory (every few seconds).
  void report_usage(AuthSlot& slot) const;

  config::AuthMode mode_;
  const AuthSettings& settings_;
  std::shared_ptr<KeyDirectory> keys_;
  std::shared_ptr<const jwt::TokenVerifier> jwt_;
};

/// A worker's state for the auth policy: its copy of the key table, the keys it has already
/// verified against that table (a repeat skips the SHA-256), and the keys used since it last
/// reported them.
struct AuthSlot final : PolicySlot {
  /// A key checked once: the secret that matched, its entry in which table, and whether it
  /// was used since the last usage report. One hash lookup per request for a known key.
  struct Verified {
    /// The version of the table `entry` is in, plus one; 0: not verified. A version, not the
    /// table's address: a new table may be allocated where the old one was.
    std::uint64_t table_version = 0;
    const KeyEntry* entry = nullptr;
    std::string secret;
    bool used = false;
  };
  /// At most this many verified keys are remembered; past it the cache starts over.
  static constexpr std::size_t kMaxVerified = 10000;
  static constexpr std::chrono::seconds kUsageReportInterval{5};

  std::shared_ptr<KeyTableCell> cell = std::make_shared<KeyTableCell>();
  std::unordered_map<std::string, Verified> verified;
  std::size_t used = 0;  ///< entries of `verified` with `used` set
  std::chrono::steady_clock::time_point next_report{};
  std::unique_ptr<jwt::VerifierState> jwt;  ///< with JWT issuers: keys and verified tokens
};

}  // namespace rampart::policies
