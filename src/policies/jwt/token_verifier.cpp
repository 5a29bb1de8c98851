#include "policies/jwt/token_verifier.hpp"

#include <cmath>
#include <limits>

namespace rampart::policies::jwt {

namespace {

constexpr std::size_t kMaxSubject = 256;
constexpr std::size_t kMaxTier = 64;

/// A NumericDate (RFC 7519 §2): seconds, possibly fractional, as a whole second count
/// clamped to int64; nullopt when the value is not a number.
std::optional<std::int64_t> numeric_date(const boost::json::value& value) {
  if (value.is_int64()) {
    return value.get_int64();
  }
  if (value.is_uint64()) {
    return static_cast<std::int64_t>(
        std::min<std::uint64_t>(value.get_uint64(), std::numeric_limits<std::int64_t>::max()));
  }
  if (value.is_double()) {
    const double d = std::floor(value.get_double());
    constexpr double kMax = 9.2e18;
    return static_cast<std::int64_t>(std::clamp(d, -kMax, kMax));
  }
  return std::nullopt;
}

bool is_printable_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

bool audience_matches(const boost::json::value& aud, const std::vector<std::string>& audiences) {
  auto listed = [&](const boost::json::value& v) {
    return v.is_string() && std::find(audiences.begin(), audiences.end(),
                                      std::string_view(v.get_string())) != audiences.end();
  };
  if (aud.is_array()) {
    const auto& items = aud.get_array();
    return std::any_of(items.begin(), items.end(), listed);
  }
  return listed(aud);
}

/// The tier when `value` is a short printable string (it becomes a header value).
std::string tier_value(const boost::json::value* value) {
  if (!value || !value->is_string()) {
    return {};
  }
  std::string_view tier = value->get_string();
  return !tier.empty() && tier.size() <= kMaxTier && is_printable_ascii(tier) ? std::string(tier)
                                                                              : std::string();
}

/// The tier claim: a top-level claim named as written, else the dotted path.
std::string tier_of(const boost::json::object& claims, const IssuerSettings& issuer) {
  if (const auto* literal = claims.if_contains(issuer.tier_claim_name)) {
    return tier_value(literal);
  }
  const boost::json::object* object = &claims;
  const auto& path = issuer.tier_claim;
  for (std::size_t i = 0; i + 1 < path.size(); ++i) {
    const auto* value = object->if_contains(path[i]);
    if (!value || !value->is_object()) {
      return {};
    }
    object = &value->get_object();
  }
  return path.size() > 1 ? tier_value(object->if_contains(path.back())) : std::string();
}

}  // namespace

std::string_view check_claims(const boost::json::object& claims, const IssuerSettings& issuer,
                              std::int64_t now, AcceptedClaims& out) {
  const std::int64_t leeway = issuer.leeway.count();
  const auto* exp = claims.if_contains("exp");
  const auto expires = exp ? numeric_date(*exp) : std::nullopt;
  if (!expires) {
    return "malformed";  // a token that never expires cannot be revoked
  }
  if (*expires <= now - leeway) {
    return "expired";
  }
  for (const char* name : {"nbf", "iat"}) {
    if (const auto* value = claims.if_contains(name)) {
      const auto at = numeric_date(*value);
      if (!at) {
        return "malformed";
      }
      if (*at > now + leeway) {
        return "not_yet_valid";
      }
    }
  }
  if (!issuer.audiences.empty()) {
    const auto* aud = claims.if_contains("aud");
    if (!aud || !audience_matches(*aud, issuer.audiences)) {
      return "wrong_audience";
    }
  }
  const auto* sub = claims.if_contains("sub");
  if (!sub || !sub->is_string() || sub->get_string().empty() ||
      sub->get_string().size() > kMaxSubject || !is_printable_ascii(sub->get_string())) {
    return "malformed";
  }
  out.identity = "jwt:";
  out.identity.append(sub->get_string().data(), sub->get_string().size());
  out.tier = issuer.tier_claim.empty() ? std::string() : tier_of(claims, issuer);
  out.expires = *expires;
  return {};
}

TokenVerifier::TokenVerifier(const std::vector<IssuerSettings>& issuers, JwksFetcher* fetcher) {
  for (const auto& settings : issuers) {
    Issuer issuer;
    issuer.settings = &settings;
    if (settings.jwks_url) {
      if (!fetcher) {
        throw std::logic_error("an issuer with jwks_url needs the JWKS fetcher");
      }
      issuer.jwks = fetcher->source(settings.name, *settings.jwks_url);
    } else {
      issuer.fixed = single_key_set(settings.static_key);
    }
    issuers_.push_back(std::move(issuer));
  }
}

VerifierState::VerifierState(const TokenVerifier& verifier)
    : issuer_keys_(verifier.issuers().size()) {}

const VerifierState::IssuerKeys& VerifierState::keys(const Issuer& issuer, std::size_t index) {
  auto& keys = issuer_keys_[index];
  if (issuer.fixed) {
    if (!keys.set) {
      keys.set = issuer.fixed;
      keys.version = 1;
    }
  } else if (issuer.jwks->version() != keys.version) {
    keys.set = issuer.jwks->keys(keys.version);
  }
  return keys;
}

TokenCheck TokenVerifier::check(std::string_view token, std::int64_t now,
                                VerifierState& state) const {
  auto hit = state.cache_.find(token);
  if (hit != state.cache_.end()) {
    auto& cached = hit->second;
    const auto& issuer = issuers_[cached.issuer];
    const auto& keys = state.keys(issuer, cached.issuer);
    const bool key_current =
        keys.version == cached.keys_version || (keys.set && keys.set->contains(cached.key_serial));
    if (key_current && cached.claims.expires > now - issuer.settings->leeway.count()) {
      cached.keys_version = keys.version;
      TokenCheck out;
      out.result = TokenCheck::Result::accepted;
      out.claims = &cached.claims;
      return out;
    }
    state.cache_.erase(hit);  // expired, or its key left the JWKS: checked again in full
  }
  return verify(token, now, state);
}

TokenCheck TokenVerifier::verify(std::string_view token, std::int64_t now,
                                 VerifierState& state) const {
  TokenCheck out;
  auto refuse = [&](std::string_view reason) {
    out.result = TokenCheck::Result::refused;
    out.reason = reason;
    return out;
  };
  std::string error;
  auto parts = parse_compact(token, error);
  if (!parts) {
    return refuse("malformed");
  }
  const auto* iss = parts->claims.if_contains("iss");
  if (!iss || !iss->is_string()) {
    return refuse("wrong_issuer");
  }
  std::size_t index = 0;
  while (index < issuers_.size() && issuers_[index].settings->issuer != iss->get_string()) {
    ++index;
  }
  if (index == issuers_.size()) {
    return refuse("wrong_issuer");
  }
  const auto& issuer = issuers_[index];
  if (!issuer.settings->allows(parts->algorithm)) {
    return refuse("algorithm_not_allowed");
  }
  const auto& keys = state.keys(issuer, index);
  const KeySetEntry* entry = nullptr;
  if (keys.set) {
    if (issuer.fixed) {
      entry = &keys.set->keys.front();  // one key: a kid, if any, names nothing else
    } else {
      entry = parts->kid ? keys.set->find(*parts->kid) : keys.set->only_key_for(parts->algorithm);
    }
  }
  if (!entry) {
    if (issuer.jwks && (parts->kid || !keys.set)) {
      out.result = TokenCheck::Result::needs_keys;
      out.issuer = index;
      return out;
    }
    return refuse("unknown_kid");
  }
  if (!key_fits(parts->algorithm, *entry->key, error)) {
    return refuse("algorithm_not_allowed");  // e.g. HS256 naming an RSA key: key confusion
  }
  if (!jwt::verify(parts->algorithm, *entry->key, parts->signing_input, parts->signature)) {
    return refuse("bad_signature");
  }
  AcceptedClaims claims;
  if (auto reason = check_claims(parts->claims, *issuer.settings, now, claims); !reason.empty()) {
    return refuse(reason);
  }
  if (state.cache_.size() >= VerifierState::kMaxCachedTokens) {
    state.cache_.clear();
  }
  auto [it, inserted] = state.cache_.try_emplace(
      std::string(token), VerifierState::Cached{index, entry->serial, keys.version, {}});
  it->second.claims = std::move(claims);
  out.result = TokenCheck::Result::accepted;
  out.claims = &it->second.claims;
  return out;
}

}  // namespace rampart::policies::jwt
