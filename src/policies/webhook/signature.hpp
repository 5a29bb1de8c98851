#pragma once
// Webhook signatures (SPEC §3 step 6), checked on the raw body: Stripe's `Stripe-Signature:
// t=<unix>,v1=<hex>[,v1=<hex>...]` (HMAC-SHA256 of "<t>.<body>"), GitHub's
// `X-Hub-Signature-256: sha256=<hex>` (HMAC-SHA256 of the body), and a generic HMAC-SHA256
// in a header of the route's choosing, hex or base64, optionally over "<timestamp>.<body>".
// Every comparison is constant-time; several secrets are tried (a rotation).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rampart::policies {

enum class WebhookScheme { stripe, github, hmac_sha256 };
enum class SignatureEncoding { hex, base64 };

/// What a signature check came to.
struct SignatureVerdict {
  /// Empty when valid; else missing, malformed, mismatch or stale (private reasons).
  std::string_view refusal;
  /// Valid: what identifies this delivery for the replay check (the signature that matched,
  /// with its timestamp when it has one).
  std::string replay_key;
};

/// HMAC-SHA256 of `data` under `secret`, 32 raw bytes.
std::string hmac_sha256(std::string_view secret, std::string_view data);

SignatureVerdict check_stripe(std::string_view header, std::string_view body,
                              const std::vector<std::string>& secrets, std::int64_t now,
                              std::chrono::seconds tolerance);
SignatureVerdict check_github(std::string_view header, std::string_view body,
                              const std::vector<std::string>& secrets);
/// `timestamp`: the timestamp header's value when the route names one (nullopt: none sent or
/// none configured — `timestamp_required` says which).
SignatureVerdict check_hmac(std::string_view header, std::string_view prefix,
                            SignatureEncoding encoding, std::optional<std::string_view> timestamp,
                            bool timestamp_required, std::string_view body,
                            const std::vector<std::string>& secrets, std::int64_t now,
                            std::chrono::seconds tolerance);

}  // namespace rampart::policies
