// Security headers and software disclosure, read off the baseline response.

#include <algorithm>
#include <cctype>

#include "audit/evidence.hpp"
#include "audit/probes/probes.hpp"

namespace rampart::audit {

namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

bool has_digit(const std::string& text) {
  return std::any_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); });
}

}  // namespace

void probe_security_headers(ProbeSession& session, const Baseline& baseline,
                            std::vector<Check>& out) {
  const auto& response = baseline.response;
  bool https = session.target().https();
  if (!https) {
    add_not_applicable(out, "SEC-HEADER-HSTS", "HSTS applies to https:// targets only");
  }
  if (!response || !response->answered()) {
    std::string why = why_no_answer(response, session);
    for (const char* id : {"SEC-HEADER-NOSNIFF", "SEC-HEADER-FRAME", "SEC-HEADER-REFERRER",
                           "SEC-VERSION-DISCLOSURE"}) {
      add_undecided(out, id, why);
    }
    if (https) {
      add_undecided(out, "SEC-HEADER-HSTS", why);
    }
    return;
  }
  std::string evidence = evidence_of(baseline.request, *response);
  const std::string* nosniff = response->header("X-Content-Type-Options");
  if (nosniff && lower(*nosniff).find("nosniff") != std::string::npos) {
    add_pass(out, "SEC-HEADER-NOSNIFF", "X-Content-Type-Options: nosniff is set");
  } else {
    add_fail(out, "SEC-HEADER-NOSNIFF", "no X-Content-Type-Options: nosniff", evidence);
  }
  const std::string* frame = response->header("X-Frame-Options");
  const std::string* csp = response->header("Content-Security-Policy");
  bool ancestors = csp && lower(*csp).find("frame-ancestors") != std::string::npos;
  if (frame || ancestors) {
    add_pass(out, "SEC-HEADER-FRAME", frame ? "X-Frame-Options is set" : "CSP frame-ancestors");
  } else {
    add_fail(out, "SEC-HEADER-FRAME", "neither X-Frame-Options nor CSP frame-ancestors", evidence);
  }
  if (response->header("Referrer-Policy")) {
    add_pass(out, "SEC-HEADER-REFERRER", "Referrer-Policy is set");
  } else {
    add_fail(out, "SEC-HEADER-REFERRER", "no Referrer-Policy", evidence);
  }
  if (https && response->header("Strict-Transport-Security")) {
    add_pass(out, "SEC-HEADER-HSTS", "Strict-Transport-Security is set");
  } else if (https) {
    add_fail(out, "SEC-HEADER-HSTS", "no Strict-Transport-Security over https", evidence);
  }
  const std::string* server = response->header("Server");
  const std::string* powered = response->header("X-Powered-By");
  if (powered) {
    add_fail(out, "SEC-VERSION-DISCLOSURE", "X-Powered-By: " + *powered, evidence);
  } else if (server && has_digit(*server)) {
    add_fail(out, "SEC-VERSION-DISCLOSURE", "Server: " + *server, evidence);
  } else {
    add_pass(out, "SEC-VERSION-DISCLOSURE",
             server ? "Server names no version" : "no Server or X-Powered-By header");
  }
}

}  // namespace rampart::audit
