#pragma once
// Evidence goes into tickets and CI logs: credentials in it must not. Headers that carry
// secrets keep their name and scheme only; tokens that look like secrets in bodies are masked.

#include <string>
#include <string_view>

namespace rampart::audit {

/// Authorization, Proxy-Authorization, Cookie, Set-Cookie, X-API-Key and any header whose
/// name contains "token", "secret", "api-key", "apikey" or "signature".
bool is_secret_header(std::string_view name);

/// The value to show for a header: unchanged, or masked ("Bearer ***", "session=***").
std::string mask_header_value(std::string_view name, std::string_view value);

/// `text` with bearer tokens, JWTs, rampart/Stripe-style keys and password/secret/token
/// fields of JSON or form bodies replaced by "***".
std::string mask_secrets(std::string_view text);

}  // namespace rampart::audit
