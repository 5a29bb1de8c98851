#include "policies/webhook/signature.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <charconv>

#include "http/hex.hpp"

namespace rampart::policies {

namespace {

/// Lower- or upper-case hex to bytes; nullopt for anything else.
std::optional<std::string> from_hex(std::string_view hex) {
  if (hex.empty() || hex.size() % 2 != 0) {
    return std::nullopt;
  }
  std::string out(hex.size() / 2, '\0');
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = http::hex_digit_value(hex[2 * i]);
    const int lo = http::hex_digit_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return std::nullopt;
    }
    out[i] = static_cast<char>(hi * 16 + lo);
  }
  return out;
}

std::optional<std::string> from_base64(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0 || text.size() > 1024) {
    return std::nullopt;
  }
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) {
    return std::nullopt;
  }
  // EVP_DecodeBlock counts padding as zero bytes: take them off.
  std::size_t padding = text.ends_with("==") ? 2 : text.ends_with('=') ? 1 : 0;
  out.resize(static_cast<std::size_t>(n) - padding);
  return out;
}

bool equal_mac(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

/// Whether `signature` is the HMAC of `data` under one of `secrets` (each tried, always all:
/// the time taken does not tell which secret matched).
bool any_secret_signs(const std::vector<std::string>& secrets, std::string_view data,
                      std::string_view signature) {
  bool matched = false;
  for (const auto& secret : secrets) {
    matched = equal_mac(hmac_sha256(secret, data), signature) || matched;
  }
  return matched;
}

std::optional<std::int64_t> parse_time(std::string_view text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value <= 0) {
    return std::nullopt;
  }
  return value;
}

bool is_stale(std::int64_t at, std::int64_t now, std::chrono::seconds tolerance) {
  const std::int64_t age = now - at;
  return age > tolerance.count() || -age > tolerance.count();
}

}  // namespace

std::string hmac_sha256(std::string_view secret, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &length);
  return std::string(reinterpret_cast<char*>(mac), length);
}

SignatureVerdict check_stripe(std::string_view header, std::string_view body,
                              const std::vector<std::string>& secrets, std::int64_t now,
                              std::chrono::seconds tolerance) {
  if (header.empty()) {
    return {"missing", {}};
  }
  std::optional<std::int64_t> timestamp;
  std::vector<std::string> signatures;
  std::vector<std::string_view> signature_texts;
  while (!header.empty()) {
    const auto comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    const auto equals = item.find('=');
    if (equals == std::string_view::npos) {
      return {"malformed", {}};
    }
    const auto key = item.substr(0, equals);
    const auto value = item.substr(equals + 1);
    if (key == "t") {
      if (timestamp || !(timestamp = parse_time(value))) {
        return {"malformed", {}};  // two t= would let a replay choose its time
      }
    } else if (key == "v1") {
      auto bytes = from_hex(value);
      if (!bytes || bytes->size() != 32 || signatures.size() == 8) {
        return {"malformed", {}};
      }
      signatures.push_back(std::move(*bytes));
      signature_texts.push_back(value);
    }
    // Other schemes (v0, the test-mode one) are ignored, as Stripe's own libraries do.
  }
  if (!timestamp || signatures.empty()) {
    return {"malformed", {}};
  }
  if (is_stale(*timestamp, now, tolerance)) {
    return {"stale", {}};
  }
  const std::string signed_payload = std::to_string(*timestamp) + "." + std::string(body);
  for (std::size_t i = 0; i < signatures.size(); ++i) {
    if (any_secret_signs(secrets, signed_payload, signatures[i])) {
      return {{}, std::to_string(*timestamp) + ":" + std::string(signature_texts[i])};
    }
  }
  return {"mismatch", {}};
}

SignatureVerdict check_github(std::string_view header, std::string_view body,
                              const std::vector<std::string>& secrets) {
  constexpr std::string_view kPrefix = "sha256=";
  if (header.empty()) {
    return {"missing", {}};
  }
  if (!header.starts_with(kPrefix)) {
    return {"malformed", {}};
  }
  auto bytes = from_hex(header.substr(kPrefix.size()));
  if (!bytes || bytes->size() != 32) {
    return {"malformed", {}};
  }
  if (!any_secret_signs(secrets, body, *bytes)) {
    return {"mismatch", {}};
  }
  return {{}, std::string(header.substr(kPrefix.size()))};
}

SignatureVerdict check_hmac(std::string_view header, std::string_view prefix,
                            SignatureEncoding encoding, std::optional<std::string_view> timestamp,
                            bool timestamp_required, std::string_view body,
                            const std::vector<std::string>& secrets, std::int64_t now,
                            std::chrono::seconds tolerance) {
  if (header.empty() || (timestamp_required && !timestamp)) {
    return {"missing", {}};
  }
  if (!header.starts_with(prefix)) {
    return {"malformed", {}};
  }
  const auto text = header.substr(prefix.size());
  auto bytes = encoding == SignatureEncoding::hex ? from_hex(text) : from_base64(text);
  if (!bytes || bytes->size() != 32) {
    return {"malformed", {}};
  }
  std::string signed_payload;
  std::string key;
  if (timestamp_required) {
    auto at = parse_time(*timestamp);
    if (!at) {
      return {"malformed", {}};
    }
    if (is_stale(*at, now, tolerance)) {
      return {"stale", {}};
    }
    signed_payload = std::string(*timestamp) + "." + std::string(body);
    key = std::string(*timestamp) + ":";
  } else {
    signed_payload = std::string(body);
  }
  if (!any_secret_signs(secrets, signed_payload, *bytes)) {
    return {"mismatch", {}};
  }
  return {{}, key + std::string(text)};
}

}  // namespace rampart::policies
