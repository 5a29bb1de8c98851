#pragma once
// The local rate-limit backend (issue 11): every identity's windows in one table shared by the
// workers of this instance, so N is exact across them, split into shards with a mutex each —
// a request locks one shard for a few hundred nanoseconds, never a lock every worker takes.
// Idle identities expire; the table has a hard cap, and beyond it new identities are counted
// under a coarser key (their /24 or /64, or one bucket per policy) — it never stops limiting.

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "limits/sliding_window.hpp"

namespace rampart::limits {

/// Limits one policy may list ("10/minute", "50/hour", ...).
inline constexpr std::size_t kMaxRatesPerPolicy = 8;

/// One request's decision against every rate of its policy.
struct LimitDecision {
  bool allowed = false;
  std::size_t tightest = 0;  ///< the rate with the fewest remaining (the one refusing, if any)
  WindowDecision window;     ///< that rate's numbers, for RateLimit-* and Retry-After
  bool coarse = false;       ///< counted under a coarser key: the table was full
};

class LocalLimiter {
 public:
  static constexpr std::size_t kShards = 64;
  static constexpr std::size_t kDefaultMaxEntries = 1'000'000;

  explicit LocalLimiter(std::size_t max_entries = kDefaultMaxEntries);

  /// Counts one request of `identity` under `policy` against all `rates` at once: allowed when
  /// every rate has room, and then counted in each; a refused request is counted nowhere (it
  /// must not eat the hourly budget of a client that waits as told).
  LimitDecision take(std::string_view policy, std::string_view identity,
                     std::span<const Rate> rates, std::int64_t now_ms);

  /// Entries in the table (locks each shard in turn: for /metrics, not the request path).
  std::size_t size() const;
  /// Requests counted under a coarser key because the table was full.
  std::uint64_t overflowed() const { return overflowed_.load(std::memory_order_relaxed); }

 private:
  struct Entry {
    std::array<Window, kMaxRatesPerPolicy> windows{};
    std::int64_t expires_ms = 0;  ///< when every window would be empty again
  };
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const {
      return std::hash<std::string_view>{}(key);
    }
  };
  struct alignas(64) Shard {
    std::mutex mutex;
    std::unordered_map<std::string, Entry, KeyHash, std::equal_to<>> entries;
    std::size_t inserts_since_sweep = 0;
  };

  Entry* find_or_insert(Shard& shard, std::string_view key, std::int64_t now_ms, bool may_grow);
  static void sweep(Shard& shard, std::int64_t now_ms);
  void note_overflow();

  std::size_t max_per_shard_;
  std::array<Shard, kShards> shards_;
  std::atomic<std::uint64_t> overflowed_{0};
  std::atomic<std::int64_t> last_overflow_log_ms_{0};
};

/// The coarser identity used when the table is full: "ip:1.2.3.4" → "ip:1.2.3.0/24", an IPv6
/// address → its /64, anything else (a key or a JWT subject) → "overflow".
std::string coarse_identity(std::string_view identity);

}  // namespace rampart::limits
