#pragma once
// The latest active health check result of each upstream, written by the health checker on
// the control thread and read by /health/ready on any worker. Readiness probes are rare, so a
// mutex is fine here; the request path never reads it.

#include <map>
#include <mutex>
#include <string>

namespace rampart::observe {

class HealthBoard {
 public:
  /// Returns true when the state changed (for the health-change log event).
  bool set(const std::string& upstream, bool healthy) {
    std::lock_guard lock(mutex_);
    auto [it, inserted] = states_.try_emplace(upstream, healthy);
    if (inserted) {
      return true;
    }
    bool changed = it->second != healthy;
    it->second = healthy;
    return changed;
  }
  /// Unknown upstreams (never checked yet) are reported unhealthy.
  bool healthy(const std::string& upstream) const {
    std::lock_guard lock(mutex_);
    auto it = states_.find(upstream);
    return it != states_.end() && it->second;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, bool> states_;
};

}  // namespace rampart::observe
