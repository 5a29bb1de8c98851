#pragma once
// Everything a worker needs from one loaded config, built once by the control thread and
// shared read-only by every worker until the next reload replaces it.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "net/asio.hpp"
#include "net/request_handler.hpp"

namespace rampart::net {

struct UpstreamTarget {
  tcp::endpoint endpoint;
  /// Connections in use across all workers; kept across reloads for the same upstream name.
  std::shared_ptr<std::atomic<std::size_t>> in_use;
};

struct Snapshot {
  Snapshot(std::shared_ptr<const config::Config> config,
           std::shared_ptr<const RequestHandler> handler, std::vector<UpstreamTarget> targets,
           std::uint64_t generation)
      : config_ptr(std::move(config)),
        handler(std::move(handler)),
        upstreams(std::move(targets)),
        generation(generation) {}

  const config::Config& config() const { return *config_ptr; }

  std::shared_ptr<const config::Config> config_ptr;
  /// What runs each request: the gateway's pipeline for this config.
  std::shared_ptr<const RequestHandler> handler;
  std::vector<UpstreamTarget> upstreams;  ///< by Config::upstreams index
  std::uint64_t generation;
};

}  // namespace rampart::net
