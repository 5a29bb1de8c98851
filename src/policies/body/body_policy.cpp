#include "policies/body/body_policy.hpp"

#include <fmt/format.h>

#include "policies/body/json_check.hpp"

namespace rampart::policies {

Verdict BodyPolicy::on_request(http::Exchange& exchange, PolicySlot* /*slot*/) const {
  using boost::beast::http::verb;
  const auto method = exchange.request.verb;
  const bool sends_content = method == verb::post || method == verb::put || method == verb::patch;
  if (!settings_.json || (!exchange.request.has_body && !sends_content)) {
    return Verdict::next;  // a GET without a body has nothing to check; an empty POST does
  }
  const auto problem = check_json(exchange.body);
  if (problem.reason.empty()) {
    return Verdict::next;
  }
  // The offset, never the bytes: the body may hold anything, a secret included.
  return respond(exchange,
                 http::Problem::of(http::ProblemCode::invalid_json,
                                   fmt::format("the body is not one well-formed JSON value "
                                               "(at byte {})",
                                               problem.offset))
                     .because(problem.reason));
}

}  // namespace rampart::policies
