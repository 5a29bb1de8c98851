#include <boost/json/parse.hpp>

#include "audit/probes/probes.hpp"

namespace rampart::audit {

std::string why_no_answer(const std::optional<ProbeResponse>& response,
                          const ProbeSession& session) {
  if (!response) {
    return session.why_not();
  }
  return "no answer: " + response->error;
}

bool body_is_json(const ProbeResponse& response) {
  if (response.body.empty() || response.body_truncated) {
    return false;
  }
  boost::system::error_code ec;
  boost::json::parse(response.body, ec);
  return !ec;
}

}  // namespace rampart::audit
