#pragma once
// A route's `concurrency:` (SPEC §2): at most `max` of its requests in flight at the upstream
// (per rampart instance, all workers together), up to `queue` more waiting in FIFO order for
// at most `queue_timeout`; beyond that, 503 overloaded. For a backend that breaks under
// concurrent writes (field report 003): nginx's limit_conn, Envoy's circuit breakers.

#include <cstddef>
#include <memory>
#include <string_view>

#include "config/policy_settings.hpp"

namespace rampart::policies {

inline constexpr std::string_view kConcurrencyKey = "concurrency";
inline constexpr std::size_t kMaxConcurrency = 1'000'000;

struct ConcurrencySettings final : config::PolicySettings {
  std::size_t max = 0;
  std::size_t queue = 0;  ///< 0: no queue, beyond max is refused at once
  config::Duration queue_timeout = std::chrono::seconds(2);
};

std::shared_ptr<const config::PolicySettings> read_concurrency(const config::Field& field,
                                                               config::ProblemList& problems,
                                                               config::Env env);

}  // namespace rampart::policies
