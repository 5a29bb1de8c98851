#pragma once
// One I/O thread: its own io_context, its own SO_REUSEPORT acceptor, its own upstream pools,
// buffers, metrics and log buffer. A request never leaves the worker that accepted it.

#include <array>
#include <atomic>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/intrusive/list.hpp>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "net/asio.hpp"
#include "net/io_buffer.hpp"
#include "net/request_state.hpp"
#include "net/snapshot.hpp"
#include "net/upstream_pool.hpp"
#include "observe/log.hpp"
#include "observe/metrics.hpp"

namespace rampart::net {

class ClientConnection;

/// A worker's view of one Snapshot: the shared config plus this worker's pools and counters
/// for it, resolved once per reload so the request path only indexes vectors.
struct WorkerView {
  std::shared_ptr<const Snapshot> snapshot;
  std::vector<std::shared_ptr<UpstreamPool>> pools;         ///< by upstream index
  std::vector<observe::RouteMetrics*> route_metrics;        ///< by route index
  std::vector<observe::UpstreamMetrics*> upstream_metrics;  ///< by upstream index
  observe::RouteMetrics* unrouted_metrics = nullptr;
  /// The handler's per-worker state for this snapshot (its policies' slots).
  std::unique_ptr<HandlerState> handler_state;
};

using ConnectionHook =
    boost::intrusive::list_base_hook<boost::intrusive::link_mode<boost::intrusive::auto_unlink>>;

/// What the worker can do to each of its connections: the deadline sweep, drain, stop.
class TrackedConnection : public ConnectionHook {
 public:
  virtual ~TrackedConnection() = default;
  virtual void check_deadline(std::chrono::steady_clock::time_point now) = 0;
  virtual void drain() = 0;
  virtual void force_close() = 0;
};

class Worker {
 public:
  Worker(unsigned index, const config::ListenAddress& listen,
         std::shared_ptr<observe::LogSink> log_sink, std::atomic<std::size_t>& total_connections,
         std::size_t read_buffer_bytes);
  ~Worker();

  /// Binds the acceptor (throws std::system_error naming the address on failure).
  void bind();
  /// Where it listens (after bind(): the port chosen for port 0).
  tcp::endpoint local_endpoint() const;
  /// Starts the thread with its first snapshot.
  void start(std::shared_ptr<const Snapshot> snapshot);
  /// Thread-safe: the worker switches to `snapshot` for requests that start after this.
  void install(std::shared_ptr<const Snapshot> snapshot);
  /// Thread-safe: stop accepting, close idle connections, close busy ones after their response.
  void begin_drain();
  /// Thread-safe: close everything now (after drain or at the drain deadline); the thread
  /// ends once every connection has unwound.
  void stop();
  void join();
  /// Thread-safe: a copy of the worker's metrics, taken on its own thread.
  std::future<observe::WorkerMetrics::Copy> metrics_copy();
  std::size_t open_connections() const { return open_connections_.load(std::memory_order_relaxed); }

  // For the worker's own connections (its thread only).
  asio::io_context& io_context() { return ioc_; }
  const std::shared_ptr<const WorkerView>& view() const { return view_; }
  BufferPool& buffers() { return buffers_; }
  observe::WorkerMetrics& metrics() { return metrics_; }
  observe::LogBuffer& log() { return log_; }
  bool draining() const { return draining_; }
  /// The time at the last tick (at most one tick old): good enough for deadlines.
  std::chrono::steady_clock::time_point coarse_now() const { return coarse_now_; }
  /// Scratch space for bytes read only to be thrown away (lingering close): shared by all
  /// connections of the worker, since nobody reads what is in it.
  asio::mutable_buffer discard_buffer() { return asio::buffer(discard_); }
  void connection_closed();
  std::unique_ptr<RequestState> acquire_request_state();
  void release_request_state(std::unique_ptr<RequestState> state);
  /// Connections closed and request states freed so far: the control thread returns memory
  /// to the OS (malloc_trim) after a burst of them.
  std::uint64_t churn() const { return churn_.load(std::memory_order_relaxed); }

 private:
  Task<void> accept_loop();
  void start_connection(Socket socket);
  /// Accepts what is queued on the listener without waiting (before it closes on drain).
  void accept_queued();
  Task<void> tick_loop();
  Task<void> mailbox_loop();
  /// Runs `message` on the worker thread; callable from any thread.
  void send(std::function<void()> message);
  void apply(std::shared_ptr<const Snapshot> snapshot);
  void sweep(std::chrono::steady_clock::time_point now);

  [[maybe_unused]] unsigned index_;  ///< for debugging: which worker this is
  // Everything on this io_context happens on the worker's thread, so it runs without any
  // locking (the scheduler's mutex cost ~450 instructions per request). Other threads talk
  // to the worker only through the mailbox: a locked queue and an eventfd it reads.
  asio::io_context ioc_{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE};
  tcp::endpoint listen_endpoint_;
  Acceptor acceptor_;
  Timer tick_;
  asio::posix::basic_stream_descriptor<Executor> mailbox_event_;
  std::mutex mailbox_mutex_;
  std::vector<std::function<void()>> mailbox_;
  std::thread thread_;
  std::shared_ptr<const WorkerView> view_;
  /// Run on this thread by stop(): slots' own connections, closed (WorkerContext::at_stop).
  std::vector<std::function<void()>> at_stop_;
  std::map<std::string, std::shared_ptr<UpstreamPool>> pools_;  ///< by "name endpoint"
  BufferPool buffers_;
  std::array<char, 16 * 1024> discard_{};
  std::vector<std::unique_ptr<RequestState>> free_states_;
  std::atomic<std::uint64_t> churn_{0};
  observe::WorkerMetrics metrics_;
  observe::LogBuffer log_;
  std::atomic<std::size_t>& total_connections_;
  std::atomic<std::size_t> open_connections_{0};
  bool draining_ = false;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point coarse_now_ = std::chrono::steady_clock::now();
  boost::intrusive::list<TrackedConnection, boost::intrusive::constant_time_size<false>>
      connections_;
};

}  // namespace rampart::net
