#pragma once
// A finished audit and its three renderings: Markdown (for tickets), JSON (versioned schema,
// docs/audit-report.schema.json) and one self-contained HTML file.

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "audit/check.hpp"
#include "audit/score.hpp"

namespace rampart::audit {

/// The JSON report's schema version; bumped on any incompatible change (docs/audit.md).
inline constexpr int kReportSchemaVersion = 1;

/// Everything a rendering shows.
struct Report {
  std::string url;         ///< the audited URL, as normalised (or the config file)
  std::string title;       ///< the heading; empty: "rampart audit: <url>"
  bool probed = true;      ///< false for a config report: no request count to print
  std::string started_at;  ///< RFC 3339 UTC
  std::string version;     ///< rampart's
  std::vector<Check> checks;
  Scores scores;
  std::size_t requests = 0;
  std::size_t max_requests = 0;
  std::chrono::milliseconds elapsed{0};
  std::chrono::milliseconds timeout{0};
};

std::string render_markdown(const Report& report);
std::string render_json(const Report& report);
std::string render_html(const Report& report);

/// The checks of one outcome, most severe first (the order every rendering lists findings in).
std::vector<const Check*> checks_with(const Report& report, Outcome outcome);

}  // namespace rampart::audit
