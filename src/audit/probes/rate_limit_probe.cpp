// A burst of 120 requests to one path, sequential, stopping at the first 429. It runs last:
// once a limit trips, the path is refused for a while, which would skew any later probe.

#include <algorithm>

#include "audit/evidence.hpp"
#include "audit/probes/probes.hpp"

namespace rampart::audit {

namespace {

constexpr std::size_t kBurst = 120;

bool tells_when_to_retry(const ProbeResponse& r) {
  return r.header("Retry-After") || r.header("RateLimit-Reset") || r.header("RateLimit") ||
         r.header("X-RateLimit-Reset") || r.header("RateLimit-Policy");
}

}  // namespace

void probe_rate_limit(ProbeSession& session, std::vector<Check>& out) {
  ProbeRequest request{"GET", session.target().path, {}};
  std::size_t sent = 0;
  std::optional<ProbeResponse> last;
  std::string stopped;
  std::size_t auth_refused = 0;          // 401/403: a limit behind authentication cannot be seen
  std::size_t not_found = 0;             // 404: nothing is routed here to be limited
  std::optional<std::string> announced;  // a limit the answers state, though not reached
  while (sent < kBurst) {
    auto response = session.send(request);
    if (!response || !response->answered()) {
      stopped = why_no_answer(response, session);
      break;
    }
    ++sent;
    if (response->status == 429) {
      std::string detail = "429 after " + std::to_string(sent) + " requests";
      add_pass(out, "SEC-RATE-NONE", detail);
      if (tells_when_to_retry(*response)) {
        add_pass(out, "SEC-RATE-NO-RETRY-AFTER", detail + ", with Retry-After/RateLimit");
      } else {
        add_fail(out, "SEC-RATE-NO-RETRY-AFTER", detail + ", no Retry-After or RateLimit-*",
                 evidence_of(request, *response));
      }
      return;
    }
    auth_refused += response->status == 401 || response->status == 403 ? 1 : 0;
    not_found += response->status == 404 ? 1 : 0;
    if (!announced) {
      if (auto limit = response->header("RateLimit-Limit")) {
        announced = std::string(*limit);
      } else if (auto x_limit = response->header("X-RateLimit-Limit")) {
        announced = std::string(*x_limit);
      }
    }
    last = std::move(response);
  }
  if (sent < kBurst) {
    std::string why = "no 429 in " + std::to_string(sent) + " requests, then " + stopped;
    add_undecided(out, "SEC-RATE-NONE", why);
    add_undecided(out, "SEC-RATE-NO-RETRY-AFTER", why);
    return;
  }
  if (announced) {
    add_pass(out, "SEC-RATE-NONE",
             "no 429 in " + std::to_string(kBurst) +
                 " requests, but a limit is announced "
                 "(RateLimit-Limit: " +
                 announced->substr(0, 40) + ")");
    add_not_applicable(out, "SEC-RATE-NO-RETRY-AFTER", "no 429 seen");
    return;
  }
  if (auth_refused == kBurst || not_found == kBurst) {
    const std::string why =
        auth_refused == kBurst
            ? "every request of the burst was refused for credentials: a limit behind "
              "authentication cannot be seen without them (audit a public path)"
            : "every request of the burst got 404: nothing to limit there (audit a path "
              "that exists)";
    add_undecided(out, "SEC-RATE-NONE", why);
    add_undecided(out, "SEC-RATE-NO-RETRY-AFTER", why);
    return;
  }
  add_fail(out, "SEC-RATE-NONE",
           "all " + std::to_string(kBurst) +
               " requests of a burst passed (last: " + std::to_string(last->status) + ")",
           evidence_of(request, *last));
  add_not_applicable(out, "SEC-RATE-NO-RETRY-AFTER", "no 429 seen");
}

}  // namespace rampart::audit
