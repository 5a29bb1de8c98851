#pragma once
// Everything a worker needs from one loaded config, built once by the control thread and
// shared read-only by every worker until the next reload replaces it.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "gateway/pipeline.hpp"
#include "net/asio.hpp"
#include "observe/health_board.hpp"

namespace rampart::net {

struct UpstreamTarget {
  tcp::endpoint endpoint;
  /// Connections in use across all workers; kept across reloads for the same upstream name.
  std::shared_ptr<std::atomic<std::size_t>> in_use;
};

struct Snapshot {
  Snapshot(std::shared_ptr<const config::Config> config, std::vector<UpstreamTarget> targets,
           std::shared_ptr<observe::HealthBoard> health, std::uint64_t generation)
      : pipeline(std::move(config)),
        upstreams(std::move(targets)),
        health(std::move(health)),
        generation(generation) {}

  const config::Config& config() const { return pipeline.config(); }

  gateway::Pipeline pipeline;
  std::vector<UpstreamTarget> upstreams;         ///< by Config::upstreams index
  std::shared_ptr<observe::HealthBoard> health;  ///< process-wide, thread-safe
  std::uint64_t generation;
};

}  // namespace rampart::net
