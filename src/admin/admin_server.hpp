#pragma once
// The admin listener (SPEC §4): /metrics for Prometheus without auth; every other path needs
// "Authorization: Bearer <admin.api_key>". Runs on the control thread: scrapes and admin calls
// never slow the workers beyond one posted copy of their counters.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <memory>
#include <string>

#include "admin/keys_api.hpp"
#include "config/config.hpp"

namespace rampart::admin {

class AdminServer {
 public:
  /// Produces the /metrics body.
  using MetricsSource = std::function<std::string()>;

  AdminServer(boost::asio::io_context& ioc, MetricsSource metrics);

  /// Binds (throws std::system_error naming the address on failure).
  void bind(const config::ListenAddress& listen);
  void start();
  void stop();
  /// The key is part of the config; a reload may change it.
  void set_api_key(std::string key) { api_key_ = std::move(key); }
  /// The store /admin/api/keys works on; a reload may change it.
  void set_store(const config::StoreLocation& where);

 private:
  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& ioc_;
  /// The store's calls run here, one at a time, off the control thread.
  boost::asio::thread_pool store_thread_{1};
  std::shared_ptr<KeysApi> keys_;
  boost::asio::ip::tcp::acceptor acceptor_;
  MetricsSource metrics_;
  std::string api_key_;
};

/// Constant-time check of an "Authorization" value against "Bearer <key>".
bool bearer_matches(std::string_view authorization, std::string_view key);

}  // namespace rampart::admin
