#pragma once
// JWKS kept fresh in the background (issue 10): one JwksSource per issuer with a `jwks_url`,
// fetched by the JwksFetcher's own thread at start and again before the set expires, never on
// the request path — except that a token naming a `kid` the set lacks may ask for one refetch
// (at most one per issuer per kRefetchInterval) and wait for it. The last good set is kept
// through every failure. Workers read the set with one atomic load per request: a version they
// compare with their own copy's, taking the mutex only after a change.

#include <atomic>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "net/asio.hpp"
#include "observe/metrics.hpp"
#include "policies/jwt/jwks_client.hpp"
#include "policies/jwt/key_set.hpp"

namespace rampart::policies::jwt {

inline constexpr std::chrono::seconds kRefetchInterval{30};
/// How long a fetched set is fresh: the response's Cache-Control max-age within these bounds,
/// kDefaultFreshness without one. Refreshed at 3/4 of it.
inline constexpr std::chrono::seconds kMinFreshness{60};
inline constexpr std::chrono::seconds kMaxFreshness{24 * 3600};
inline constexpr std::chrono::seconds kDefaultFreshness{600};
/// After a failed fetch: retried after kFirstRetry, doubling up to kMaxRetry.
inline constexpr std::chrono::seconds kFirstRetry{30};
inline constexpr std::chrono::seconds kMaxRetry{300};
inline constexpr std::chrono::seconds kFetchTimeout{10};

inline constexpr std::string_view kJwksFetchLabels[] = {"issuer", "result"};
inline const observe::CounterFamily kJwksFetches{
    "rampart_jwks_fetches_total",
    "JWKS fetches, by issuer and result (ok, failed: no good answer, rejected: an answer "
    "refused, over 1 MiB or without a usable key; the last good set is kept).",
    kJwksFetchLabels};

class JwksFetcher;

/// The keys of one issuer with a `jwks_url`, as last fetched.
class JwksSource {
 public:
  JwksSource(std::string issuer_name, JwksUrl url);

  const std::string& issuer_name() const { return issuer_name_; }
  const JwksUrl& url() const { return url_; }

  /// Changes with every new set; 0 before the first. One atomic load: the request path's check.
  std::uint64_t version() const { return version_.load(std::memory_order_acquire); }
  /// The current set (null before the first good fetch) and its version.
  std::shared_ptr<const KeySet> keys(std::uint64_t& version) const;

  enum class Refetch { wait, refuse };
  /// A token names a kid the set lacks: wait when a fetch is running or may start now (then it
  /// is started), refuse when the last refetch was asked less than kRefetchInterval ago.
  Refetch request_refetch();
  /// Ends once no fetch is pending (at once when none is), or when the awaiting operation is
  /// cancelled (the route's policy deadline).
  net::Task<void> until_fetched();

 private:
  friend class JwksFetcher;

  void publish(std::shared_ptr<const KeySet> set);
  void fetch_started();
  void fetch_finished();
  /// Forgets waiters and the fetcher (at stop, while the workers' io_contexts still exist).
  void detach();

  std::string issuer_name_;
  JwksUrl url_;
  std::atomic<std::uint64_t> version_{0};

  mutable std::mutex mutex_;
  std::shared_ptr<const KeySet> set_;
  bool fetch_pending_ = true;  ///< the first fetch is, from the start
  std::chrono::steady_clock::time_point next_refetch_allowed_{};
  std::vector<std::shared_ptr<net::Timer>> waiters_;
  std::function<void()> wake_fetcher_;  ///< asks the fetcher's thread to fetch now

  net::Timer* sleep_timer_ = nullptr;  ///< the fetcher thread's only
};

/// The thread that fetches every JwksSource. One per serve process, kept across reloads: a
/// reloaded config whose issuer has the same URL gets the same source, keys and all.
class JwksFetcher {
 public:
  JwksFetcher();
  ~JwksFetcher();
  JwksFetcher(const JwksFetcher&) = delete;
  JwksFetcher& operator=(const JwksFetcher&) = delete;

  /// The source for `url` under `issuer_name`: the live one when there is one, else a new one
  /// whose first fetch starts now.
  std::shared_ptr<JwksSource> source(const std::string& issuer_name, const JwksUrl& url);

  /// Stops the thread; waiting requests are left to their deadlines. Call once the workers are
  /// joined and before they are destroyed.
  void stop();

  /// rampart_jwks_fetches_total, for /metrics.
  observe::FamilyCounts counts() const;

 private:
  net::Task<void> keep_fresh(std::weak_ptr<JwksSource> weak);
  void count(const std::string& issuer, std::string_view result);

  net::asio::io_context io_{1};
  net::asio::executor_work_guard<net::asio::io_context::executor_type> work_;
  /// Made by the fetch thread on its first fetch: loading the system's CA store costs ~0.1 s
  /// and ~1 MiB, for nothing when no issuer has a jwks_url.
  std::optional<net::asio::ssl::context> tls_;
  std::thread thread_;

  mutable std::mutex mutex_;
  std::vector<std::pair<std::string, std::weak_ptr<JwksSource>>> sources_;  ///< by issuer + URL
  observe::FamilyCounts counts_;
  bool stopped_ = false;
};

}  // namespace rampart::policies::jwt
