#pragma once
// The API keys a running instance accepts: loaded from the store by a thread of its own, held
// in memory as an immutable table, and handed to each worker (through its mailbox) whenever
// the store says keys changed — a key created or revoked by the CLI or another instance takes
// effect here within kPollInterval + one worker turn. The request path never touches the
// store: it looks keys up in its worker's copy of the table.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "config/store_url.hpp"
#include "store/store.hpp"

namespace rampart::policies {

/// One key as the request path needs it.
struct KeyEntry {
  std::string secret_sha256;  ///< 32 raw bytes
  std::string tier;
  std::optional<std::int64_t> expires;  ///< unix seconds
  bool revoked = false;
};

/// Every key of the store at one moment, by id. Immutable once published.
struct KeyTable {
  std::unordered_map<std::string, KeyEntry> by_id;
  std::uint64_t version = 0;  ///< the store's change_version it was loaded at
};

/// A worker's copy of the current table, replaced on the worker's thread only.
struct KeyTableCell {
  std::shared_ptr<const KeyTable> table;
};

class KeyDirectory {
 public:
  /// How often the store's change_version is read (SPEC §1: revocation within 2 s).
  static constexpr std::chrono::milliseconds kPollInterval{500};
  /// How often the last-used times reported by the workers are written, in one batch.
  static constexpr std::chrono::seconds kUsageFlushInterval{5};

  /// Opens the store (its own connection), migrates it, loads the keys, and starts the thread.
  /// Throws store::StoreError (one line naming the store) when the store cannot be used.
  explicit KeyDirectory(const config::StoreLocation& where);
  ~KeyDirectory();
  KeyDirectory(const KeyDirectory&) = delete;
  KeyDirectory& operator=(const KeyDirectory&) = delete;

  /// Where it reads from (for reloads: a new `store:` needs a new directory).
  const config::StoreLocation& location() const { return where_; }

  /// Registers a worker's cell: it gets the current table now, and each new one through
  /// `post` (run on the worker's thread). The directory keeps only a weak reference.
  void subscribe(const std::shared_ptr<KeyTableCell>& cell,
                 std::function<void(std::function<void()>)> post);

  /// Last-used times seen by a worker, written in the next batch. Called by each worker at
  /// most every few seconds, so the mutex is not on the request path.
  void report_usage(std::vector<std::pair<std::string, std::int64_t>> uses);

  /// Stops the thread (writing the last usage batch): no table is published after it. The
  /// serve process calls it once its workers are joined, while they still exist.
  void stop();

  /// The store answered the last time it was asked (for /health/ready).
  bool healthy() const { return healthy_.load(std::memory_order_relaxed); }

 private:
  struct Subscriber {
    std::weak_ptr<KeyTableCell> cell;
    std::function<void(std::function<void()>)> post;
  };

  void run();
  void reload_if_changed();
  void flush_usage();
  std::shared_ptr<const KeyTable> load();

  config::StoreLocation where_;
  std::unique_ptr<store::Store> store_;  ///< used by the thread only, after construction
  std::atomic<bool> healthy_{true};

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::shared_ptr<const KeyTable> table_;
  std::vector<Subscriber> subscribers_;
  std::vector<std::pair<std::string, std::int64_t>> usage_;
  std::thread thread_;
};

}  // namespace rampart::policies
