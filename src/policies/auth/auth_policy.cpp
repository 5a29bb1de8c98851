#include "policies/auth/auth_policy.hpp"

#include <boost/beast/core/string.hpp>

#include "store/api_key.hpp"

namespace rampart::policies {

namespace {

constexpr std::string_view kBearer = "bearer ";

/// The key in "Authorization: Bearer rk_...", or empty: any other Authorization (a JWT) is
/// not ours, and is left alone.
std::string_view bearer_key(std::string_view value) {
  if (value.size() <= kBearer.size() ||
      !boost::beast::iequals(value.substr(0, kBearer.size()), kBearer)) {
    return {};
  }
  auto token = http::trim_ows(value.substr(kBearer.size()));
  return token.starts_with(store::kApiKeyPrefix) ? token : std::string_view{};
}

}  // namespace

std::unique_ptr<PolicySlot> AuthPolicy::make_slot(net::WorkerContext& worker) const {
  auto slot = std::make_unique<AuthSlot>();
  keys_->subscribe(slot->cell, worker.post);
  return slot;
}

Verdict AuthPolicy::refuse(http::Exchange& exchange, std::string_view reason,
                           bool credential_sent) const {
  exchange.reply.headers += credential_sent ? "WWW-Authenticate: Bearer error=\"invalid_token\"\r\n"
                                            : "WWW-Authenticate: Bearer\r\n";
  // One answer for every failure: which check failed is for the operator, not the caller.
  return respond(exchange,
                 http::Problem::of(http::ProblemCode::unauthorized, "a valid API key is required")
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

Verdict AuthPolicy::on_request(http::Exchange& exchange, PolicySlot* slot_base) const {
  auto& slot = *static_cast<AuthSlot*>(slot_base);
  // Find the credential, and make sure it is never forwarded, whatever happens next.
  std::string_view presented;
  int credentials = 0;
  for (auto& f : exchange.request.headers.fields()) {
    if (f.removed) {
      continue;
    }
    const bool is_key_header = settings_.api_key_header_id != http::field::unknown
                                   ? f.id == settings_.api_key_header_id
                                   : (f.id == http::field::unknown &&
                                      http::same_header_name(f.name, settings_.api_key_header));
    if (is_key_header) {
      presented = http::trim_ows(f.value);
      f.removed = true;
      ++credentials;
    } else if (f.id == http::field::authorization) {
      if (auto key = bearer_key(f.value); !key.empty()) {
        presented = key;
        f.removed = true;
        ++credentials;
      }
    }
  }
  if (credentials == 0) {
    return mode_ == config::AuthMode::optional ? Verdict::next : refuse(exchange, "missing", false);
  }
  if (credentials > 1) {
    return refuse(exchange, "malformed", true);  // two keys: which one would the caller mean?
  }
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
