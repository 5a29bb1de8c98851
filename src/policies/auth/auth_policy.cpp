#include "policies/auth/auth_policy.hpp"

#include <boost/beast/core/string.hpp>

#include "store/api_key.hpp"

namespace rampart::policies {

namespace {

constexpr std::string_view kBearer = "bearer ";

/// The token of "Authorization: Bearer <token>", or empty for any other scheme.
std::string_view bearer_token(std::string_view value) {
  if (value.size() <= kBearer.size() ||
      !boost::beast::iequals(value.substr(0, kBearer.size()), kBearer)) {
    return {};
  }
  return http::trim_ows(value.substr(kBearer.size()));
}

}  // namespace

std::unique_ptr<PolicySlot> AuthPolicy::make_slot(net::WorkerContext& worker) const {
  auto slot = std::make_unique<AuthSlot>();
  keys_->subscribe(slot->cell, worker.post);
  if (jwt_) {
    slot->jwt = std::make_unique<jwt::VerifierState>(*jwt_);
  }
  return slot;
}

Verdict AuthPolicy::refuse(http::Exchange& exchange, std::string_view reason,
                           bool credential_sent) const {
  exchange.reply.headers += credential_sent ? "WWW-Authenticate: Bearer error=\"invalid_token\"\r\n"
                                            : "WWW-Authenticate: Bearer\r\n";
  // One answer for every failure: which check failed is for the operator, not the caller.
  return respond(exchange, http::Problem::of(http::ProblemCode::unauthorized,
                                             jwt_ ? "a valid API key or token is required"
                                                  : "a valid API key is required")
                               .because(reason));
}

void AuthPolicy::report_usage(AuthSlot& slot) const {
  slot.next_report = std::chrono::steady_clock::now() + AuthSlot::kUsageReportInterval;
  if (slot.used == 0) {
    return;
  }
  std::vector<std::pair<std::string, std::int64_t>> uses;
  uses.reserve(slot.used);
  const auto at = store::unix_now();
  for (auto& [id, verified] : slot.verified) {
    if (verified.used) {
      uses.emplace_back(id, at);
      verified.used = false;
    }
  }
  slot.used = 0;
  keys_->report_usage(std::move(uses));
  if (slot.verified.size() > AuthSlot::kMaxVerified) {
    slot.verified.clear();  // many keys seen: start over rather than grow without bound
  }
}

std::string_view AuthPolicy::bearer_jwt(const http::Exchange& exchange) const {
  for (const auto& f : exchange.request.headers.fields()) {
    if (!f.removed && f.id == http::field::authorization) {
      auto token = bearer_token(f.value);
      if (!token.empty() && !token.starts_with(store::kApiKeyPrefix)) {
        return token;
      }
    }
  }
  return {};
}

Verdict AuthPolicy::on_request(http::Exchange& exchange, PolicySlot* slot_base) const {
  auto& slot = *static_cast<AuthSlot*>(slot_base);
  // Find the credentials, and make sure a key is never forwarded, whatever happens next. A
  // JWT is: the backend may want its claims.
  std::string_view key;
  std::string_view token;
  int keys = 0;
  int tokens = 0;
  for (auto& f : exchange.request.headers.fields()) {
    if (f.removed) {
      continue;
    }
    const bool is_key_header = settings_.api_key_header_id != http::field::unknown
                                   ? f.id == settings_.api_key_header_id
                                   : (f.id == http::field::unknown &&
                                      http::same_header_name(f.name, settings_.api_key_header));
    if (is_key_header) {
      key = http::trim_ows(f.value);
      f.removed = true;
      ++keys;
    } else if (f.id == http::field::authorization) {
      auto bearer = bearer_token(f.value);
      if (bearer.starts_with(store::kApiKeyPrefix)) {
        key = bearer;
        f.removed = true;
        ++keys;
      } else if (jwt_ && !bearer.empty()) {
        token = bearer;  // any other Authorization is not ours, and is left alone
        ++tokens;
      }
    }
  }
  if (keys == 0 && tokens == 0) {
    return mode_ == config::AuthMode::optional ? Verdict::next : refuse(exchange, "missing", false);
  }
  if (keys > 1 || tokens > 1) {
    return refuse(exchange, "malformed", true);  // two of a kind: which would the caller mean?
  }
  if (keys == 1) {
    if (auto verdict = check_key(exchange, slot, key); verdict != Verdict::next) {
      return verdict;
    }
  }
  return tokens == 1 ? check_jwt(exchange, slot, token, true) : Verdict::next;
}

Verdict AuthPolicy::check_jwt(http::Exchange& exchange, AuthSlot& slot, std::string_view token,
                              bool may_wait) const {
  const auto checked = jwt_->check(token, store::unix_now(), *slot.jwt);
  switch (checked.result) {
    case jwt::TokenCheck::Result::accepted:
      break;
    case jwt::TokenCheck::Result::refused:
      return refuse(exchange, checked.reason, true);
    case jwt::TokenCheck::Result::needs_keys:
      if (may_wait && jwt_->issuers()[checked.issuer].jwks->request_refetch() ==
                          jwt::JwksSource::Refetch::wait) {
        return Verdict::pending;
      }
      return refuse(exchange, "unknown_kid", true);
  }
  if (!exchange.identity.starts_with("key:")) {  // API key > JWT > IP
    exchange.identity = checked.claims->identity;
    exchange.tier = checked.claims->tier;
    if (!checked.claims->tier.empty()) {
      exchange.upstream_extra_headers += "X-Rampart-Tier: ";
      exchange.upstream_extra_headers += checked.claims->tier;
      exchange.upstream_extra_headers += "\r\n";
    }
  }
  return Verdict::next;
}

net::Task<Verdict> AuthPolicy::wait(http::Exchange& exchange, PolicySlot* slot_base) const {
  auto& slot = *static_cast<AuthSlot*>(slot_base);
  const auto token = bearer_jwt(exchange);
  const auto checked = jwt_->check(token, store::unix_now(), *slot.jwt);
  if (checked.result == jwt::TokenCheck::Result::needs_keys) {
    co_await jwt_->issuers()[checked.issuer].jwks->until_fetched();
  }
  co_return check_jwt(exchange, slot, token, false);
}

Verdict AuthPolicy::check_key(http::Exchange& exchange, AuthSlot& slot,
                              std::string_view presented) const {
  auto parts = store::parse_api_key(presented);
  if (!parts) {
    return refuse(exchange, "malformed", true);
  }
  // The cell holds the table: `verified` may point into it only while it is the current one.
  const KeyTable* table = slot.cell->table.get();
  const std::uint64_t version = table->version + 1;
  auto [cached, inserted] = slot.verified.try_emplace(std::string(parts->id));
  auto& verified = cached->second;
  if (verified.table_version != version ||
      !store::constant_time_equal(verified.secret, parts->secret)) {
    auto entry_it = table->by_id.find(cached->first);
    if (entry_it == table->by_id.end()) {
      slot.verified.erase(cached);  // an unknown id must not grow the cache
      return refuse(exchange, "unknown_key", true);
    }
    if (!store::constant_time_equal(store::sha256(parts->secret), entry_it->second.secret_sha256)) {
      verified.table_version = 0;
      return refuse(exchange, "bad_secret", true);
    }
    verified.table_version = version;
    verified.entry = &entry_it->second;
    verified.secret.assign(parts->secret);
  }
  const KeyEntry& entry = *verified.entry;
  if (entry.revoked) {
    return refuse(exchange, "revoked", true);
  }
  if (entry.expires && *entry.expires <= store::unix_now()) {
    return refuse(exchange, "expired", true);
  }
  exchange.identity = "key:";
  exchange.identity += cached->first;
  exchange.tier = entry.tier;
  if (!entry.tier.empty()) {
    exchange.upstream_extra_headers += "X-Rampart-Tier: ";
    exchange.upstream_extra_headers += entry.tier;
    exchange.upstream_extra_headers += "\r\n";
  }
  if (!verified.used) {
    verified.used = true;
    ++slot.used;
  }
  if (exchange.started >= slot.next_report) {
    report_usage(slot);
  }
  return Verdict::next;
}

}  // namespace rampart::policies
