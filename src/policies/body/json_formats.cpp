#include "policies/body/json_formats.hpp"

#include <algorithm>
#include <cstddef>

namespace rampart::policies {

namespace {

bool digits(std::string_view s, std::size_t from, std::size_t count) {
  if (from + count > s.size()) {
    return false;
  }
  return std::all_of(s.begin() + static_cast<std::ptrdiff_t>(from),
                     s.begin() + static_cast<std::ptrdiff_t>(from + count),
                     [](char c) { return c >= '0' && c <= '9'; });
}

int two_digits(std::string_view s, std::size_t at) {
  return (s[at] - '0') * 10 + (s[at + 1] - '0');
}

/// `[0-9]+-MM-DD` with a valid month and day (February may have 29 days, as valijson's check):
/// the length of the prefix it matched, or 0.
std::size_t match_date(std::string_view s) {
  std::size_t year = 0;
  while (year < s.size() && s[year] >= '0' && s[year] <= '9') {
    ++year;
  }
  if (year == 0 || s.size() < year + 6 || s[year] != '-' || s[year + 3] != '-' ||
      !digits(s, year + 1, 2) || !digits(s, year + 4, 2)) {
    return 0;
  }
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const int month = two_digits(s, year + 1);
  const int day = two_digits(s, year + 4);
  if (month < 1 || month > 12 || day < 1 || day > kDays[month - 1]) {
    return 0;
  }
  return year + 6;
}

/// `HH:MM:SS(.frac)?(Z|±HH:MM)` as valijson's regex, the whole of `s`.
bool match_time(std::string_view s) {
  if (s.size() < 9 || !digits(s, 0, 2) || s[2] != ':' || !digits(s, 3, 2) || s[5] != ':' ||
      !digits(s, 6, 2)) {
    return false;
  }
  if (two_digits(s, 0) > 23 || two_digits(s, 3) > 59 || two_digits(s, 6) > 60) {
    return false;
  }
  std::size_t at = 8;
  if (s[at] == '.') {
    const std::size_t start = ++at;
    while (at < s.size() && s[at] >= '0' && s[at] <= '9') {
      ++at;
    }
    if (at == start) {
      return false;
    }
  }
  if (at + 1 == s.size() && (s[at] == 'Z' || s[at] == 'z')) {
    return true;
  }
  return at + 6 == s.size() && (s[at] == '+' || s[at] == '-') && digits(s, at + 1, 2) &&
         s[at + 3] == ':' && digits(s, at + 4, 2) && two_digits(s, at + 1) <= 23 &&
         two_digits(s, at + 4) <= 59;
}

}  // namespace

StringFormat format_named(std::string_view name) {
  return name == "date"        ? StringFormat::date
         : name == "time"      ? StringFormat::time
         : name == "date-time" ? StringFormat::date_time
                               : StringFormat::none;
}

bool matches_format(StringFormat format, std::string_view s) {
  switch (format) {
    case StringFormat::date:
      return match_date(s) == s.size();
    case StringFormat::time:
      return match_time(s);
    case StringFormat::date_time: {
      const std::size_t date = match_date(s);
      return date != 0 && date < s.size() && (s[date] == 'T' || s[date] == 't') &&
             match_time(s.substr(date + 1));
    }
    case StringFormat::none:
      break;
  }
  return true;
}

}  // namespace rampart::policies
