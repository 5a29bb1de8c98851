#include "config/units.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <limits>
#include <utility>

namespace rampart::config {

namespace {

struct Unit {
  std::string_view name;
  std::uint64_t factor;
};

// Largest first, so format_* finds the coarsest exact unit.
constexpr std::array<Unit, 5> kDurationUnits{
    {{"d", 86'400'000}, {"h", 3'600'000}, {"m", 60'000}, {"s", 1'000}, {"ms", 1}}};
constexpr std::array<Unit, 4> kSizeUnits{
    {{"GiB", 1024ull * 1024 * 1024}, {"MiB", 1024ull * 1024}, {"KiB", 1024}, {"B", 1}}};

constexpr std::string_view kDurationHint =
    "expected a duration like 30s (a whole number followed by ms, s, m, h or d)";
constexpr std::string_view kSizeHint =
    "expected a size like 16KiB (a number of bytes, or a whole number followed by B, KiB, MiB "
    "or GiB)";

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// "30s" -> {"30", "s"}; the number part is the leading run of digits.
std::pair<std::string_view, std::string_view> split_number(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && is_digit(text[i])) {
    ++i;
  }
  return {text.substr(0, i), text.substr(i)};
}

template <std::size_t N>
const Unit* find_unit(const std::array<Unit, N>& units, std::string_view name) {
  for (const auto& unit : units) {
    if (unit.name == name) {
      return &unit;
    }
  }
  return nullptr;
}

// number * factor, or nothing when it would pass `limit`.
std::optional<std::uint64_t> scaled(std::uint64_t number, std::uint64_t factor,
                                    std::uint64_t limit) {
  if (number > limit / factor) {
    return std::nullopt;
  }
  return number * factor;
}

bool is_1000_based(std::string_view unit) {
  for (std::string_view bad : {"k",  "K",  "kB", "KB", "M",   "MB",  "G",   "GB",  "Ki",  "Mi",
                               "Gi", "kb", "mb", "gb", "kib", "mib", "gib", "KIB", "MIB", "GIB"}) {
    if (unit == bad) {
      return true;
    }
  }
  return false;
}

}  // namespace

Parsed<std::uint64_t> parse_whole_number(std::string_view text) {
  if (text.empty() || !is_digit(text.front())) {
    return Parsed<std::uint64_t>::fail("expected a whole number");
  }
  std::uint64_t value = 0;
  auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (err == std::errc::result_out_of_range) {
    return Parsed<std::uint64_t>::fail("is too large");
  }
  if (err != std::errc{} || end != text.data() + text.size()) {
    return Parsed<std::uint64_t>::fail("expected a whole number");
  }
  return Parsed<std::uint64_t>::ok(value);
}

Parsed<Duration> parse_duration(std::string_view text) {
  using Result = Parsed<Duration>;
  if (!text.empty() && text.front() == '-') {
    return Result::fail("must not be negative");
  }
  auto [digits, unit_name] = split_number(text);
  if (digits.empty()) {
    return Result::fail(std::string(kDurationHint));
  }
  if (unit_name.starts_with('.')) {
    return Result::fail("must be a whole number; use a smaller unit (1500ms, not 1.5s)");
  }
  if (unit_name.empty()) {
    return Result::fail(fmt::format("{}; a bare number has no unit, write e.g. {}s or {}ms",
                                    kDurationHint, digits, digits));
  }
  const Unit* unit = find_unit(kDurationUnits, unit_name);
  if (unit == nullptr) {
    return Result::fail(
        fmt::format("unknown duration unit \"{}\"; expected ms, s, m, h or d", unit_name));
  }
  auto number = parse_whole_number(digits);
  auto limit = static_cast<std::uint64_t>(kMaxDuration.count());
  auto millis = number.value ? scaled(*number.value, unit->factor, limit) : std::nullopt;
  if (!millis) {
    return Result::fail(fmt::format("is too large (at most {})", format_duration(kMaxDuration)));
  }
  return Result::ok(Duration(static_cast<Duration::rep>(*millis)));
}

Parsed<std::size_t> parse_size(std::string_view text) {
  using Result = Parsed<std::size_t>;
  if (!text.empty() && text.front() == '-') {
    return Result::fail("must not be negative");
  }
  auto [digits, unit_name] = split_number(text);
  if (digits.empty()) {
    return Result::fail(std::string(kSizeHint));
  }
  if (unit_name.starts_with('.')) {
    return Result::fail("must be a whole number; use a smaller unit (1536KiB, not 1.5MiB)");
  }
  const Unit* unit = unit_name.empty() ? &kSizeUnits.back() : find_unit(kSizeUnits, unit_name);
  if (unit == nullptr && is_1000_based(unit_name)) {
    return Result::fail(fmt::format(
        "unknown size unit \"{}\"; use KiB, MiB or GiB (1024-based) or a plain number of bytes",
        unit_name));
  }
  if (unit == nullptr) {
    return Result::fail(
        fmt::format("unknown size unit \"{}\"; expected B, KiB, MiB or GiB", unit_name));
  }
  auto number = parse_whole_number(digits);
  auto bytes = number.value
                   ? scaled(*number.value, unit->factor, std::numeric_limits<std::size_t>::max())
                   : std::nullopt;
  if (!bytes) {
    return Result::fail("is too large");
  }
  return Result::ok(static_cast<std::size_t>(*bytes));
}

std::string format_duration(Duration duration) {
  auto millis = static_cast<std::uint64_t>(duration.count());
  for (const auto& unit : kDurationUnits) {
    if (millis != 0 && millis % unit.factor == 0) {
      return fmt::format("{}{}", millis / unit.factor, unit.name);
    }
  }
  return fmt::format("{}ms", millis);
}

std::string format_size(std::size_t bytes) {
  for (const auto& unit : kSizeUnits) {
    if (bytes != 0 && unit.factor != 1 && bytes % unit.factor == 0) {
      return fmt::format("{}{}", bytes / unit.factor, unit.name);
    }
  }
  return fmt::format("{}", bytes);
}

}  // namespace rampart::config
