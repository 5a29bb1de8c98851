#pragma once
// SPEC §3 step 7, API keys: a route with `auth: required` lets a request through only with a
// key of the store that is not revoked or expired; `optional` also lets anonymous requests
// through (identity ip:<addr>), but never a bad key. Keys arrive as the configured header
// (X-API-Key) or "Authorization: Bearer rk_..."; neither is forwarded. The client sees one
// generic 401 whatever failed; the reason goes to the log line and the metric.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "config/config.hpp"
#include "policies/auth/config.hpp"
#include "policies/auth/key_directory.hpp"
#include "policies/policy.hpp"

namespace rampart::policies {

inline constexpr std::string_view kAuthFailureLabels[] = {"route", "reason"};
/// Reasons: missing, malformed, unknown_key, bad_secret, expired, revoked.
inline const observe::CounterFamily kAuthFailures{
    "rampart_auth_failures_total",
    "Requests refused by authentication, by route and reason (missing, malformed, unknown_key, "
    "bad_secret, expired, revoked).",
    kAuthFailureLabels};

struct AuthSlot;

class AuthPolicy final : public Policy {
 public:
  AuthPolicy(config::AuthMode mode, const AuthSettings& settings,
             std::shared_ptr<KeyDirectory> keys)
      : mode_(mode), settings_(settings), keys_(std::move(keys)) {}

  std::unique_ptr<PolicySlot> make_slot(net::WorkerContext& worker) const override;
  Verdict on_request(http::Exchange& exchange, PolicySlot* slot) const override;
  const observe::CounterFamily* refusal_counter() const override { return &kAuthFailures; }

 private:
  Verdict refuse(http::Exchange& exchange, std::string_view reason, bool credential_sent) const;
  /// Hands the keys used since the last report to the directory (every few seconds).
  void report_usage(AuthSlot& slot) const;

  config::AuthMode mode_;
  const AuthSettings& settings_;
  std::shared_ptr<KeyDirectory> keys_;
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
};

}  // namespace rampart::policies
