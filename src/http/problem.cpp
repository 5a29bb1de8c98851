#include "http/problem.hpp"

#include <boost/beast/http/status.hpp>
#include <ostream>

#include "http/json_writer.hpp"

namespace rampart::http {

namespace {
struct CodeInfo {
  std::string_view name;
  int status;
};

constexpr CodeInfo kCodes[] = {
    {"bad_request", 400},     {"invalid_json", 400},
    {"unauthorized", 401},    {"bad_signature", 401},
    {"forbidden", 403},       {"origin_not_allowed", 403},
    {"not_found", 404},       {"method_not_allowed", 405},
    {"replayed", 409},        {"payload_too_large", 413},
    {"uri_too_long", 414},    {"schema_violation", 422},
    {"rate_limited", 429},    {"header_too_large", 431},
    {"upstream_error", 500},  {"upstream_unavailable", 502},
    {"budget_exceeded", 402}, {"upstream_timeout", 504},
    {"request_timeout", 408}, {"policy_timeout", 503},
    {"overloaded", 503},
};
}  // namespace

std::string_view code_name(ProblemCode code) { return kCodes[static_cast<int>(code)].name; }
int default_status(ProblemCode code) { return kCodes[static_cast<int>(code)].status; }

std::string_view reason_phrase(int status) {
  auto reason =
      boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status));
  if (reason == "<unknown-status>") {
    return status >= 500 ? "Server Error" : "Error";
  }
  return {reason.data(), reason.size()};
}

Problem Problem::of(ProblemCode code, std::string_view detail) {
  Problem problem;
  problem.code = code;
  problem.status = default_status(code);
  problem.detail.assign(detail);
  return problem;
}

Problem Problem::upstream_error(int status) {
  Problem problem = of(ProblemCode::upstream_error, "the upstream service failed");
  problem.status = status;
  return problem;
}

void append_problem_body(const Problem& problem, std::string_view request_id, std::string& out) {
  http::JsonWriter json(out);
  json.begin_object();
  json.field("type", "about:blank");
  json.field("title", reason_phrase(problem.status));
  json.field("status", static_cast<long long>(problem.status));
  if (!problem.detail.empty()) {
    json.field("detail", problem.detail);
  }
  json.field("code", code_name(problem.code));
  json.field("request_id", request_id);
  if (problem.retry_after) {
    json.field("retry_after", static_cast<unsigned long long>(*problem.retry_after));
  }
  if (!problem.errors.empty()) {
    json.key("errors");
    json.begin_array();
    for (const auto& error : problem.errors) {
      json.begin_object();
      json.field("pointer", error.pointer);
      json.field("message", error.message);
      json.end_object();
    }
    json.end_array();
  }
  json.end_object();
}

}  // namespace rampart::http
