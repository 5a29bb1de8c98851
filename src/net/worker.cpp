#include "net/worker.hpp"

#include <fmt/format.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <system_error>

#include "net/client_connection.hpp"

namespace rampart::net {

namespace {

// The sweep granularity: deadlines fire at most this late; log lines wait at most this long.
constexpr auto kTick = std::chrono::milliseconds(50);
// Pooled upstream connections unused this long are closed.
constexpr auto kUpstreamIdle = std::chrono::seconds(30);
// Warm request states kept for reuse; beyond this, a burst's states are freed.
constexpr std::size_t kMaxFreeStates = 256;
// Big enough for a 64 KiB read per syscall; larger for a larger head or request_buffer.
constexpr std::size_t kMinBufferBytes = 64 * 1024;

tcp::endpoint to_endpoint(const config::ListenAddress& listen) {
  return {boost::asio::ip::make_address(listen.host), listen.port};
}

}  // namespace

Worker::Worker(unsigned index, const config::ListenAddress& listen,
               std::shared_ptr<observe::LogSink> log_sink,
               std::atomic<std::size_t>& total_connections, std::size_t read_buffer_bytes)
    : index_(index),
      listen_endpoint_(to_endpoint(listen)),
      acceptor_(ioc_.get_executor()),
      tick_(ioc_.get_executor()),
      mailbox_event_(ioc_.get_executor()),
      buffers_(std::max(kMinBufferBytes, read_buffer_bytes)),
      log_(std::move(log_sink)),
      total_connections_(total_connections) {}

Worker::~Worker() {
  if (thread_.joinable()) {
    stop();
    join();
  }
}

void Worker::bind() {
  acceptor_.open(listen_endpoint_.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  int one = 1;
  if (::setsockopt(acceptor_.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
    throw std::system_error(errno, std::generic_category(), "SO_REUSEPORT");
  }
  error_code ec;
  acceptor_.bind(listen_endpoint_, ec);
  if (!ec) {
    acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    throw std::system_error(
        ec, fmt::format("cannot listen on {}:{}", listen_endpoint_.address().to_string(),
                        listen_endpoint_.port()));
  }
}

tcp::endpoint Worker::local_endpoint() const {
  error_code ec;
  return acceptor_.local_endpoint(ec);
}

void Worker::start(std::shared_ptr<const Snapshot> snapshot) {
  int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd < 0) {
    throw std::system_error(errno, std::generic_category(), "eventfd");
  }
  mailbox_event_.assign(fd);
  apply(std::move(snapshot));
  asio::co_spawn(ioc_, accept_loop(), asio::detached);
  asio::co_spawn(ioc_, tick_loop(), asio::detached);
  asio::co_spawn(ioc_, mailbox_loop(), asio::detached);
  thread_ = std::thread([this] { ioc_.run(); });
}

void Worker::send(std::function<void()> message) {
  {
    std::lock_guard lock(mailbox_mutex_);
    mailbox_.push_back(std::move(message));
  }
  std::uint64_t one = 1;
  // Only fails when the counter would overflow, and then the worker is already woken.
  [[maybe_unused]] auto written = ::write(mailbox_event_.native_handle(), &one, sizeof one);
}

Task<void> Worker::mailbox_loop() {
  std::uint64_t count = 0;
  std::vector<std::function<void()>> messages;
  for (;;) {
    auto [ec, n] =
        co_await mailbox_event_.async_read_some(asio::buffer(&count, sizeof count), use_tuple);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      continue;
    }
    if (ec) {
      break;
    }
    {
      std::lock_guard lock(mailbox_mutex_);
      messages.swap(mailbox_);
    }
    for (auto& message : messages) {
      message();
    }
    messages.clear();
    if (stopping_) {
      break;  // no read pending: run() can return. The eventfd stays open for late senders.
    }
  }
}

void Worker::install(std::shared_ptr<const Snapshot> snapshot) {
  send([this, snapshot = std::move(snapshot)]() mutable { apply(std::move(snapshot)); });
}

void Worker::apply(std::shared_ptr<const Snapshot> snapshot) {
  auto view = std::make_shared<WorkerView>();
  const auto& config = snapshot->config();
  std::map<std::string, std::shared_ptr<UpstreamPool>> pools;
  for (std::size_t i = 0; i < config.upstreams.size(); ++i) {
    const auto& upstream = config.upstreams[i];
    const auto& target = snapshot->upstreams[i];
    auto key = fmt::format("{} {}:{} {}", upstream.name, target.endpoint.address().to_string(),
                           target.endpoint.port(), upstream.max_connections);
    auto it = pools_.find(key);
    auto pool = it != pools_.end()
                    ? it->second
                    : std::make_shared<UpstreamPool>(ioc_, target.endpoint,
                                                     upstream.max_connections, target.in_use);
    pools.emplace(key, pool);
    view->pools.push_back(pool);
    view->upstream_metrics.push_back(&metrics_.upstream(upstream.name));
  }
  for (const auto& route : config.routes) {
    view->route_metrics.push_back(&metrics_.route(route.name));
  }
  view->unrouted_metrics = &metrics_.route(std::string(observe::kNoRouteLabel));
  WorkerContext context{
      ioc_, metrics_, [this](std::function<void()> message) { send(std::move(message)); },
      [this](std::function<void()> cleanup) { at_stop_.push_back(std::move(cleanup)); }};
  view->handler_state = snapshot->handler->make_state(context);
  view->snapshot = std::move(snapshot);
  pools_ = std::move(pools);  // pools no longer configured live on in older views until done
  view_ = std::move(view);
}

Task<void> Worker::accept_loop() {
  Timer backoff(ioc_.get_executor());
  while (acceptor_.is_open()) {
    auto [ec, socket] = co_await acceptor_.async_accept(use_tuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) {
        break;
      }
      // Out of descriptors or memory: wait a little instead of spinning.
      backoff.expires_after(std::chrono::milliseconds(50));
      co_await backoff.async_wait(use_tuple);
      continue;
    }
    start_connection(std::move(socket));
  }
}

void Worker::start_connection(Socket socket) {
  const auto limit = view_->snapshot->config().server.max_connections;
  if (total_connections_.fetch_add(1, std::memory_order_relaxed) >= limit) {
    total_connections_.fetch_sub(1, std::memory_order_relaxed);
    return;  // over max_connections: the socket closes as it goes out of scope
  }
  error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  open_connections_.fetch_add(1, std::memory_order_relaxed);
  auto connection = std::make_shared<ClientConnection>(*this, std::move(socket));
  connections_.push_back(*connection);
  asio::co_spawn(ioc_, ClientConnection::serve(std::move(connection)), asio::detached);
}

void Worker::accept_queued() {
  // Connections the kernel completed but nobody accepted yet would be reset when the
  // listener closes: their clients may have sent a request already. Take them in now.
  error_code ec;
  acceptor_.non_blocking(true, ec);
  while (!ec && acceptor_.is_open()) {
    Socket socket(ioc_.get_executor());
    acceptor_.accept(socket, ec);
    if (!ec) {
      start_connection(std::move(socket));
    }
  }
}

void Worker::connection_closed() {
  total_connections_.fetch_sub(1, std::memory_order_relaxed);
  open_connections_.fetch_sub(1, std::memory_order_relaxed);
  churn_.fetch_add(1, std::memory_order_relaxed);
}

std::unique_ptr<RequestState> Worker::acquire_request_state() {
  if (free_states_.empty()) {
    return std::make_unique<RequestState>();
  }
  auto state = std::move(free_states_.back());
  free_states_.pop_back();
  return state;
}

void Worker::release_request_state(std::unique_ptr<RequestState> state) {
  if (free_states_.size() < kMaxFreeStates) {
    free_states_.push_back(std::move(state));
  } else {
    churn_.fetch_add(1, std::memory_order_relaxed);
  }
}

Task<void> Worker::tick_loop() {
  auto last_prune = std::chrono::steady_clock::now();
  for (;;) {
    tick_.expires_after(kTick);
    auto [ec] = co_await tick_.async_wait(use_tuple);
    if (ec || stopping_) {
      break;
    }
    auto now = std::chrono::steady_clock::now();
    auto previous_tick = coarse_now_;
    coarse_now_ = now;
    sweep(now);
    for (auto& [key, pool] : pools_) {
      pool->watch_idle(previous_tick);
    }
    log_.flush();
    if (now - last_prune > std::chrono::seconds(1)) {
      last_prune = now;
      for (auto& [key, pool] : pools_) {
        pool->prune(now, kUpstreamIdle);
      }
      buffers_.trim();
    }
  }
}

void Worker::sweep(std::chrono::steady_clock::time_point now) {
  for (auto it = connections_.begin(); it != connections_.end();) {
    // check_deadline may close sockets but never destroys the connection synchronously.
    auto& connection = *it++;
    connection.check_deadline(now);
  }
}

void Worker::begin_drain() {
  send([this] {
    draining_ = true;
    accept_queued();
    error_code ignored;
    acceptor_.close(ignored);
    for (auto& connection : connections_) {
      connection.drain();
    }
    for (auto& [key, pool] : pools_) {
      pool->clear();
    }
  });
}

void Worker::stop() {
  send([this] {
    stopping_ = true;
    draining_ = true;
    error_code ignored;
    acceptor_.close(ignored);
    tick_.cancel();
    for (auto& connection : connections_) {
      connection.force_close();
    }
    for (auto& [key, pool] : pools_) {
      pool->clear();
    }
    for (auto& cleanup : at_stop_) {
      cleanup();
    }
    at_stop_.clear();
    log_.flush();
  });
}

void Worker::join() {
  if (thread_.joinable()) {
    thread_.join();
  }
}

std::future<observe::WorkerMetrics::Copy> Worker::metrics_copy() {
  auto promise = std::make_shared<std::promise<observe::WorkerMetrics::Copy>>();
  auto future = promise->get_future();
  send([this, promise] { promise->set_value(metrics_.copy()); });
  return future;
}

}  // namespace rampart::net
