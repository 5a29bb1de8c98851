// Paths the user names as private must refuse a request without credentials; the webhook
// path must refuse an event without a signature.

#include "audit/evidence.hpp"
#include "audit/probes/probes.hpp"

namespace rampart::audit {

namespace {

/// 404/405/5xx/429 say nothing about authentication: the probe cannot decide on them.
bool says_nothing(unsigned status) {
  return status == 404 || status == 405 || status == 429 || status >= 500;
}

void probe_private(ProbeSession& session, const AuditOptions& options, std::vector<Check>& out) {
  const char* id = "SEC-AUTH-MISSING";
  if (options.private_paths.empty()) {
    add_not_applicable(out, id, "no --private path given");
    return;
  }
  std::string undecided, refused;
  for (const auto& path : options.private_paths) {
    ProbeRequest request{"GET", path, {}};
    auto response = session.send(request);
    if (!response || !response->answered()) {
      undecided = path + ": " + why_no_answer(response, session);
      continue;
    }
    if (response->status >= 200 && response->status < 300) {
      add_fail(out, id,
               path + " answered " + std::to_string(response->status) + " without credentials",
               evidence_of(request, *response));
      return;
    }
    if (says_nothing(response->status)) {
      undecided = path + " answered " + std::to_string(response->status);
      continue;
    }
    refused += (refused.empty() ? "" : ", ") + path + " " + std::to_string(response->status);
  }
  if (!undecided.empty()) {
    add_undecided(out, id, undecided);  // one private path unanswered is not a pass
  } else {
    add_pass(out, id, "refused without credentials: " + refused);
  }
}

void probe_webhook(ProbeSession& session, const AuditOptions& options, std::vector<Check>& out) {
  const char* id = "SEC-WEBHOOK-UNSIGNED";
  if (!options.webhook_path) {
    add_not_applicable(out, id, "no --webhook path given");
    return;
  }
  ProbeRequest request{"POST",
                       *options.webhook_path,
                       {{"Content-Type", "application/json"}},
                       R"({"id":"evt_rampart_audit","type":"checkout.session.completed",)"
                       R"("data":{"object":{"id":"cs_rampart_audit","amount_total":100}}})"};
  auto response = session.send(request);
  if (!response || !response->answered()) {
    add_undecided(out, id, why_no_answer(response, session));
  } else if (response->status >= 200 && response->status < 300) {
    add_fail(out, id, "an event with no signature was answered " + std::to_string(response->status),
             evidence_of(request, *response));
  } else if (says_nothing(response->status)) {
    add_undecided(out, id, "the webhook path answered " + std::to_string(response->status));
  } else {
    add_pass(out, id, "an unsigned event was refused with " + std::to_string(response->status));
  }
}

}  // namespace

void probe_access(ProbeSession& session, const AuditOptions& options, std::vector<Check>& out) {
  probe_private(session, options, out);
  probe_webhook(session, options, out);
}

}  // namespace rampart::audit
