// --slow PATH: an endpoint known to be slow must be cut off by a timeout (a 5xx or any answer)
// rather than hold the connection for as long as the client waits.

#include <algorithm>

#include "audit/evidence.hpp"
#include "audit/probes/probes.hpp"

namespace rampart::audit {

namespace {

/// The longest the probe waits, and the least it needs to call silence a finding.
constexpr std::chrono::milliseconds kLongestWait{10000};
constexpr std::chrono::milliseconds kShortestVerdict{3000};
/// Kept for the probes after this one (the rate-limit burst is last).
constexpr std::chrono::milliseconds kReserve{3000};

}  // namespace

void probe_slow(ProbeSession& session, const AuditOptions& options, std::vector<Check>& out) {
  const char* id = "REL-SLOW-NO-TIMEOUT";
  if (!options.slow_path) {
    add_not_applicable(out, id, "no --slow path given");
    return;
  }
  auto wait = std::min(kLongestWait, session.time_left() - kReserve);
  if (wait < kShortestVerdict) {
    add_undecided(
        out, id,
        "not enough of --timeout left to wait " + std::to_string(kShortestVerdict.count()) + " ms");
    return;
  }
  ProbeRequest request{"GET", *options.slow_path, {}};
  auto response = session.send(request, wait, /*may_be_slow=*/true);
  if (!response) {
    add_undecided(out, id, session.why_not());
  } else if (response->answered()) {
    add_pass(out, id,
             "answered " + std::to_string(response->status) + " after " +
                 std::to_string(response->elapsed.count()) + " ms");
  } else if (response->transport == Transport::timeout) {
    add_fail(out, id, "no answer within " + std::to_string(wait.count()) + " ms",
             evidence_of(request, *response));
  } else {
    add_undecided(out, id, why_no_answer(response, session));
  }
}

}  // namespace rampart::audit
