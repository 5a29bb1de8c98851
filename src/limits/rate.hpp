#pragma once
// A rate as users write it (SPEC §2 rate_limits): "N/second|minute|hour|day".

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rampart::limits {

/// At most `limit` requests per `period`.
struct Rate {
  std::uint64_t limit = 0;
  std::chrono::seconds period{0};
  std::string text;  ///< as written, for problem details and docs ("10/minute")
};

/// The largest N: beyond it a limit limits nothing a gateway can see.
inline constexpr std::uint64_t kMaxRateLimit = 1'000'000'000;

/// "N/unit" with N in 1..kMaxRateLimit and unit second, minute, hour or day; nullopt with a
/// one-line reason in `error` otherwise.
std::optional<Rate> parse_rate(std::string_view text, std::string& error);

}  // namespace rampart::limits
