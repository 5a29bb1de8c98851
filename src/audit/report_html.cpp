// HTML: one file, no external resource (no script, font, image or stylesheet link): the
// score chart is inline SVG, the findings are <details> blocks, grouped by category.

#include <string>

#include "audit/catalog.hpp"
#include "audit/report.hpp"

namespace rampart::audit {

namespace {

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

const char* colour(const std::optional<int>& score) {
  if (!score) {
    return "#999";
  }
  return *score >= 90 ? "#2e7d32" : *score >= 70 ? "#f9a825" : *score >= 50 ? "#ef6c00" : "#c62828";
}

std::string bar(const std::string& label, const std::optional<int>& score, int y) {
  int width = score ? *score * 3 : 0;
  std::string value = score ? std::to_string(*score) : "n/a";
  return "<text x=\"0\" y=\"" + std::to_string(y + 15) + "\">" + label + "</text>" +
         "<rect x=\"120\" y=\"" + std::to_string(y) + "\" width=\"300\" height=\"20\" " +
         "fill=\"#eee\"/><rect x=\"120\" y=\"" + std::to_string(y) + "\" width=\"" +
         std::to_string(width) + "\" height=\"20\" fill=\"" + colour(score) + "\"/>" +
         "<text x=\"430\" y=\"" + std::to_string(y + 15) + "\">" + value + "</text>";
}

std::string finding(const Check& check) {
  const auto& info = check_info(check.id);
  std::string sev(to_string(info.severity));
  std::string out = "<details class=\"finding " + sev + "\" id=\"" + escape(check.id) +
                    "\"><summary><span class=\"sev\">" + sev + "</span> <code>" + escape(check.id) +
                    "</code> " + escape(info.title) + "</summary>";
  out += "<p>" + escape(check.detail) + "</p>";
  if (!check.evidence.empty()) {
    out += "<h4>Evidence</h4><pre>" + escape(check.evidence) + "</pre>";
  }
  out += "<h4>Fix</h4><p>" + escape(info.fix) + "</p>";
  if (!info.config.empty()) {
    out += "<pre class=\"yaml\">" + escape(info.config) + "</pre>";
  }
  return out + "</details>\n";
}

constexpr const char* kStyle =
    "body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;"
    "color:#222}pre{background:#f6f8fa;padding:.8em;overflow-x:auto;white-space:pre-wrap}"
    "details{border:1px solid #ddd;border-radius:4px;margin:.5em 0;padding:.3em .8em}"
    "summary{cursor:pointer}.sev{display:inline-block;min-width:5em;font-weight:bold;"
    "text-transform:uppercase;font-size:.8em}.critical .sev{color:#b71c1c}.high .sev{color:"
    "#c62828}.medium .sev{color:#ef6c00}.low .sev{color:#777}svg text{font:14px sans-serif}"
    "footer{margin-top:2em;color:#666;font-size:.9em}";

}  // namespace

std::string render_html(const Report& report) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width\"><title>rampart audit: " +
      escape(report.url) + "</title><style>" + kStyle + "</style></head><body>\n";
  out += "<h1>rampart audit: " + escape(report.url) + "</h1>\n";
  out += "<svg role=\"img\" aria-label=\"scores\" width=\"480\" height=\"120\">";
  out += bar("overall", report.scores.overall, 0);
  int y = 30;
  for (auto c : {Category::security, Category::reliability, Category::observability}) {
    out += bar(std::string(to_string(c)), report.scores.of(c), y);
    y += 30;
  }
  out += "</svg>\n";
  if (report.scores.capped) {
    out += "<p>Overall capped at " + std::to_string(kCriticalCap) + ": a critical finding.</p>";
  }
  auto findings = checks_with(report, Outcome::fail);
  out += "<h2>Findings (" + std::to_string(findings.size()) + ")</h2>\n";
  for (auto c : {Category::security, Category::reliability, Category::observability}) {
    std::string group;
    for (const Check* check : findings) {
      if (check_info(check->id).category == c) {
        group += finding(*check);
      }
    }
    if (!group.empty()) {
      out += "<section><h3>" + std::string(to_string(c)) + "</h3>\n" + group + "</section>\n";
    }
  }
  for (auto [outcome, title] :
       {std::pair{Outcome::undecided, "Undecided (not scored)"}, std::pair{Outcome::pass, "Passed"},
        std::pair{Outcome::not_applicable, "Not applicable"}}) {
    auto list = checks_with(report, outcome);
    if (list.empty()) {
      continue;
    }
    out += "<details class=\"group\"><summary>" + std::string(title) + " (" +
           std::to_string(list.size()) + ")</summary><ul>";
    for (const Check* check : list) {
      out += "<li><code>" + escape(check->id) + "</code> " + escape(check->detail) + "</li>";
    }
    out += "</ul></details>\n";
  }
  out += "<footer>" + std::to_string(report.requests) + " requests (max " +
         std::to_string(report.max_requests) + ") in " + std::to_string(report.elapsed.count()) +
         " ms; rampart " + escape(report.version) + ", " + escape(report.started_at) +
         "</footer>\n</body></html>\n";
  return out;
}

}  // namespace rampart::audit
