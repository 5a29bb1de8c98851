// CORS from an origin the service cannot know: a preflight, a simple request, and the
// `null` origin that sandboxed frames send.

#include "audit/evidence.hpp"
#include "audit/probes/probes.hpp"

namespace rampart::audit {

namespace {

bool credentials_allowed(const ProbeResponse& r) {
  const std::string* c = r.header("Access-Control-Allow-Credentials");
  return c && *c == "true";
}

}  // namespace

void probe_cors(ProbeSession& session, std::vector<Check>& out) {
  const std::string& path = session.target().path;
  ProbeRequest preflight{"OPTIONS",
                         path,
                         {{"Origin", kForeignOrigin},
                          {"Access-Control-Request-Method", "POST"},
                          {"Access-Control-Request-Headers", "content-type,authorization"}}};
  ProbeRequest simple{"GET", path, {{"Origin", kForeignOrigin}}};
  ProbeRequest null_origin{"GET", path, {{"Origin", "null"}}};

  bool any_answer = false;
  std::string last_why;
  std::optional<std::string> reflect_evidence, wildcard_evidence, null_evidence;
  bool reflect_with_credentials = false;
  for (const ProbeRequest* request : {&preflight, &simple, &null_origin}) {
    auto response = session.send(*request);
    if (!response || !response->answered()) {
      last_why = why_no_answer(response, session);
      continue;
    }
    any_answer = true;
    const std::string* allow = response->header("Access-Control-Allow-Origin");
    if (!allow) {
      continue;
    }
    bool credentials = credentials_allowed(*response);
    if (request == &null_origin) {
      if (*allow == "null" && !null_evidence) {
        null_evidence = evidence_of(*request, *response);
      }
    } else if (*allow == kForeignOrigin && !reflect_evidence) {
      reflect_evidence = evidence_of(*request, *response);
      reflect_with_credentials = credentials;
    }
    if (*allow == "*" && credentials && !wildcard_evidence) {
      wildcard_evidence = evidence_of(*request, *response);
    }
  }
  if (!any_answer) {
    for (const char* id : {"SEC-CORS-REFLECT", "SEC-CORS-WILDCARD-CREDENTIALS", "SEC-CORS-NULL"}) {
      add_undecided(out, id, last_why);
    }
    return;
  }
  if (reflect_evidence) {
    add_fail(out, "SEC-CORS-REFLECT",
             std::string("Access-Control-Allow-Origin echoes ") + kForeignOrigin +
                 (reflect_with_credentials ? ", with Access-Control-Allow-Credentials: true" : ""),
             *reflect_evidence);
  } else {
    add_pass(out, "SEC-CORS-REFLECT", "an unknown origin is not allowed");
  }
  if (wildcard_evidence) {
    add_fail(out, "SEC-CORS-WILDCARD-CREDENTIALS",
             "Access-Control-Allow-Origin: * with Access-Control-Allow-Credentials: true",
             *wildcard_evidence);
  } else {
    add_pass(out, "SEC-CORS-WILDCARD-CREDENTIALS", "no wildcard origin with credentials");
  }
  if (null_evidence) {
    add_fail(out, "SEC-CORS-NULL", "Origin: null is allowed", *null_evidence);
  } else {
    add_pass(out, "SEC-CORS-NULL", "Origin: null is not allowed");
  }
}

}  // namespace rampart::audit
