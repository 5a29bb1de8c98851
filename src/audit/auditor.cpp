#include "audit/auditor.hpp"

#include <ctime>

#include "audit/probes/probes.hpp"
#include "audit/session.hpp"

namespace rampart::audit {

namespace {

std::string utc_now() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

}  // namespace

std::variant<Report, Unreachable> run_audit(const AuditOptions& options) {
  Report report;
  report.url = options.target.origin() + options.target.path;
  report.started_at = utc_now();
  report.version = RAMPART_VERSION;
  report.max_requests = options.max_requests;
  report.timeout = options.timeout;

  HttpClient client(options.target);
  if (auto error = client.resolve()) {
    return Unreachable{*error};
  }
  ProbeSession session(client, options);
  Baseline baseline{ProbeRequest{"GET", options.target.path, {}}, std::nullopt};
  baseline.response = session.send(baseline.request);
  if (baseline.response && baseline.response->transport == Transport::refused) {
    return Unreachable{"cannot connect to " + options.target.host_header() + ": " +
                       baseline.response->error};
  }
  // Fixed order: cheap looks first, the slow wait next to last, the burst last (a tripped
  // limit would answer 429 to everything after it).
  auto& checks = report.checks;
  probe_tls(session, options, checks);
  probe_security_headers(session, baseline, checks);
  probe_cors(session, checks);
  probe_observability(session, checks);
  probe_health(session, options, checks);
  probe_access(session, options, checks);
  probe_error_leaks(session, checks);
  probe_body_limit(session, checks);
  probe_slow(session, options, checks);
  probe_rate_limit(session, checks);

  report.scores = compute_scores(checks);
  report.requests = session.requests_sent();
  report.elapsed = session.elapsed();
  return report;
}

}  // namespace rampart::audit
