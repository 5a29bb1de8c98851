#pragma once
// A route's `webhook:` (SPEC §2, §3 step 6): which signature scheme the sender uses, the
// secret(s), how old a signed timestamp may be, and (for hmac-sha256) where the signature is.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/policy_settings.hpp"
#include "policies/webhook/signature.hpp"

namespace rampart::policies {

inline constexpr std::string_view kWebhookKey = "webhook";

struct WebhookSettings final : config::PolicySettings {
  WebhookScheme scheme = WebhookScheme::stripe;
  std::vector<std::string> secrets;  ///< empty (development only): every delivery is refused
  std::chrono::seconds tolerance{300};
  std::size_t max_bytes = 5 * 1024 * 1024;
  // hmac-sha256 only
  std::string header;  ///< where the signature is
  std::string prefix;  ///< taken off its value first ("sha256=")
  SignatureEncoding encoding = SignatureEncoding::hex;
  std::string timestamp_header;  ///< empty: the signature covers the body alone

  std::string_view scheme_name() const;
};

std::shared_ptr<const config::PolicySettings> read_webhook(const config::Field& field,
                                                           config::ProblemList& problems,
                                                           config::Env env);

}  // namespace rampart::policies
