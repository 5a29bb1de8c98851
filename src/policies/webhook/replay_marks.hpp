#pragma once
// The webhook replay check's store access (SPEC §3 step 6, §8): "was this signature seen
// within its tolerance?" asked of the store — so a replay is caught across restarts and, on
// PostgreSQL, across instances — by a thread of its own with its own connection, never the
// I/O thread. Expired marks are purged every few minutes.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "config/store_url.hpp"
#include "store/store.hpp"

namespace rampart::policies {

class ReplayMarks {
 public:
  /// true: first time seen; false: a replay; nullopt: the store did not answer.
  using Done = std::function<void(std::optional<bool>)>;

  explicit ReplayMarks(const config::StoreLocation& where);
  ~ReplayMarks();
  ReplayMarks(const ReplayMarks&) = delete;
  ReplayMarks& operator=(const ReplayMarks&) = delete;

  const config::StoreLocation& location() const { return where_; }

  /// Marks `key` (under `scheme`) until `expires`; `done` runs on the marks' thread.
  void mark(std::string scheme, std::string key, std::int64_t expires, std::int64_t now, Done done);
  /// Stops the thread after the queued marks (their callers' workers must still exist).
  void stop();

 private:
  struct Job {
    std::string scheme;
    std::string key;
    std::int64_t expires = 0;
    std::int64_t now = 0;
    Done done;
  };
  void run();

  config::StoreLocation where_;
  std::unique_ptr<store::Store> store_;  ///< the thread's only, opened on first use
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> jobs_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace rampart::policies
