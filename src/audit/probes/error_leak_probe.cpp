// Malformed input of the kinds the field reports met (broken JSON, wrong types, huge numbers,
// unknown paths and methods, an over-long URL, a quote in a query), and what the error
// bodies give away.

#include <map>

#include "audit/evidence.hpp"
#include "audit/leak_detector.hpp"
#include "audit/probes/probes.hpp"

namespace rampart::audit {

namespace {

std::vector<ProbeRequest> malformed_requests(const std::string& path) {
  const HeaderPairs json = {{"Content-Type", "application/json"}};
  std::string quoted = path;
  quoted.append(path.find('?') == std::string::npos ? "?" : "&");
  quoted.append("id=1%27%20OR%20%271%27%3D%271");
  std::string long_url = path.substr(0, path.find('?'));
  long_url.append("?q=");
  long_url.append(9000, 'A');
  return {
      {"POST", path, json, R"({"name": "audit", "count": )"},
      {"POST", path, json, R"({"name": 12345, "count": "many", "items": {"a": null}})"},
      {"POST", path, json,
       R"({"id": 1e999999, "count": 123456789012345678901234567890123456789012345})"},
      {"GET", "/rampart-audit-no-such-path/%27%22%3C%3E", {}, {}},
      {"FOO", path, {}, {}},
      {"GET", quoted, {}, {}},
      {"GET", long_url, {}, {}},
  };
}

}  // namespace

void probe_error_leaks(ProbeSession& session, std::vector<Check>& out) {
  std::map<LeakKind, std::pair<std::string, std::string>> found;  // kind -> detail, evidence
  std::optional<std::string> five_xx;
  bool any_answer = false;
  std::string last_why;
  for (const auto& request : malformed_requests(session.target().path)) {
    auto response = session.send(request);
    if (!response || !response->answered()) {
      last_why = why_no_answer(response, session);
      continue;
    }
    any_answer = true;
    // 501 is the standard answer to an unknown method, not a crash.
    if (response->status >= 500 && response->status != 501 && !five_xx) {
      five_xx = evidence_of(request, *response);
    }
    for (const auto& leak : find_leaks(response->body)) {
      if (!found.count(leak.kind)) {
        // Built by appending: GCC 12 reports a false -Wrestrict on the operator+ chain.
        std::string detail = request.method;
        detail.append(" ").append(request.target.substr(0, 60)).append(" -> ");
        detail.append(std::to_string(response->status)).append(": \"");
        detail.append(printable_excerpt(leak.match, 80)).append("\"");
        found[leak.kind] = {detail, evidence_of(request, *response, leak.match)};
      }
    }
  }
  for (auto kind : {LeakKind::traceback, LeakKind::file_path, LeakKind::sql, LeakKind::framework,
                    LeakKind::internal_host}) {
    std::string id(leak_check_id(kind));
    if (!any_answer) {
      add_undecided(out, id, last_why);
    } else if (auto it = found.find(kind); it != found.end()) {
      add_fail(out, id, it->second.first, it->second.second);
    } else {
      add_pass(out, id, "no match in the error bodies of 7 malformed requests");
    }
  }
  if (!any_answer) {
    add_undecided(out, "REL-MALFORMED-5XX", last_why);
  } else if (five_xx) {
    add_fail(out, "REL-MALFORMED-5XX", "malformed input was answered with a 5xx", *five_xx);
  } else {
    add_pass(out, "REL-MALFORMED-5XX", "malformed input was answered without a 5xx");
  }
}

}  // namespace rampart::audit
