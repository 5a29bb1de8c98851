#include "config/units.hpp"

#include <gtest/gtest.h>

namespace rampart::config {
namespace {

using namespace std::chrono_literals;

TEST(ConfigUnitsTest, DurationsInEveryUnit) {
  EXPECT_EQ(parse_duration("250ms").value, Duration(250));
  EXPECT_EQ(parse_duration("30s").value, Duration(30s));
  EXPECT_EQ(parse_duration("5m").value, Duration(5min));
  EXPECT_EQ(parse_duration("1h").value, Duration(1h));
  EXPECT_EQ(parse_duration("7d").value, Duration(7 * 24h));
  EXPECT_EQ(parse_duration("0s").value, Duration(0));
  EXPECT_EQ(parse_duration("3650d").value, kMaxDuration);
}

TEST(ConfigUnitsTest, DurationWithoutUnitIsRefused) {
  auto parsed = parse_duration("30");
  EXPECT_FALSE(parsed.value);
  EXPECT_EQ(parsed.error,
            "expected a duration like 30s (a whole number followed by ms, s, m, h or d); a bare "
            "number has no unit, write e.g. 30s or 30ms");
}

TEST(ConfigUnitsTest, NegativeDurationIsRefused) {
  EXPECT_EQ(parse_duration("-5s").error, "must not be negative");
}

TEST(ConfigUnitsTest, DurationUnknownUnitIsRefused) {
  EXPECT_EQ(parse_duration("5sec").error,
            "unknown duration unit \"sec\"; expected ms, s, m, h or d");
  EXPECT_EQ(parse_duration("5 s").error, "unknown duration unit \" s\"; expected ms, s, m, h or d");
}

TEST(ConfigUnitsTest, DurationMustBeWhole) {
  EXPECT_EQ(parse_duration("1.5s").error,
            "must be a whole number; use a smaller unit (1500ms, not 1.5s)");
}

TEST(ConfigUnitsTest, DurationNotANumber) {
  EXPECT_EQ(parse_duration("soon").error,
            "expected a duration like 30s (a whole number followed by ms, s, m, h or d)");
  EXPECT_EQ(parse_duration("").error,
            "expected a duration like 30s (a whole number followed by ms, s, m, h or d)");
  EXPECT_FALSE(parse_duration("+5s").value);
}

TEST(ConfigUnitsTest, DurationOverflowIsRefused) {
  EXPECT_EQ(parse_duration("3651d").error, "is too large (at most 3650d)");
  EXPECT_EQ(parse_duration("99999999999999999999999s").error, "is too large (at most 3650d)");
  EXPECT_EQ(parse_duration("9223372036854775807h").error, "is too large (at most 3650d)");
}

TEST(ConfigUnitsTest, SizesInEveryForm) {
  EXPECT_EQ(parse_size("512").value, 512u);
  EXPECT_EQ(parse_size("512B").value, 512u);
  EXPECT_EQ(parse_size("64KiB").value, 64u * 1024);
  EXPECT_EQ(parse_size("10MiB").value, 10u * 1024 * 1024);
  EXPECT_EQ(parse_size("2GiB").value, 2ull * 1024 * 1024 * 1024);
  EXPECT_EQ(parse_size("0").value, 0u);
}

TEST(ConfigUnitsTest, DecimalSizeUnitsAreRefused) {
  for (const char* text : {"10MB", "10KB", "1GB", "5kB", "5M"}) {
    auto parsed = parse_size(text);
    EXPECT_FALSE(parsed.value) << text;
    EXPECT_NE(parsed.error.find("use KiB, MiB or GiB (1024-based) or a plain number of bytes"),
              std::string::npos)
        << parsed.error;
  }
}

TEST(ConfigUnitsTest, SizeUnknownUnitIsRefused) {
  EXPECT_EQ(parse_size("10TiB").error, "unknown size unit \"TiB\"; expected B, KiB, MiB or GiB");
}

TEST(ConfigUnitsTest, SizeRejections) {
  EXPECT_EQ(parse_size("-1KiB").error, "must not be negative");
  EXPECT_EQ(parse_size("1.5MiB").error,
            "must be a whole number; use a smaller unit (1536KiB, not 1.5MiB)");
  EXPECT_EQ(parse_size("big").error,
            "expected a size like 16KiB (a number of bytes, or a whole number followed by B, "
            "KiB, MiB or GiB)");
  EXPECT_EQ(parse_size("99999999999999999GiB").error, "is too large");
  EXPECT_EQ(parse_size("999999999999999999999").error, "is too large");
}

TEST(ConfigUnitsTest, WholeNumbers) {
  EXPECT_EQ(parse_whole_number("42").value, 42u);
  EXPECT_EQ(parse_whole_number("-1").error, "expected a whole number");
  EXPECT_EQ(parse_whole_number("1e3").error, "expected a whole number");
  EXPECT_EQ(parse_whole_number("0x10").error, "expected a whole number");
  EXPECT_EQ(parse_whole_number("18446744073709551616").error, "is too large");
}

TEST(ConfigUnitsTest, FormatsTheShortestExactForm) {
  EXPECT_EQ(format_duration(Duration(90'000)), "90s");
  EXPECT_EQ(format_duration(Duration(1500)), "1500ms");
  EXPECT_EQ(format_duration(std::chrono::hours(48)), "2d");
  EXPECT_EQ(format_size(16 * 1024), "16KiB");
  EXPECT_EQ(format_size(1024 * 1024), "1MiB");
  EXPECT_EQ(format_size(1000), "1000");
}

}  // namespace
}  // namespace rampart::config
