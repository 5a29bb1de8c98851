#pragma once
// rampart's own error responses (SPEC §5): a closed set of codes, each with its status.
// The client sees a fixed title and a short detail; the private reason goes to logs/metrics.

#include <string>
#include <string_view>

namespace rampart::gateway {

enum class ProblemCode {
  bad_request,
  invalid_json,
  unauthorized,
  bad_signature,
  forbidden,
  origin_not_allowed,
  not_found,
  method_not_allowed,
  replayed,
  payload_too_large,
  uri_too_long,
  schema_violation,
  rate_limited,
  header_too_large,
  upstream_error,
  upstream_unavailable,
  budget_exceeded,
  upstream_timeout,
  request_timeout,  ///< the request body did not arrive within server.body_timeout
};

/// A problem to answer with. `status` is the code's status except for upstream_error,
/// which keeps the upstream's 5xx status.
struct Problem {
  ProblemCode code = ProblemCode::bad_request;
  int status = 400;
  std::string_view detail;  ///< must point to static text or outlive the response

  static Problem of(ProblemCode code, std::string_view detail = {});
  static Problem upstream_error(int status);
};

std::string_view code_name(ProblemCode code);
int default_status(ProblemCode code);
std::string_view reason_phrase(int status);

/// Appends the problem+json body (RFC 9457) to `out`.
void append_problem_body(const Problem& problem, std::string_view request_id, std::string& out);

}  // namespace rampart::gateway
