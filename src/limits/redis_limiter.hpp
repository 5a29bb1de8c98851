#pragma once
// The Redis backend of the rate limits (issue 11): the same sliding-window counter as
// sliding_window.hpp, computed by one Lua script per decision so that every instance sharing
// the Redis counts the same requests. One string per identity and policy, hash-tagged whole
// ("rampart:rl2:{<policy>|<identity>}") so the script touches one Cluster slot, with an expiry
// set inside the script. Each worker has its own pipelined connection (RedisConnection); when
// Redis cannot answer, the caller decides with the local table instead.

#include <atomic>
#include <boost/container/static_vector.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "limits/local_limiter.hpp"
#include "limits/redis_cluster.hpp"
#include "limits/redis_connection.hpp"

namespace rampart::limits {

/// The script: KEYS[1] the identity's windows; ARGV now_ms, n, count, then limit and period_ms
/// for each rate. Decides `count` requests in turn; returns, for each, {allowed, start_1,
/// previous_1, current_1, ..., start_n, previous_n, current_n}: the windows after its
/// decision, from which peek() gives the numbers.
const RedisScript& sliding_window_script();

std::string redis_key(std::string_view policy, std::string_view identity);
/// redis_key() into `key`, whose capacity is reused.
void assign_redis_key(std::string& key, std::string_view policy, std::string_view identity);
/// The script's ARGV for `count` requests under `rates` at `now_ms`: now_ms, n, count, then
/// limit and period_ms per rate,
/// formatted into the object itself (no allocation per decision). Views into itself: neither
/// copied nor moved; keep it where the eval's coroutine frame keeps it.
class ScriptArgs {
 public:
  ScriptArgs(std::span<const Rate> rates, std::int64_t now_ms, std::size_t count = 1);
  ScriptArgs(const ScriptArgs&) = delete;
  ScriptArgs& operator=(const ScriptArgs&) = delete;
  std::span<const std::string_view> words() const { return {words_.data(), words_.size()}; }

 private:
  static constexpr std::size_t kWords = 3 + 2 * kMaxRatesPerPolicy;
  void add(std::int64_t value);
  char text_[kWords][24];
  boost::container::static_vector<std::string_view, kWords> words_;
};
/// The decision of request `index` of the `count` a script reply stands for; nullopt when the
/// reply is not one (an error, a timeout, a reply of the wrong shape: then the caller decides
/// locally).
std::optional<LimitDecision> decision_from_reply(const RedisReply& reply,
                                                 std::span<const Rate> rates, std::int64_t now_ms,
                                                 std::size_t index = 0, std::size_t count = 1);

/// The workers' connections to one Redis (`redis:`), and whether it is answering. One per
/// serve process; each worker's connection is made on its thread, on first use.
class RedisBackend {
 public:
  static constexpr std::chrono::milliseconds kConnectTimeout{1000};
  /// A rate-limit decision that waits longer than this is made locally: a slow Redis must not
  /// slow every limited request down.
  static constexpr std::chrono::milliseconds kCommandTimeout{100};

  explicit RedisBackend(RedisUrl url);
  ~RedisBackend();

  const RedisUrl& url() const { return url_; }
  /// The calling worker's way to Redis (made now on its first call, on `io`).
  RedisRouter& router(net::asio::io_context& io);
  /// A connection of the calling worker to another node of a Cluster (db 0, the URL's user
  /// and password); for RedisRouter.
  RedisConnection& node(net::asio::io_context& io, const std::string& host, std::uint16_t port);
  /// Every worker's connection is up. For /health/ready (`"redis"`).
  bool healthy() const;
  /// Closes every connection: call once the workers are joined, before they are destroyed.
  void stop();
  /// A decision was made locally because `conn` could not answer: logged once per outage
  /// (when the connection has failed at least once: not while it is still connecting).
  void note_fallback(const RedisConnection& conn);

 private:
  void state_changed(bool up);
  RedisConnection& add_connection(net::asio::io_context& io, RedisUrl url);

  RedisUrl url_;
  mutable std::mutex mutex_;
  std::vector<std::pair<net::asio::io_context*, std::unique_ptr<RedisConnection>>> connections_;
  std::vector<std::pair<net::asio::io_context*, std::unique_ptr<RedisRouter>>> routers_;
  std::atomic<int> down_{0};  ///< connections not ready
  std::atomic<bool> logged_healthy_{true};
};

}  // namespace rampart::limits
