// JSON: the schema in docs/audit-report.schema.json, version kReportSchemaVersion.

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "audit/catalog.hpp"
#include "audit/report.hpp"

namespace rampart::audit {

namespace {

boost::json::value score_value(const std::optional<int>& score) {
  return score ? boost::json::value(*score) : boost::json::value(nullptr);
}

}  // namespace

std::string render_json(const Report& report) {
  boost::json::object scores;
  scores["overall"] = score_value(report.scores.overall);
  for (auto c : {Category::security, Category::reliability, Category::observability}) {
    scores[to_string(c)] = score_value(report.scores.of(c));
  }
  scores["capped"] = report.scores.capped;

  boost::json::array checks;
  boost::json::object summary{{"fail", 0}, {"pass", 0}, {"undecided", 0}, {"not_applicable", 0}};
  for (const auto& check : report.checks) {
    const auto& info = check_info(check.id);
    boost::json::object o;
    o["id"] = check.id;
    o["category"] = to_string(info.category);
    o["severity"] = to_string(info.severity);
    o["outcome"] = to_string(check.outcome);
    o["title"] = info.title;
    o["detail"] = check.detail;
    o["evidence"] = check.evidence;
    o["fix"] = info.fix;
    o["config"] = info.config;
    checks.push_back(std::move(o));
    auto& count = summary[to_string(check.outcome)];
    count = count.as_int64() + 1;
  }
  boost::json::object root;
  root["schema_version"] = kReportSchemaVersion;
  root["tool"] = "rampart audit";
  root["rampart_version"] = report.version;
  root["url"] = report.url;
  root["started_at"] = report.started_at;
  root["scores"] = std::move(scores);
  root["summary"] = std::move(summary);
  root["checks"] = std::move(checks);
  root["requests"] = report.requests;
  root["max_requests"] = report.max_requests;
  root["elapsed_ms"] = report.elapsed.count();
  root["timeout_ms"] = report.timeout.count();
  return boost::json::serialize(root) + "\n";
}

}  // namespace rampart::audit
