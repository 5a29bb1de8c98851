#pragma once
// Active upstream health checks (upstreams.*.health): one loop per upstream on the control
// thread, writing results to the HealthBoard that /health/ready and the metrics read.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "observe/health_board.hpp"

namespace rampart::observe {

class HealthChecker {
 public:
  HealthChecker(boost::asio::io_context& ioc, std::shared_ptr<HealthBoard> board)
      : ioc_(ioc), board_(std::move(board)) {}

  /// (Re)starts the checks for this config; loops of the previous config stop.
  void start(const config::Config& config,
             const std::vector<boost::asio::ip::tcp::endpoint>& endpoints);
  void stop() { ++generation_; }

 private:
  boost::asio::awaitable<void> check_loop(config::UpstreamConfig upstream,
                                          boost::asio::ip::tcp::endpoint endpoint,
                                          std::uint64_t generation);
  boost::asio::awaitable<bool> check_once(const config::UpstreamConfig& upstream,
                                          const boost::asio::ip::tcp::endpoint& endpoint);

  boost::asio::io_context& ioc_;
  std::shared_ptr<HealthBoard> board_;
  std::uint64_t generation_ = 0;
};

}  // namespace rampart::observe
