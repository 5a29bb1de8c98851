#include "cli/serve_command.hpp"

#include <fmt/format.h>
#include <malloc.h>
#include <sys/resource.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <map>

#include "admin/admin_server.hpp"
#include "cli/version.hpp"
#include "config/config.hpp"
#include "gateway/pipeline.hpp"
#include "net/snapshot.hpp"
#include "net/worker.hpp"
#include "observe/health_board.hpp"
#include "observe/health_checker.hpp"
#include "observe/log.hpp"
#include "observe/metrics.hpp"
#include "policies/rate_limit/config.hpp"
#include "policies/registry.hpp"
#include "store/store.hpp"

namespace rampart::cli {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using config::LogLevel;
using observe::EventLog;

namespace {

/// Raised when the config names something that cannot be used (an upstream host that does
/// not resolve): a user error, reported like a config problem.
struct SnapshotError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void print_problems(const std::vector<config::ConfigProblem>& problems) {
  for (const auto& p : problems) {
    std::fprintf(stderr, "%s\n", p.to_string().c_str());
  }
}

/// The control thread: signals, reloads, health checks, the admin listener, shutdown.
class ServeProcess {
 public:
  ServeProcess(std::string config_path, std::shared_ptr<const config::Config> config)
      : config_path_(std::move(config_path)),
        config_(std::move(config)),
        admin_(ioc_, [this] { return render_metrics(); }),
        health_(ioc_, board_) {}

  int run() {
    raise_fd_limit();
    // Installed before a worker can serve a request: a SIGTERM that arrives as soon as the
    // port answers must drain, not kill the process (Asio keeps it until ioc_ runs).
    asio::signal_set signals(ioc_, SIGTERM, SIGINT, SIGHUP);
    wait_for_signal(signals);
    limiter_ = std::make_shared<limits::LocalLimiter>(config_->server.rate_limit_entries);
    auto snapshot = build_snapshot(config_);
    const auto& server = config_->server;
    for (unsigned i = 0; i < server.workers; ++i) {
      workers_.push_back(std::make_unique<net::Worker>(
          i, server.listen, EventLog::sink(), total_connections_,
          std::max(server.max_header_bytes + 1024, server.request_buffer)));
      workers_.back()->bind();
    }
    admin_.bind(config_->admin.listen);
    admin_.set_api_key(config_->admin.api_key);
    admin_.set_store(config_->store);
    for (auto& worker : workers_) {
      worker->start(snapshot);
    }
    admin_.start();
    health_.start(*config_, endpoints_of(*snapshot));

    return_memory_after_bursts();
    EventLog::write(LogLevel::info, "start", [&](http::JsonWriter& j) {
      j.field("version", kVersion);
      j.field("listen", fmt::format("{}:{}", server.listen.host, server.listen.port));
      j.field("admin",
              fmt::format("{}:{}", config_->admin.listen.host, config_->admin.listen.port));
      j.field("workers", static_cast<long long>(server.workers));
      j.field("config", config_path_);
    });
    ioc_.run();
    for (auto& worker : workers_) {
      worker->join();
    }
    jwks_->stop();  // the workers still exist: requests waiting for a JWKS are let go first
    for (auto& marks : replay_marks_) {
      marks->stop();  // the workers still exist: a mark answered now has somewhere to go
    }
    for (auto& redis : redis_backends_) {
      redis->stop();  // each worker's connection, while its io_context still exists
    }
    for (auto& keys : key_directories_) {
      keys->stop();  // the workers still exist: a table published until now had somewhere to go
    }
    EventLog::write(LogLevel::info, "shutdown", [&](http::JsonWriter& j) {
      j.field("phase", "done");
      j.field("forced", forced_);
    });
    return 0;
  }

 private:
  static void raise_fd_limit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
      limit.rlim_cur = limit.rlim_max;
      setrlimit(RLIMIT_NOFILE, &limit);
    }
  }

  std::shared_ptr<const net::Snapshot> build_snapshot(std::shared_ptr<const config::Config> c) {
    std::vector<net::UpstreamTarget> targets;
    tcp::resolver resolver(ioc_);
    for (const auto& upstream : c->upstreams) {
      boost::system::error_code ec;
      auto results = resolver.resolve(upstream.host, std::to_string(upstream.port), ec);
      if (ec || results.empty()) {
        throw SnapshotError(fmt::format("{}: upstreams.{}.url: cannot resolve host \"{}\": {}",
                                        c->source_path, upstream.name, upstream.host,
                                        ec ? ec.message() : "no address"));
      }
      auto& count = in_use_counts_[upstream.name];
      if (!count) {
        count = std::make_shared<std::atomic<std::size_t>>(0);
      }
      targets.push_back(net::UpstreamTarget{results.begin()->endpoint(), count});
    }
    auto pipeline = std::make_shared<const gateway::Pipeline>(c, board_, policies::registry(),
                                                              services_for(*c));
    return std::make_shared<net::Snapshot>(std::move(c), std::move(pipeline), std::move(targets),
                                           ++generation_);
  }

  /// The store's keys for `config`: the directory already running when the store is the
  /// same, else a new one (opened, migrated and loaded now; a StoreError if it cannot be).
  /// Directories are kept until exit: one is only ever released on the control thread.
  policies::Services services_for(const config::Config& config) {
    const auto& where = config.store;
    for (const auto& keys : key_directories_) {
      if (keys->location().display == where.display && keys->location().path == where.path &&
          keys->location().conninfo == where.conninfo) {
        return policies::Services{keys, jwks_, limiter_, redis_for(config), replays_for(where)};
      }
    }
    try {
      key_directories_.push_back(std::make_shared<policies::KeyDirectory>(where));
    } catch (const store::StoreError& e) {
      throw SnapshotError(e.what());
    }
    return policies::Services{key_directories_.back(), jwks_, limiter_, redis_for(config),
                              replays_for(where)};
  }

  /// The webhook replay marks of the store at `where` (one thread per store, kept until exit).
  std::shared_ptr<policies::ReplayMarks> replays_for(const config::StoreLocation& where) {
    for (const auto& marks : replay_marks_) {
      if (marks->location().display == where.display && marks->location().path == where.path &&
          marks->location().conninfo == where.conninfo) {
        return marks;
      }
    }
    replay_marks_.push_back(std::make_shared<policies::ReplayMarks>(where));
    return replay_marks_.back();
  }

  /// The Redis backend for `config`'s `redis:` (the one already running for the same URL, else
  /// a new one), or null without one. Backends are kept until exit, like key directories.
  std::shared_ptr<limits::RedisBackend> redis_for(const config::Config& config) {
    const auto* section = config.section(policies::kRedisSection);
    if (!section) {
      return nullptr;
    }
    const auto& url = static_cast<const policies::RedisSettings&>(*section).url;
    for (const auto& backend : redis_backends_) {
      const auto& known = backend->url();
      if (known.host == url.host && known.port == url.port && known.db == url.db &&
          known.user == url.user && known.password == url.password) {
        return backend;
      }
    }
    redis_backends_.push_back(std::make_shared<limits::RedisBackend>(url));
    return redis_backends_.back();
  }

  static std::vector<tcp::endpoint> endpoints_of(const net::Snapshot& snapshot) {
    std::vector<tcp::endpoint> endpoints;
    for (const auto& t : snapshot.upstreams) {
      endpoints.push_back(t.endpoint);
    }
    return endpoints;
  }

  /// After a burst of closed connections, hand freed heap pages back to the OS: glibc keeps
  /// them otherwise, and RSS would stay at the burst's peak.
  void return_memory_after_bursts() {
    trim_timer_.expires_after(std::chrono::seconds(2));
    trim_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) {
        return;
      }
      std::uint64_t churn = 0;
      for (auto& worker : workers_) {
        churn += worker->churn();
      }
      if (churn - churn_at_last_trim_ >= kChurnBeforeTrim) {
        churn_at_last_trim_ = churn;
        malloc_trim(0);
      }
      return_memory_after_bursts();
    });
  }

  void wait_for_signal(asio::signal_set& signals) {
    signals.async_wait([this, &signals](const boost::system::error_code& ec, int signal) {
      if (ec) {
        return;
      }
      if (signal == SIGHUP) {
        reload();
        wait_for_signal(signals);
      } else if (!draining_) {
        begin_shutdown();
        wait_for_signal(signals);  // a second SIGTERM/SIGINT during the drain is ignored
      }
    });
  }

  void reload_failed(const std::vector<std::string>& problems) {
    ++reloads_failure_;
    EventLog::write(LogLevel::error, "reload", [&](http::JsonWriter& j) {
      j.field("result", "error");
      j.key("problems");
      j.begin_array();
      for (const auto& problem : problems) {
        j.string(problem);
      }
      j.end_array();
    });
  }

  void reload() {
    auto result = config::load_config(config_path_, policies::load_options());
    if (!result.problems.empty()) {
      std::vector<std::string> problems;
      for (const auto& problem : result.problems) {
        problems.push_back(problem.to_string());
      }
      reload_failed(problems);
      return;
    }
    std::shared_ptr<const net::Snapshot> snapshot;
    try {
      snapshot = build_snapshot(result.config);
    } catch (const SnapshotError& e) {
      reload_failed({e.what()});
      return;
    }
    const auto& old_server = config_->server;
    const auto& new_server = result.config->server;
    bool needs_restart = old_server.listen.host != new_server.listen.host ||
                         old_server.listen.port != new_server.listen.port ||
                         old_server.workers != new_server.workers ||
                         config_->admin.listen.host != result.config->admin.listen.host ||
                         config_->admin.listen.port != result.config->admin.listen.port ||
                         config_->log.file != result.config->log.file ||
                         new_server.max_header_bytes > old_server.max_header_bytes ||
                         new_server.request_buffer > old_server.request_buffer;
    config_ = result.config;
    for (auto& worker : workers_) {
      worker->install(snapshot);
    }
    admin_.set_api_key(config_->admin.api_key);
    admin_.set_store(config_->store);
    EventLog::set_level(config_->log.level);
    if (auto sink = EventLog::sink()) {
      sink->reopen();  // after logrotate moved the file
    }
    health_.start(*config_, endpoints_of(*snapshot));
    ++reloads_success_;
    EventLog::write(LogLevel::info, "reload", [&](http::JsonWriter& j) {
      j.field("result", "ok");
      j.field("generation", static_cast<unsigned long long>(snapshot->generation));
      if (needs_restart) {
        j.field("note",
                "server.listen, server.workers, admin.listen, log.file and a larger "
                "server.max_header_bytes or server.request_buffer take effect at the next "
                "restart");
      }
    });
  }

  void begin_shutdown() {
    draining_ = true;
    EventLog::write(LogLevel::info, "shutdown", [&](http::JsonWriter& j) {
      j.field("phase", "draining");
      j.field("drain_timeout_ms", static_cast<long long>(config_->server.drain_timeout.count()));
    });
    for (auto& worker : workers_) {
      worker->begin_drain();
    }
    health_.stop();
    drain_deadline_ = std::chrono::steady_clock::now() + config_->server.drain_timeout;
    poll_drain();
  }

  void poll_drain() {
    std::size_t open = 0;
    for (auto& worker : workers_) {
      open += worker->open_connections();
    }
    bool expired = std::chrono::steady_clock::now() >= drain_deadline_;
    if (open == 0 || expired) {
      forced_ = open > 0;
      for (auto& worker : workers_) {
        worker->stop();
      }
      admin_.stop();
      trim_timer_.cancel();
      ioc_.stop();
      return;
    }
    drain_timer_.expires_after(std::chrono::milliseconds(20));
    drain_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) {
        poll_drain();
      }
    });
  }

  std::string render_metrics() {
    std::vector<observe::WorkerMetrics::Copy> copies;
    for (auto& worker : workers_) {
      auto future = worker->metrics_copy();
      if (future.wait_for(std::chrono::seconds(2)) == std::future_status::ready) {
        copies.push_back(future.get());
      }
    }
    observe::ProcessMetrics process;
    process.reloads_success = reloads_success_;
    process.reloads_failure = reloads_failure_;
    process.version = kVersion;
    for (const auto& upstream : config_->upstreams) {
      process.upstream_healthy.emplace_back(upstream.name,
                                            !upstream.health || board_->healthy(upstream.name));
    }
    process.families.emplace(std::string(policies::jwt::kJwksFetches.name), jwks_->counts());
    process.values.push_back({"rampart_rate_limit_entries", "gauge",
                              "Identities in the local rate-limit table (all policies).",
                              static_cast<double>(limiter_->size())});
    process.values.push_back(
        {"rampart_rate_limit_overflow_total", "counter",
         "Requests counted under a coarser key because the local rate-limit table was full "
         "(server.rate_limit_entries).",
         static_cast<double>(limiter_->overflowed())});
    return observe::render_prometheus(copies, process);
  }

  std::string config_path_;
  std::shared_ptr<const config::Config> config_;
  asio::io_context ioc_{1};
  std::shared_ptr<observe::HealthBoard> board_ = std::make_shared<observe::HealthBoard>();
  std::vector<std::shared_ptr<policies::KeyDirectory>> key_directories_;
  std::shared_ptr<policies::jwt::JwksFetcher> jwks_ =
      std::make_shared<policies::jwt::JwksFetcher>();
  std::shared_ptr<limits::LocalLimiter> limiter_;  ///< made at start: server.rate_limit_entries
  std::vector<std::shared_ptr<limits::RedisBackend>> redis_backends_;
  std::vector<std::shared_ptr<policies::ReplayMarks>> replay_marks_;
  admin::AdminServer admin_;
  observe::HealthChecker health_;
  std::vector<std::unique_ptr<net::Worker>> workers_;
  std::map<std::string, std::shared_ptr<std::atomic<std::size_t>>> in_use_counts_;
  std::atomic<std::size_t> total_connections_{0};
  std::uint64_t generation_ = 0;
  std::uint64_t reloads_success_ = 0;
  std::uint64_t reloads_failure_ = 0;
  bool draining_ = false;
  bool forced_ = false;
  std::chrono::steady_clock::time_point drain_deadline_{};
  asio::steady_timer drain_timer_{ioc_};
  asio::steady_timer trim_timer_{ioc_};
  std::uint64_t churn_at_last_trim_ = 0;
  static constexpr std::uint64_t kChurnBeforeTrim = 1000;
};

}  // namespace

int run_serve(const std::string& config_path) {
  auto result = config::load_config(config_path, policies::load_options());
  if (!result.problems.empty()) {
    print_problems(result.problems);
    return 1;
  }
  // SIGPIPE is blocked here, before any thread starts (threads inherit the mask), so a write
  // to a client that is gone fails with EPIPE instead of ending the process. SIGHUP, SIGTERM
  // and SIGINT stay deliverable to any thread: the control thread's signal_set (Asio's
  // process-wide handler) turns them into work on the control thread, whichever thread the
  // kernel picked.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  try {
    EventLog::install(std::make_shared<observe::LogSink>(result.config->log.file),
                      result.config->log.level);
    ServeProcess process(config_path, result.config);
    return process.run();
  } catch (const SnapshotError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  } catch (const std::system_error& e) {
    std::fprintf(stderr, "%s: %s\n", config_path.c_str(), e.what());
    return 1;
  } catch (const std::runtime_error& e) {
    std::fprintf(stderr, "%s: %s\n", config_path.c_str(), e.what());
    return 1;
  }
}

}  // namespace rampart::cli
