#include "limits/rate.hpp"

#include <array>
#include <charconv>

namespace rampart::limits {

namespace {

struct Unit {
  std::string_view name;
  std::chrono::seconds period;
};

constexpr std::array<Unit, 4> kUnits{{
    {"second", std::chrono::seconds(1)},
    {"minute", std::chrono::seconds(60)},
    {"hour", std::chrono::seconds(3600)},
    {"day", std::chrono::seconds(86400)},
}};

}  // namespace

std::optional<Rate> parse_rate(std::string_view text, std::string& error) {
  const auto slash = text.find('/');
  const std::string_view number = text.substr(0, slash);
  if (slash == std::string_view::npos || number.empty()) {
    error = "must be \"N/second\", \"N/minute\", \"N/hour\" or \"N/day\", e.g. \"10/minute\"";
    return std::nullopt;
  }
  Rate rate;
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), rate.limit);
  if (ec != std::errc() || end != number.data() + number.size() || rate.limit == 0 ||
      rate.limit > kMaxRateLimit) {
    error = "the count must be a whole number from 1 to 1000000000";
    return std::nullopt;
  }
  const std::string_view unit = text.substr(slash + 1);
  for (const auto& u : kUnits) {
    if (unit == u.name) {
      rate.period = u.period;
      rate.text = std::string(text);
      return rate;
    }
  }
  error = "the period must be second, minute, hour or day";
  return std::nullopt;
}

}  // namespace rampart::limits
