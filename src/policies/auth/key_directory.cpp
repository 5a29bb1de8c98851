#include "policies/auth/key_directory.hpp"

#include "observe/log.hpp"

namespace rampart::policies {

namespace {

void log_store_error(std::string_view what, const std::exception& e) {
  observe::EventLog::write(config::LogLevel::error, "store_error", [&](http::JsonWriter& j) {
    j.field("during", what);
    j.field("error", e.what());
  });
}

/// Like upstream_health: a line when the store's health changes, `healthy` a boolean.
void log_store_health(bool healthy) {
  observe::EventLog::write(healthy ? config::LogLevel::info : config::LogLevel::warn,
                           "store_health", [&](http::JsonWriter& j) {
                             j.key("healthy");
                             j.raw(healthy ? "true" : "false");
                           });
}

}  // namespace

KeyDirectory::KeyDirectory(const config::StoreLocation& where)
    : where_(where), store_(store::open_store(where)) {
  store_->migrate();
  table_ = load();
  thread_ = std::thread([this] { run(); });
}

KeyDirectory::~KeyDirectory() { stop(); }

void KeyDirectory::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (!thread_.joinable()) {
    return;
  }
  thread_.join();
  try {
    flush_usage();
  } catch (const std::exception& e) {
    log_store_error("last_used", e);
  }
}

std::shared_ptr<const KeyTable> KeyDirectory::load() {
  auto table = std::make_shared<KeyTable>();
  table->version = store_->change_version();
  for (auto& key : store_->list_keys()) {
    KeyEntry entry;
    entry.secret_sha256 = std::move(key.secret_sha256);
    entry.tier = std::move(key.tier);
    entry.expires = key.expires;
    entry.revoked = key.revoked.has_value();
    table->by_id.emplace(std::move(key.id), std::move(entry));
  }
  return table;
}

void KeyDirectory::subscribe(const std::shared_ptr<KeyTableCell>& cell,
                             std::function<void(std::function<void()>)> post) {
  std::lock_guard lock(mutex_);
  cell->table = table_;
  subscribers_.push_back({cell, std::move(post)});
}

void KeyDirectory::report_usage(std::vector<std::pair<std::string, std::int64_t>> uses) {
  std::lock_guard lock(mutex_);
  if (usage_.empty()) {
    usage_ = std::move(uses);
  } else {
    usage_.insert(usage_.end(), uses.begin(), uses.end());
  }
}

void KeyDirectory::run() {
  auto next_flush = std::chrono::steady_clock::now() + kUsageFlushInterval;
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, kPollInterval, [this] { return stopping_; });
    if (stopping_) {
      break;
    }
    lock.unlock();
    try {
      reload_if_changed();
      if (std::chrono::steady_clock::now() >= next_flush) {
        flush_usage();
        next_flush = std::chrono::steady_clock::now() + kUsageFlushInterval;
      }
      if (!healthy_.exchange(true)) {
        log_store_health(true);
      }
    } catch (const std::exception& e) {
      // The last good table stays: keys keep working through a store outage.
      if (healthy_.exchange(false)) {
        log_store_error("key_reload", e);
        log_store_health(false);
      }
    }
    lock.lock();
  }
}

void KeyDirectory::reload_if_changed() {
  const auto version = store_->change_version();
  std::shared_ptr<const KeyTable> current;
  {
    std::lock_guard lock(mutex_);
    current = table_;
  }
  if (version == current->version) {
    return;
  }
  auto fresh = load();
  std::vector<Subscriber> subscribers;
  {
    std::lock_guard lock(mutex_);
    table_ = fresh;
    std::erase_if(subscribers_, [](const Subscriber& s) { return s.cell.expired(); });
    subscribers = subscribers_;
  }
  for (auto& s : subscribers) {
    // The cell is replaced on its worker's thread; one that is gone by then is skipped.
    s.post([weak = s.cell, fresh] {
      if (auto cell = weak.lock()) {
        cell->table = fresh;
      }
    });
  }
}

void KeyDirectory::flush_usage() {
  std::vector<std::pair<std::string, std::int64_t>> uses;
  {
    std::lock_guard lock(mutex_);
    uses.swap(usage_);
  }
  if (!uses.empty()) {
    store_->record_last_used(uses);
  }
}

}  // namespace rampart::policies
