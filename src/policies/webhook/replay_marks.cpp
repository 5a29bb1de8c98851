#include "policies/webhook/replay_marks.hpp"

#include <chrono>

#include "observe/log.hpp"
#include "store/api_key.hpp"

namespace rampart::policies {

namespace {

constexpr std::chrono::minutes kPurgeInterval{5};
/// Queued marks beyond this are refused at once (the store is not keeping up): a flood of
/// signed deliveries must not grow memory without bound.
constexpr std::size_t kMaxQueued = 10'000;

}  // namespace

ReplayMarks::ReplayMarks(const config::StoreLocation& where) : where_(where) {
  thread_ = std::thread([this] { run(); });
}

ReplayMarks::~ReplayMarks() { stop(); }

void ReplayMarks::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void ReplayMarks::mark(std::string scheme, std::string key, std::int64_t expires, std::int64_t now,
                       Done done) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_ && jobs_.size() < kMaxQueued) {
      jobs_.push_back(Job{std::move(scheme), std::move(key), expires, now, std::move(done)});
      wake_.notify_one();
      return;
    }
  }
  done(std::nullopt);
}

void ReplayMarks::run() {
  auto next_purge = std::chrono::steady_clock::now();
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, kPurgeInterval, [&] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) {
        if (stopping_) {
          return;
        }
      } else {
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
    }
    std::optional<bool> result;
    try {
      if (!store_) {
        store_ = store::open_store(where_);
      }
      if (job.done) {
        result = store_->mark_replay(job.scheme, job.key, job.expires, job.now);
      }
      if (std::chrono::steady_clock::now() >= next_purge) {
        next_purge = std::chrono::steady_clock::now() + kPurgeInterval;
        store_->purge_replays(store::unix_now());
      }
    } catch (const std::exception& e) {
      store_.reset();  // opened again for the next mark
      observe::EventLog::write(config::LogLevel::error, "store_error", [&](http::JsonWriter& j) {
        j.field("during", "webhook replay check");
        j.field("error", e.what());
      });
    }
    if (job.done) {
      job.done(result);
    }
  }
}

}  // namespace rampart::policies
