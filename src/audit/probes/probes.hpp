#pragma once
// The probe families, one file each. A probe sends through the session (which enforces the
// bounds) and appends exactly one Check per id it owns, decided or not.

#include <optional>
#include <string>
#include <vector>

#include "audit/check.hpp"
#include "audit/http_client.hpp"
#include "audit/options.hpp"
#include "audit/session.hpp"

namespace rampart::audit {

/// The first request of the audit (a plain GET of the target), shared by the probes that
/// only need to look at an ordinary response.
struct Baseline {
  ProbeRequest request;
  std::optional<ProbeResponse> response;
};

void probe_security_headers(ProbeSession& session, const Baseline& baseline,
                            std::vector<Check>& out);
void probe_cors(ProbeSession& session, std::vector<Check>& out);
void probe_error_leaks(ProbeSession& session, std::vector<Check>& out);
void probe_body_limit(ProbeSession& session, std::vector<Check>& out);
void probe_access(ProbeSession& session, const AuditOptions& options, std::vector<Check>& out);
void probe_health(ProbeSession& session, const AuditOptions& options, std::vector<Check>& out);
void probe_slow(ProbeSession& session, const AuditOptions& options, std::vector<Check>& out);
void probe_observability(ProbeSession& session, std::vector<Check>& out);
void probe_rate_limit(ProbeSession& session, std::vector<Check>& out);
void probe_tls(ProbeSession& session, const AuditOptions& options, std::vector<Check>& out);

/// The Origin the CORS probes claim: reserved (.invalid), so no real site can own it.
inline constexpr const char* kForeignOrigin = "https://audit-probe.rampart.invalid";

/// Why a probe got no usable answer: the session's refusal or the transport failure.
std::string why_no_answer(const std::optional<ProbeResponse>& response,
                          const ProbeSession& session);

/// True when the body parses as JSON (whatever the Content-Type says).
bool body_is_json(const ProbeResponse& response);

}  // namespace rampart::audit
