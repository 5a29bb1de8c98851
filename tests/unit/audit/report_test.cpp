#include "audit/report.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace rampart::audit {
namespace {

Report sample() {
  Report r;
  r.url = "http://127.0.0.1:8000/";
  r.started_at = "2026-01-01T00:00:00Z";
  r.version = "0.1.0";
  r.checks = {
      Check{"SEC-HEADER-NOSNIFF", Outcome::fail, "no nosniff", "> GET / HTTP/1.1\n< <script>"},
      Check{"SEC-AUTH-MISSING", Outcome::fail, "/api answered 200", "```\nfence"},
      Check{"SEC-RATE-NONE", Outcome::undecided, "budget spent", ""},
      Check{"REL-HEALTH-MISSING", Outcome::pass, "ok", ""},
      Check{"SEC-HEADER-HSTS", Outcome::not_applicable, "http", ""},
  };
  r.scores = compute_scores(r.checks);
  r.requests = 42;
  r.max_requests = 300;
  r.elapsed = std::chrono::milliseconds(1234);
  r.timeout = std::chrono::milliseconds(15000);
  return r;
}

TEST(ChecksWith, MostSevereFirst) {
  Report r = sample();
  auto findings = checks_with(r, Outcome::fail);
  ASSERT_EQ(findings.size(), 2u);
  EXPECT_EQ(findings[0]->id, "SEC-AUTH-MISSING");
  EXPECT_EQ(findings[1]->id, "SEC-HEADER-NOSNIFF");
}

TEST(RenderMarkdown, FindingsFixesUndecidedAndTheBudgetLine) {
  std::string md = render_markdown(sample());
  EXPECT_NE(md.find("### [critical] SEC-AUTH-MISSING"), std::string::npos);
  EXPECT_NE(md.find("auth: required"), std::string::npos);  // the fix's YAML
  EXPECT_NE(md.find("## Undecided (1, not scored)"), std::string::npos);
  EXPECT_NE(md.find("- SEC-RATE-NONE: budget spent"), std::string::npos);
  EXPECT_NE(md.find("42 requests (max 300) in 1234 ms"), std::string::npos);
  EXPECT_NE(md.find("**Overall: 38/100**"), std::string::npos);
  // evidence holding ``` is fenced with a longer fence
  EXPECT_NE(md.find("````\n```\nfence\n````"), std::string::npos);
}

TEST(RenderJson, ParsesAndCarriesEveryCheck) {
  auto value = boost::json::parse(render_json(sample()));
  const auto& root = value.as_object();
  EXPECT_EQ(root.at("schema_version").as_int64(), kReportSchemaVersion);
  EXPECT_EQ(root.at("checks").as_array().size(), 5u);
  EXPECT_EQ(root.at("summary").at("fail").as_int64(), 2);
  EXPECT_EQ(root.at("summary").at("undecided").as_int64(), 1);
  // security 0 (critical + low failed), reliability 100: (0*50 + 100*30) / 80
  EXPECT_EQ(root.at("scores").at("overall").as_int64(), 38);
  EXPECT_FALSE(root.at("scores").at("capped").as_bool());
  EXPECT_TRUE(root.at("scores").at("observability").is_null());
  EXPECT_EQ(root.at("requests").as_int64(), 42);
}

TEST(RenderHtml, SelfContainedAndEscaped) {
  std::string html = render_html(sample());
  EXPECT_NE(html.find("<details class=\"finding critical\" id=\"SEC-AUTH-MISSING\">"),
            std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("href="), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
  EXPECT_NE(html.find("<svg"), std::string::npos);
}

}  // namespace
}  // namespace rampart::audit
