// Request ids (echoed or generated) and a metrics endpoint on the public port.

#include <random>

#include "audit/evidence.hpp"
#include "audit/probes/probes.hpp"

namespace rampart::audit {

namespace {

std::string fresh_request_id() {
  std::random_device seed;
  std::mt19937_64 random(seed());
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(random()));
  return std::string("rampart-audit-") + hex;
}

void probe_request_id(ProbeSession& session, std::vector<Check>& out) {
  const char* id = "OBS-REQUEST-ID-MISSING";
  std::string sent = fresh_request_id();
  ProbeRequest request{"GET", session.target().path, {{"X-Request-ID", sent}}};
  auto response = session.send(request);
  if (!response || !response->answered()) {
    add_undecided(out, id, why_no_answer(response, session));
    return;
  }
  const std::string* echoed = response->header("X-Request-ID");
  const std::string* correlation = response->header("X-Correlation-ID");
  const std::string* trace = response->header("traceparent");
  if (echoed && *echoed == sent) {
    add_pass(out, id, "X-Request-ID is echoed");
  } else if (echoed || correlation || trace) {
    add_pass(out, id, "a request id is returned (the one sent was not kept)");
  } else {
    add_fail(out, id, "no X-Request-ID, X-Correlation-ID or traceparent on the response",
             evidence_of(request, *response));
  }
}

void probe_metrics(ProbeSession& session, std::vector<Check>& out) {
  const char* id = "OBS-METRICS-PUBLIC";
  ProbeRequest request{"GET", "/metrics", {}};
  auto response = session.send(request);
  if (!response || !response->answered()) {
    add_undecided(out, id, why_no_answer(response, session));
    return;
  }
  const std::string& body = response->body;
  bool prometheus = response->status == 200 && (body.find("# TYPE ") != std::string::npos ||
                                                body.find("# HELP ") != std::string::npos);
  if (prometheus) {
    add_fail(out, id, "/metrics serves Prometheus text to anyone", evidence_of(request, *response));
  } else {
    add_pass(out, id, "/metrics answers " + std::to_string(response->status));
  }
}

}  // namespace

void probe_observability(ProbeSession& session, std::vector<Check>& out) {
  probe_request_id(session, out);
  probe_metrics(session, out);
}

}  // namespace rampart::audit
