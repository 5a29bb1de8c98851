// Markdown: readable as plain text in a terminal and rendered when pasted into a ticket.

#include <string>

#include "audit/catalog.hpp"
#include "audit/report.hpp"

namespace rampart::audit {

namespace {

std::string score_text(const std::optional<int>& score) {
  return score ? std::to_string(*score) + "/100" : "n/a (nothing decided)";
}

/// A fenced block that no backtick run inside `text` can close early.
std::string fenced(const std::string& text, const char* lang = "") {
  std::string fence = "```";
  while (text.find(fence) != std::string::npos) {
    fence += '`';
  }
  return fence + lang + "\n" + text + (text.ends_with('\n') ? "" : "\n") + fence + "\n";
}

}  // namespace

std::string render_markdown(const Report& report) {
  std::string out =
      "# " + (report.title.empty() ? "rampart audit: " + report.url : report.title) + "\n\n";
  out += "**Overall: " + score_text(report.scores.overall) + "**";
  if (report.scores.capped) {
    out += " (capped at " + std::to_string(kCriticalCap) + ": a critical finding)";
  }
  out += "\n\n| category | score |\n| --- | --- |\n";
  for (auto c : {Category::security, Category::reliability, Category::observability}) {
    out += "| " + std::string(to_string(c)) + " | " + score_text(report.scores.of(c)) + " |\n";
  }
  auto findings = checks_with(report, Outcome::fail);
  out += "\n## Findings (" + std::to_string(findings.size()) + ")\n\n";
  if (findings.empty()) {
    out += "None.\n";
  }
  for (const Check* check : findings) {
    const auto& info = check_info(check->id);
    out += "### [" + std::string(to_string(info.severity)) + "] " + check->id + ": " +
           std::string(info.title) + "\n\n";
    out += "*" + std::string(to_string(info.category)) + "* — " + check->detail + "\n\n";
    if (!check->evidence.empty()) {
      out += "Evidence:\n\n" + fenced(check->evidence) + "\n";
    }
    out += "Fix: " + std::string(info.fix) + "\n\n";
    if (!info.config.empty()) {
      out += fenced(std::string(info.config), "yaml") + "\n";
    }
  }
  auto undecided = checks_with(report, Outcome::undecided);
  if (!undecided.empty()) {
    out += "## Undecided (" + std::to_string(undecided.size()) + ", not scored)\n\n";
    for (const Check* check : undecided) {
      out += "- " + check->id + ": " + check->detail + "\n";
    }
    out += "\n";
  }
  auto passed = checks_with(report, Outcome::pass);
  out += "## Passed (" + std::to_string(passed.size()) + ")\n\n";
  for (const Check* check : passed) {
    out += "- " + check->id + ": " + check->detail + "\n";
  }
  auto skipped = checks_with(report, Outcome::not_applicable);
  if (!skipped.empty()) {
    out += "\n## Not applicable (" + std::to_string(skipped.size()) + ")\n\n";
    for (const Check* check : skipped) {
      out += "- " + check->id + ": " + check->detail + "\n";
    }
  }
  if (!report.probed) {
    out += "\n---\nrampart " + report.version + ", " + report.started_at + "\n";
    return out;
  }
  out += "\n---\n" + std::to_string(report.requests) + " requests (max " +
         std::to_string(report.max_requests) + ") in " + std::to_string(report.elapsed.count()) +
         " ms (max " + std::to_string(report.timeout.count()) + " ms); rampart " + report.version +
         ", " + report.started_at + "\n";
  return out;
}

}  // namespace rampart::audit
