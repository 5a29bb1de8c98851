// Is a 20 MB body accepted? The body is streamed, and the client stops sending as soon as
// the server answers, so a service that refuses early costs it almost nothing.

#include "audit/evidence.hpp"
#include "audit/probes/probes.hpp"

namespace rampart::audit {

namespace {

constexpr std::size_t kBigBody = 20 * 1024 * 1024;
constexpr std::chrono::milliseconds kBodyTimeout{5000};

}  // namespace

void probe_body_limit(ProbeSession& session, std::vector<Check>& out) {
  ProbeRequest request{"POST", session.target().path, {{"Content-Type", "application/json"}}};
  request.filler_bytes = kBigBody;
  auto response = session.send(request, kBodyTimeout);
  if (!response || !response->answered()) {
    add_undecided(out, "SEC-BODY-UNLIMITED", why_no_answer(response, session));
    return;
  }
  std::string status = std::to_string(response->status);
  if (response->status == 413) {
    add_pass(out, "SEC-BODY-UNLIMITED",
             "413 after " + std::to_string(response->body_bytes_sent) + " bytes sent");
  } else if (response->body_bytes_sent < kBigBody) {
    add_pass(out, "SEC-BODY-UNLIMITED",
             status + " before the body was read (" + std::to_string(response->body_bytes_sent) +
                 " of " + std::to_string(kBigBody) + " bytes sent)");
  } else {
    add_fail(out, "SEC-BODY-UNLIMITED",
             "the whole 20 MiB body was read and answered with " + status,
             evidence_of(request, *response));
  }
}

}  // namespace rampart::audit
