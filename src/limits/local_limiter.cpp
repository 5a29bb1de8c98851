#include "limits/local_limiter.hpp"

#include <algorithm>
#include <boost/asio/ip/address.hpp>

#include "observe/log.hpp"

namespace rampart::limits {

namespace {

/// A full sweep of a shard's expired entries at most this often (inserts), besides when it is
/// full: enough to keep idle identities from piling up, rare enough to cost nothing per request.
constexpr std::size_t kInsertsPerSweep = 4096;
constexpr std::int64_t kOverflowLogIntervalMs = 60'000;

}  // namespace

std::string coarse_identity(std::string_view identity) {
  constexpr std::string_view kIp = "ip:";
  if (!identity.starts_with(kIp)) {
    return "overflow";
  }
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(std::string(identity.substr(kIp.size())), ec);
  if (ec) {
    return "overflow";
  }
  if (address.is_v4()) {
    auto bytes = address.to_v4().to_bytes();
    bytes[3] = 0;
    return "ip:" + boost::asio::ip::address_v4(bytes).to_string() + "/24";
  }
  auto bytes = address.to_v6().to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return "ip:" + boost::asio::ip::address_v6(bytes).to_string() + "/64";
}

LocalLimiter::LocalLimiter(std::size_t max_entries)
    : max_per_shard_(std::max<std::size_t>(1, max_entries / kShards)) {}

std::size_t LocalLimiter::size() const {
  std::size_t total = 0;
  for (auto& shard : shards_) {
    std::lock_guard lock(const_cast<std::mutex&>(shard.mutex));
    total += shard.entries.size();
  }
  return total;
}

void LocalLimiter::sweep(Shard& shard, std::int64_t now_ms) {
  std::erase_if(shard.entries, [&](const auto& item) { return item.second.expires_ms <= now_ms; });
  shard.inserts_since_sweep = 0;
}

LocalLimiter::Entry* LocalLimiter::find_or_insert(Shard& shard, std::string_view key,
                                                  std::int64_t now_ms, bool may_grow) {
  if (auto it = shard.entries.find(key); it != shard.entries.end()) {
    return &it->second;
  }
  if (++shard.inserts_since_sweep >= kInsertsPerSweep || shard.entries.size() >= max_per_shard_) {
    sweep(shard, now_ms);
  }
  if (shard.entries.size() >= max_per_shard_ && !may_grow) {
    return nullptr;
  }
  return &shard.entries.emplace(std::string(key), Entry{}).first->second;
}

void LocalLimiter::note_overflow() {
  overflowed_.fetch_add(1, std::memory_order_relaxed);
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::now().time_since_epoch())
                       .count();
  auto last = last_overflow_log_ms_.load(std::memory_order_relaxed);
  if ((last == 0 || now - last >= kOverflowLogIntervalMs) &&
      last_overflow_log_ms_.compare_exchange_strong(last, now)) {
    observe::EventLog::write(config::LogLevel::warn, "rate_limit_table_full",
                             [&](http::JsonWriter& j) {
                               j.key("max_entries");
                               j.raw(std::to_string(max_per_shard_ * kShards));
                               j.field("effect", "new clients are limited by a coarser key");
                             });
  }
}

LimitDecision LocalLimiter::take(std::string_view policy, std::string_view identity,
                                 std::span<const Rate> rates, std::int64_t now_ms) {
  thread_local std::string key;
  key.assign(policy);
  key += '\n';
  key += identity;
  LimitDecision out;
  auto* shard = &shards_[KeyHash{}(key) % kShards];
  std::unique_lock lock(shard->mutex);
  Entry* entry = find_or_insert(*shard, key, now_ms, false);
  if (!entry) {
    lock.unlock();
    note_overflow();
    key.assign(policy);
    key += '\n';
    key += coarse_identity(identity);
    shard = &shards_[KeyHash{}(key) % kShards];
    lock = std::unique_lock(shard->mutex);
    entry = find_or_insert(*shard, key, now_ms, true);  // few coarse keys: past the cap
    out.coarse = true;
  }
  const std::size_t n = std::min(rates.size(), kMaxRatesPerPolicy);
  std::array<WindowDecision, kMaxRatesPerPolicy> decisions;
  out.allowed = true;
  for (std::size_t i = 0; i < n; ++i) {
    advance(entry->windows[i], rates[i], now_ms);
    decisions[i] = peek(entry->windows[i], rates[i], now_ms);
    out.allowed = out.allowed && decisions[i].allowed;
  }
  std::int64_t expires = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (out.allowed) {
      ++entry->windows[i].current;
      --decisions[i].remaining;
    }
    expires = std::max(expires, entry->windows[i].start_ms + 2 * rates[i].period.count() * 1000);
    // The tightest: the refusing rate that frees up last; else the fewest remaining.
    const auto& best = decisions[out.tightest];
    const auto& d = decisions[i];
    const bool tighter =
        out.allowed ? d.remaining < best.remaining
                    : (!d.allowed && (best.allowed || d.retry_after_s > best.retry_after_s));
    if (i == 0 || tighter) {
      out.tightest = i;
    }
  }
  entry->expires_ms = expires;
  out.window = decisions[out.tightest];
  return out;
}

}  // namespace rampart::limits
