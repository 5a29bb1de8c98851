#include "policies/jwt/jwks_source.hpp"

#include <algorithm>

#include "observe/log.hpp"

namespace rampart::policies::jwt {

namespace asio = net::asio;

namespace {

void log_jwks(config::LogLevel level, std::string_view event, const JwksSource& source,
              std::string_view error, std::size_t keys = 0, std::size_t skipped = 0) {
  observe::EventLog::write(level, event, [&](http::JsonWriter& j) {
    j.field("issuer", source.issuer_name());
    j.field("url", source.url().text);
    if (!error.empty()) {
      j.field("error", error);
    } else {
      j.key("keys");
      j.raw(std::to_string(keys));
      j.key("skipped");
      j.raw(std::to_string(skipped));
    }
  });
}

std::string source_key(const std::string& issuer_name, const JwksUrl& url) {
  return issuer_name + ' ' + (url.https ? "https://" : "http://") + url.host + ':' +
         std::to_string(url.port) + url.target;
}

std::chrono::seconds freshness(std::optional<std::chrono::seconds> max_age) {
  return std::clamp(max_age.value_or(kDefaultFreshness), kMinFreshness, kMaxFreshness);
}

}  // namespace

JwksSource::JwksSource(std::string issuer_name, JwksUrl url)
    : issuer_name_(std::move(issuer_name)), url_(std::move(url)) {}

std::shared_ptr<const KeySet> JwksSource::keys(std::uint64_t& version) const {
  std::lock_guard lock(mutex_);
  version = version_.load(std::memory_order_relaxed);
  return set_;
}

JwksSource::Refetch JwksSource::request_refetch() {
  std::function<void()> wake;
  {
    std::lock_guard lock(mutex_);
    if (fetch_pending_) {
      return Refetch::wait;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now < next_refetch_allowed_ || !wake_fetcher_) {
      return Refetch::refuse;
    }
    next_refetch_allowed_ = now + kRefetchInterval;
    fetch_pending_ = true;
    wake = wake_fetcher_;
  }
  wake();
  return Refetch::wait;
}

net::Task<void> JwksSource::until_fetched() {
  auto timer = std::make_shared<net::Timer>(co_await asio::this_coro::executor);
  timer->expires_at(net::Timer::time_point::max());
  {
    std::lock_guard lock(mutex_);
    if (!fetch_pending_) {
      co_return;
    }
    waiters_.push_back(timer);
  }
  // Ends when fetch_finished() cancels it, or when the pipeline cancels the wait.
  co_await timer->async_wait(net::use_tuple);
}

void JwksSource::publish(std::shared_ptr<const KeySet> set) {
  std::lock_guard lock(mutex_);
  set_ = std::move(set);
  version_.store(version_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
}

void JwksSource::fetch_started() {
  std::lock_guard lock(mutex_);
  fetch_pending_ = true;
}

void JwksSource::fetch_finished() {
  std::vector<std::shared_ptr<net::Timer>> waiters;
  {
    std::lock_guard lock(mutex_);
    fetch_pending_ = false;
    waiters.swap(waiters_);
  }
  // A timer belongs to its worker's thread: it is cancelled there.
  for (auto& timer : waiters) {
    asio::post(timer->get_executor(), [timer] { timer->cancel(); });
  }
}

void JwksSource::detach() {
  std::lock_guard lock(mutex_);
  waiters_.clear();
  wake_fetcher_ = nullptr;
  fetch_pending_ = false;
}

JwksFetcher::JwksFetcher() : work_(io_.get_executor()) {
  counts_.help = std::string(kJwksFetches.help);
  counts_.labels.assign(kJwksFetchLabels, kJwksFetchLabels + 2);
  thread_ = std::thread([this] { io_.run(); });
}

JwksFetcher::~JwksFetcher() { stop(); }

void JwksFetcher::stop() {
  std::vector<std::shared_ptr<JwksSource>> live;
  {
    std::lock_guard lock(mutex_);
    if (stopped_) {
      return;
    }
    stopped_ = true;
    for (auto& [key, weak] : sources_) {
      if (auto source = weak.lock()) {
        live.push_back(std::move(source));
      }
    }
  }
  work_.reset();
  io_.stop();
  if (thread_.joinable()) {
    thread_.join();
  }
  for (auto& source : live) {
    source->detach();
  }
}

std::shared_ptr<JwksSource> JwksFetcher::source(const std::string& issuer_name,
                                                const JwksUrl& url) {
  const auto key = source_key(issuer_name, url);
  std::lock_guard lock(mutex_);
  sources_.erase(std::remove_if(sources_.begin(), sources_.end(),
                                [](const auto& entry) { return entry.second.expired(); }),
                 sources_.end());
  for (auto& [existing_key, weak] : sources_) {
    if (existing_key == key) {
      if (auto source = weak.lock()) {
        return source;
      }
    }
  }
  auto source = std::make_shared<JwksSource>(issuer_name, url);
  std::weak_ptr<JwksSource> weak = source;
  source->wake_fetcher_ = [this, weak] {
    asio::post(io_, [weak] {
      if (auto s = weak.lock(); s && s->sleep_timer_) {
        s->sleep_timer_->cancel();
      }
    });
  };
  sources_.emplace_back(key, weak);
  if (!stopped_) {
    asio::co_spawn(io_, keep_fresh(weak), asio::detached);
  }
  return source;
}

void JwksFetcher::count(const std::string& issuer, std::string_view result) {
  std::lock_guard lock(mutex_);
  ++counts_.values[{issuer, std::string(result)}];
}

observe::FamilyCounts JwksFetcher::counts() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

net::Task<void> JwksFetcher::keep_fresh(std::weak_ptr<JwksSource> weak) {
  std::chrono::seconds retry = kFirstRetry;
  for (;;) {
    auto source = weak.lock();
    if (!source) {
      co_return;
    }
    source->fetch_started();
    JwksResponse response;
    try {
      if (!tls_) {
        tls_.emplace(make_tls_client_context());
      }
    } catch (const std::exception& e) {
      response.error = std::string("cannot set up TLS: ") + e.what();
    }
    if (tls_) {
      response =
          co_await fetch_jwks(*tls_, source->url(), kMaxJwksBytes,
                              std::chrono::duration_cast<std::chrono::milliseconds>(kFetchTimeout));
    }
    std::chrono::seconds next = retry;
    if (response.too_large) {
      // An answer, refused as it came (over 1 MiB, cut short): the endpoint is up but wrong.
      count(source->issuer_name(), "rejected");
      log_jwks(config::LogLevel::warn, "jwks_rejected", *source, response.error);
      retry = std::min(retry * 2, kMaxRetry);
    } else if (!response.error.empty()) {
      count(source->issuer_name(), "failed");
      log_jwks(config::LogLevel::warn, "jwks_fetch_failed", *source, response.error);
      retry = std::min(retry * 2, kMaxRetry);
    } else {
      std::uint64_t ignored = 0;
      auto current = source->keys(ignored);
      auto parsed = parse_jwks(response.body, current.get());
      if (!parsed.set) {
        count(source->issuer_name(), "rejected");
        log_jwks(config::LogLevel::warn, "jwks_rejected", *source, parsed.error);
        retry = std::min(retry * 2, kMaxRetry);
      } else {
        count(source->issuer_name(), "ok");
        log_jwks(config::LogLevel::info, "jwks_updated", *source, {}, parsed.set->keys.size(),
                 parsed.skipped);
        source->publish(std::move(parsed.set));
        next = freshness(response.max_age) * 3 / 4;
        retry = kFirstRetry;
      }
    }
    source->fetch_finished();
    net::Timer timer(io_);
    timer.expires_after(next);
    source->sleep_timer_ = &timer;
    source.reset();  // a source no config uses any more ends here, at the next wake
    co_await timer.async_wait(net::use_tuple);
    if (auto s = weak.lock()) {
      s->sleep_timer_ = nullptr;
    }
  }
}

}  // namespace rampart::policies::jwt
