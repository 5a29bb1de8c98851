#pragma once
// The scalar forms of the configuration language: whole numbers, durations ("250ms", "30s",
// "5m", "1h", "7d") and sizes ("512", "64KiB", "10MiB"). Pure text -> value, no YAML.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace rampart::config {

/// A parsed value, or the reason there is none (a message for a ConfigProblem).
template <typename T>
struct Parsed {
  std::optional<T> value;
  std::string error;

  static Parsed ok(T v) { return Parsed{std::move(v), {}}; }
  static Parsed fail(std::string why) { return Parsed{std::nullopt, std::move(why)}; }
};

/// The largest duration accepted anywhere: beyond it a timer deadline could overflow the clock.
inline constexpr Duration kMaxDuration = std::chrono::hours(24 * 3650);

/// Digits only: no sign, no blanks, no exponent, no hex.
Parsed<std::uint64_t> parse_whole_number(std::string_view text);

/// A whole number and one unit among ms, s, m, h, d. Bare numbers are refused: "30" could mean
/// seconds or milliseconds, and a wrong guess is a silent outage.
Parsed<Duration> parse_duration(std::string_view text);

/// Plain bytes, or a whole number and one of B, KiB, MiB, GiB (1024-based). KB/MB/GB are
/// refused rather than guessed.
Parsed<std::size_t> parse_size(std::string_view text);

/// The shortest exact spelling, e.g. 90000ms -> "90s", 16384 -> "16KiB". For messages and docs.
std::string format_duration(Duration duration);
std::string format_size(std::size_t bytes);

}  // namespace rampart::config
