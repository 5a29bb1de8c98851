#pragma once
// rampart's own error responses (SPEC §5): a closed set of codes, each with its status.
// The client sees a fixed title, the detail and the extension members; the private reason
// goes to the log line and the refusing policy's metric, never to the client.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rampart::http {

enum class ProblemCode : std::uint8_t {
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
  policy_timeout,   ///< a policy that had to wait did not decide within its deadline
  overloaded,
};

/// One entry of a problem's `errors` member (a 422's schema violations): where, and what.
struct ProblemError {
  std::string pointer;  ///< JSON Pointer into the request body
  std::string message;  ///< never the offending value
};

/// A problem to answer with. `status` is the code's status except for upstream_error,
/// which keeps the upstream's 5xx status.
struct Problem {
  ProblemCode code = ProblemCode::bad_request;
  int status = 400;
  std::string detail;  ///< shown to the client: say what is wrong, never a secret or a path
  std::string reason;  ///< private: the log line and the policy's metric label only
  std::optional<std::uint32_t> retry_after;  ///< seconds, as the `retry_after` member
  std::vector<ProblemError> errors;          ///< the `errors` member, when not empty

  static Problem of(ProblemCode code, std::string_view detail = {});
  static Problem upstream_error(int status);
  /// The same problem with a private reason (for logs and metrics).
  Problem&& because(std::string_view why) && {
    reason.assign(why);
    return std::move(*this);
  }
};

std::string_view code_name(ProblemCode code);
int default_status(ProblemCode code);
std::string_view reason_phrase(int status);

/// Appends the problem+json body (RFC 9457) to `out`. `reason` is never written.
void append_problem_body(const Problem& problem, std::string_view request_id, std::string& out);

}  // namespace rampart::http
