#pragma once
// SPEC §3 step 9: a route's request body is read whole up to `max_bytes` (413
// payload_too_large beyond: from Content-Length before a byte is read or 100 Continue is
// sent, or as soon as a chunked body passes it), then, with `json: true`, must be one
// well-formed JSON value (400 invalid_json with the byte offset), then, with `schema:`, must
// satisfy the route's JSON Schema (422 schema_violation with errors[]). The body then goes
// upstream byte for byte.

#include <boost/json/parser.hpp>
#include <memory>

#include "policies/body/config.hpp"
#include "policies/body/json_fast.hpp"
#include "policies/body/json_tape.hpp"
#include "policies/policy.hpp"

namespace rampart::policies {

inline constexpr std::string_view kValidationLabels[] = {"route", "reason"};
inline const observe::CounterFamily kValidationFailures{
    "rampart_validation_failures_total",
    "Request bodies refused by a route's body checks, by route and reason (syntax, utf8, "
    "too_deep, nul, too_long, incomplete, extra_data, empty, schema_violation).",
    kValidationLabels};

/// A worker's reusable parsing state for one body route: nothing is shared between workers,
/// and a request reuses the buffers of the ones before it.
struct BodySlot final : PolicySlot {
  explicit BodySlot(std::size_t arena_bytes);

  FastJsonCheck fast;
  JsonTape tape;                           ///< a schema route's body, for the schema program
  boost::json::parser document_parser;     ///< keeps its stack between documents
  std::unique_ptr<unsigned char[]> arena;  ///< a schema route's document lives here
  std::size_t arena_bytes;
};

class BodyPolicy final : public Policy {
 public:
  explicit BodyPolicy(const BodySettings& settings) : settings_(settings) {}

  std::optional<std::size_t> body_limit() const override { return settings_.max_bytes; }
  std::unique_ptr<PolicySlot> make_slot(net::WorkerContext& worker) const override;
  Verdict on_request(http::Exchange& exchange, PolicySlot* slot) const override;
  const observe::CounterFamily* refusal_counter() const override { return &kValidationFailures; }

 private:
  std::unique_ptr<BodySlot> new_slot() const;
  Verdict check_schema(http::Exchange& exchange, BodySlot& slot) const;

  const BodySettings& settings_;
};

}  // namespace rampart::policies
