#include "policies/jwt/key_set.hpp"

#include <algorithm>
#include <atomic>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace rampart::policies::jwt {

namespace {

std::uint64_t next_serial() {
  static std::atomic<std::uint64_t> serial{0};
  return serial.fetch_add(1, std::memory_order_relaxed) + 1;
}

}  // namespace

const KeySetEntry* KeySet::find(std::string_view kid) const {
  for (const auto& entry : keys) {
    if (entry.has_kid && entry.kid == kid) {
      return &entry;
    }
  }
  return nullptr;
}

const KeySetEntry* KeySet::only_key_for(JwsAlgorithm algorithm) const {
  const KeySetEntry* found = nullptr;
  std::string ignored;
  for (const auto& entry : keys) {
    if (key_fits(algorithm, *entry.key, ignored)) {
      if (found) {
        return nullptr;
      }
      found = &entry;
    }
  }
  return found;
}

bool KeySet::contains(std::uint64_t serial) const {
  for (const auto& entry : keys) {
    if (entry.serial == serial) {
      return true;
    }
  }
  return false;
}

std::shared_ptr<const KeySet> single_key_set(std::shared_ptr<const VerificationKey> key) {
  auto set = std::make_shared<KeySet>();
  set->keys.push_back(KeySetEntry{{}, false, std::move(key), next_serial(), {}});
  return set;
}

ParsedJwks parse_jwks(std::string_view body, const KeySet* previous) {
  ParsedJwks out;
  if (body.size() > kMaxJwksBytes) {
    out.error = "over 1 MiB";
    return out;
  }
  boost::system::error_code ec;
  auto document = boost::json::parse(body, ec);
  if (ec || !document.is_object()) {
    out.error = "not a JSON object";
    return out;
  }
  const auto* keys = document.as_object().if_contains("keys");
  if (!keys || !keys->is_array()) {
    out.error = "no \"keys\" array";
    return out;
  }
  auto set = std::make_shared<KeySet>();
  std::string last_error;
  for (const auto& value : keys->as_array()) {
    if (!value.is_object() || set->keys.size() == kMaxJwksKeys) {
      ++out.skipped;
      continue;
    }
    const auto& jwk = value.as_object();
    KeySetEntry entry;
    if (const auto* kid = jwk.if_contains("kid")) {
      if (!kid->is_string()) {
        ++out.skipped;
        continue;
      }
      entry.kid = std::string(kid->as_string());
      entry.has_kid = true;
      if (set->find(entry.kid)) {
        ++out.skipped;  // two keys under one kid: the first wins, as most verifiers do
        continue;
      }
    }
    entry.jwk = boost::json::serialize(jwk);
    if (previous) {
      auto same = std::find_if(previous->keys.begin(), previous->keys.end(),
                               [&](const KeySetEntry& old) { return old.jwk == entry.jwk; });
      if (same != previous->keys.end()) {
        set->keys.push_back(*same);
        continue;
      }
    }
    auto key = VerificationKey::from_jwk(jwk, last_error);
    if (!key) {
      ++out.skipped;
      continue;
    }
    entry.key = std::make_shared<const VerificationKey>(std::move(*key));
    entry.serial = next_serial();
    set->keys.push_back(std::move(entry));
  }
  if (set->keys.empty()) {
    out.error = "no usable key" + (last_error.empty() ? std::string() : " (" + last_error + ")");
    return out;
  }
  out.set = std::move(set);
  return out;
}

}  // namespace rampart::policies::jwt
