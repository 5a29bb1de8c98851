#include "audit/score.hpp"

#include <gtest/gtest.h>

#include <set>

#include "audit/catalog.hpp"

namespace rampart::audit {
namespace {

Check check(const char* id, Outcome outcome) { return Check{id, outcome, "", ""}; }

TEST(ComputeScores, AllPassedIsOneHundredEverywhere) {
  auto s = compute_scores({check("SEC-CORS-REFLECT", Outcome::pass),
                           check("REL-HEALTH-MISSING", Outcome::pass),
                           check("OBS-METRICS-PUBLIC", Outcome::pass)});
  EXPECT_EQ(s.overall, 100);
  EXPECT_EQ(s.of(Category::security), 100);
  EXPECT_EQ(s.of(Category::reliability), 100);
  EXPECT_EQ(s.of(Category::observability), 100);
  EXPECT_FALSE(s.capped);
}

TEST(ComputeScores, AFailureCostsItsSeverityWeightWithinItsCategory) {
  // security: high (6) failed, low (1) passed, medium (3) passed -> 100 * 4/10 = 40
  auto s = compute_scores({check("SEC-CORS-REFLECT", Outcome::fail),
                           check("SEC-HEADER-NOSNIFF", Outcome::pass),
                           check("SEC-CORS-NULL", Outcome::pass)});
  EXPECT_EQ(s.of(Category::security), 40);
  EXPECT_FALSE(s.of(Category::reliability));
  EXPECT_EQ(s.overall, 40);  // the only category with a score
}

TEST(ComputeScores, OverallWeighsCategoriesFiftyThirtyTwenty) {
  // security 0, reliability 100, observability 100 -> (0*50 + 100*30 + 100*20) / 100 = 50
  auto s = compute_scores({check("SEC-CORS-REFLECT", Outcome::fail),
                           check("REL-HEALTH-MISSING", Outcome::pass),
                           check("OBS-METRICS-PUBLIC", Outcome::pass)});
  EXPECT_EQ(s.overall, 50);
  // reliability 0 alone with observability 100 -> (0*30 + 100*20) / 50 = 40
  s = compute_scores(
      {check("REL-HEALTH-MISSING", Outcome::fail), check("OBS-METRICS-PUBLIC", Outcome::pass)});
  EXPECT_EQ(s.overall, 40);
}

TEST(ComputeScores, UndecidedAndNotApplicableAreNotScored) {
  auto s = compute_scores({check("SEC-CORS-REFLECT", Outcome::pass),
                           check("SEC-RATE-NONE", Outcome::undecided),
                           check("SEC-HEADER-HSTS", Outcome::not_applicable)});
  EXPECT_EQ(s.of(Category::security), 100);
  EXPECT_EQ(s.overall, 100);
  auto none = compute_scores({check("SEC-RATE-NONE", Outcome::undecided)});
  EXPECT_FALSE(none.overall);
  EXPECT_FALSE(none.of(Category::security));
}

TEST(ComputeScores, ACriticalFindingCapsTheOverallScore) {
  std::vector<Check> checks = {check("SEC-AUTH-MISSING", Outcome::fail)};
  for (const auto& row : catalog()) {
    if (row.severity != Severity::critical) {
      checks.push_back(check(row.id.data(), Outcome::pass));
    }
  }
  auto s = compute_scores(checks);
  EXPECT_GT(s.of(Category::security), kCriticalCap);
  EXPECT_EQ(s.overall, kCriticalCap);
  EXPECT_TRUE(s.capped);
}

TEST(Catalog, IdsAreUniqueAndPrefixedByTheirCategory) {
  std::set<std::string_view> seen;
  for (const auto& row : config_catalog()) {
    EXPECT_TRUE(seen.insert(row.id).second) << row.id;
    EXPECT_TRUE(row.id.starts_with("CFG-")) << row.id;
    EXPECT_EQ(&check_info(row.id), &row);
  }
  for (const auto& row : catalog()) {
    EXPECT_TRUE(seen.insert(row.id).second) << row.id;
    std::string_view prefix = row.category == Category::security      ? "SEC-"
                              : row.category == Category::reliability ? "REL-"
                                                                      : "OBS-";
    EXPECT_TRUE(row.id.starts_with(prefix)) << row.id;
    EXPECT_FALSE(row.title.empty()) << row.id;
    EXPECT_FALSE(row.fix.empty()) << row.id;
  }
  EXPECT_THROW(check_info("NO-SUCH-ID"), std::out_of_range);
}

}  // namespace
}  // namespace rampart::audit
