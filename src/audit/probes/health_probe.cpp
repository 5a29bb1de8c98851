// Health endpoints: present, JSON, fast, and a readiness that tells the truth when the user
// says a dependency is down (--expect-unready).

#include <algorithm>

#include "audit/evidence.hpp"
#include "audit/probes/probes.hpp"

namespace rampart::audit {

namespace {

constexpr std::chrono::milliseconds kFastEnough{1000};

enum class Role { general, liveness, readiness };

Role role_of(const std::string& path) {
  if (path.find("ready") != std::string::npos) {
    return Role::readiness;
  }
  if (path.find("live") != std::string::npos) {
    return Role::liveness;
  }
  return Role::general;
}

struct Answer {
  std::string path;
  Role role;
  ProbeRequest request;
  std::optional<ProbeResponse> response;
  std::string why;  ///< when there is no response

  bool present() const {
    // A 503 with a JSON body is a readiness answer ("not ready"), not an absence.
    return response && ((response->status >= 200 && response->status < 300) ||
                        (response->status == 503 && body_is_json(*response)));
  }
};

bool says_unready(const ProbeResponse& r) {
  if (r.status >= 300) {
    return true;
  }
  for (const char* word : {"not_ready", "unready", "degraded", "unhealthy", "\"down\""}) {
    if (r.body.find(word) != std::string::npos) {
      return true;
    }
  }
  return false;
}

void judge_role(const std::vector<Answer>& answers, Role role, const char* id,
                std::vector<Check>& out) {
  const Answer* first = nullptr;
  for (const auto& a : answers) {
    if (a.role == role) {
      if (a.present()) {
        add_pass(out, id, a.path + " answers " + std::to_string(a.response->status));
        return;
      }
      first = first ? first : &a;
    }
  }
  if (!first) {
    add_not_applicable(out, id, "no such path among --health");
  } else if (!first->response) {
    add_undecided(out, id, first->why);
  } else {
    add_fail(out, id, first->path + " answers " + std::to_string(first->response->status),
             evidence_of(first->request, *first->response));
  }
}

}  // namespace

void probe_health(ProbeSession& session, const AuditOptions& options, std::vector<Check>& out) {
  std::vector<std::string> paths = options.health_paths;
  if (paths.empty()) {
    paths = {"/health", "/health/live", "/health/ready"};
  }
  std::vector<Answer> answers;
  for (const auto& path : paths) {
    Answer a{path, role_of(path), ProbeRequest{"GET", path, {}}, std::nullopt, {}};
    auto response = session.send(a.request);
    if (response && response->answered()) {
      a.response = std::move(response);
    } else {
      a.why = why_no_answer(response, session);
    }
    answers.push_back(std::move(a));
  }
  auto present = [](const Answer& a) { return a.present(); };
  auto answered = [](const Answer& a) { return a.response.has_value(); };
  if (std::any_of(answers.begin(), answers.end(), present)) {
    add_pass(out, "REL-HEALTH-MISSING", "a health endpoint answers");
  } else if (!std::any_of(answers.begin(), answers.end(), answered)) {
    add_undecided(out, "REL-HEALTH-MISSING", answers.front().why);
  } else {
    const Answer& a = *std::find_if(answers.begin(), answers.end(), answered);
    add_fail(out, "REL-HEALTH-MISSING", "none of the health paths answers 2xx",
             evidence_of(a.request, *a.response));
  }
  judge_role(answers, Role::liveness, "REL-HEALTH-LIVE-MISSING", out);
  judge_role(answers, Role::readiness, "REL-HEALTH-READY-MISSING", out);

  const Answer* not_json = nullptr;
  const Answer* slow = nullptr;
  const Answer* ready = nullptr;
  bool any_present = false;
  for (const auto& a : answers) {
    if (!a.present()) {
      continue;
    }
    any_present = true;
    not_json = not_json ? not_json : (body_is_json(*a.response) ? nullptr : &a);
    slow = slow ? slow : (a.response->elapsed > kFastEnough ? &a : nullptr);
    ready = ready ? ready : (a.role == Role::readiness ? &a : nullptr);
  }
  if (!std::any_of(answers.begin(), answers.end(), answered)) {
    add_undecided(out, "REL-HEALTH-NOT-JSON", answers.front().why);
    add_undecided(out, "REL-HEALTH-SLOW", answers.front().why);
  } else if (!any_present) {
    add_not_applicable(out, "REL-HEALTH-NOT-JSON", "no health endpoint answers");
    add_not_applicable(out, "REL-HEALTH-SLOW", "no health endpoint answers");
  } else {
    if (not_json) {
      add_fail(out, "REL-HEALTH-NOT-JSON", not_json->path + " does not answer JSON",
               evidence_of(not_json->request, *not_json->response));
    } else {
      add_pass(out, "REL-HEALTH-NOT-JSON", "every health endpoint answers JSON");
    }
    if (slow) {
      add_fail(out, "REL-HEALTH-SLOW",
               slow->path + " took " + std::to_string(slow->response->elapsed.count()) + " ms",
               evidence_of(slow->request, *slow->response));
    } else {
      add_pass(out, "REL-HEALTH-SLOW", "every health endpoint answers within 1 s");
    }
  }
  if (!options.expect_unready) {
    add_not_applicable(out, "REL-READY-DISHONEST", "--expect-unready not given");
  } else if (!ready) {
    add_not_applicable(out, "REL-READY-DISHONEST", "no readiness endpoint answers");
  } else if (says_unready(*ready->response)) {
    add_pass(out, "REL-READY-DISHONEST",
             ready->path + " reports the outage (" + std::to_string(ready->response->status) + ")");
  } else {
    add_fail(out, "REL-READY-DISHONEST", ready->path + " says ready while a dependency is down",
             evidence_of(ready->request, *ready->response));
  }
}

}  // namespace rampart::audit
