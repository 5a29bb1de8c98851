#include "policies/body/body_policy.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json/monotonic_resource.hpp>

#include "policies/body/json_check.hpp"
#include "policies/body/schema_program.hpp"

namespace rampart::policies {

namespace {

/// A parsed document takes about twice its text (measured with Boost.JSON's values: 16 bytes
/// per value plus the strings); beyond the arena the resource falls back to the heap.
constexpr std::size_t kMinArenaBytes = 16 * 1024;
constexpr std::size_t kMaxArenaBytes = 2 * 1024 * 1024;

boost::json::parse_options document_options() {
  boost::json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  return options;
}

}  // namespace

BodySlot::BodySlot(std::size_t arena_size)
    : document_parser(boost::json::storage_ptr(), document_options()), arena_bytes(arena_size) {}

std::unique_ptr<PolicySlot> BodyPolicy::make_slot(net::WorkerContext& /*worker*/) const {
  return settings_.json ? new_slot() : nullptr;
}

std::unique_ptr<BodySlot> BodyPolicy::new_slot() const {
  const std::size_t arena =
      settings_.schema ? std::clamp(2 * settings_.max_bytes, kMinArenaBytes, kMaxArenaBytes) : 0;
  return std::make_unique<BodySlot>(arena);
}

Verdict BodyPolicy::on_request(http::Exchange& exchange, PolicySlot* slot) const {
  using boost::beast::http::verb;
  const auto method = exchange.request.verb;
  const bool sends_content = method == verb::post || method == verb::put || method == verb::patch;
  if (!settings_.json || (!exchange.request.has_body && !sends_content)) {
    return Verdict::next;  // a GET without a body has nothing to check; an empty POST does
  }
  std::unique_ptr<PolicySlot> own_slot;  // a pipeline always passes make_slot's; a test may not
  if (slot == nullptr) {
    own_slot = new_slot();
    slot = own_slot.get();
  }
  auto& body_slot = static_cast<BodySlot&>(*slot);
  const std::string_view body = exchange.body;
  const SchemaProgram* program = settings_.schema ? settings_.schema->program() : nullptr;
  JsonTape* tape = program != nullptr ? &body_slot.tape : nullptr;
  // A schema route's check also writes the tape the program walks: one pass over the body.
  // Otherwise the fast path tries first; the body is a view into the connection's buffer,
  // with no promise of bytes after it.
  if (tape != nullptr || !body_slot.fast.accepts(body, body.size())) {
    // The SAX check decides, and says where.
    const auto problem = check_json(body, tape);
    if (!problem.reason.empty()) {
      // The offset, never the bytes: the body may hold anything, a secret included.
      return respond(exchange,
                     http::Problem::of(http::ProblemCode::invalid_json,
                                       fmt::format("the body is not one well-formed JSON value "
                                                   "(at byte {})",
                                                   problem.offset))
                         .because(problem.reason));
    }
  }
  if (!settings_.schema) {
    return Verdict::next;
  }
  if (program != nullptr) {
    const auto answer = program->run(*tape);
    body_slot.tape.trim();
    if (answer == SchemaAnswer::accepted) {
      return Verdict::next;
    }
    if (answer == SchemaAnswer::too_costly) {
      auto problem = http::Problem::of(http::ProblemCode::schema_violation,
                                       "the body does not match the route's schema")
                         .because("schema_violation");
      problem.errors = {{"", "could not be validated against the schema within bounds"}};
      return respond(exchange, std::move(problem));
    }
  }
  // Refused (or no program): valijson says what is wrong.
  return check_schema(exchange, body_slot);
}

Verdict BodyPolicy::check_schema(http::Exchange& exchange, BodySlot& slot) const {
  if (!slot.arena) {
    slot.arena = std::make_unique<unsigned char[]>(slot.arena_bytes);
  }
  // Declared before the document, destroyed after it: the document's memory is the arena's.
  boost::json::monotonic_resource resource(slot.arena.get(), slot.arena_bytes);
  slot.document_parser.reset(boost::json::storage_ptr(&resource));
  boost::json::error_code ec;
  // write() takes the whole document: it refuses an incomplete one or anything after it.
  slot.document_parser.write(exchange.body.data(), exchange.body.size(), ec);
  if (ec) {
    // check_json accepted it, so this is a parser disagreement: refuse rather than guess.
    slot.document_parser.reset();
    return respond(exchange, http::Problem::of(http::ProblemCode::invalid_json,
                                               "the body is not one well-formed JSON value")
                                 .because("document"));
  }
  boost::json::value document = slot.document_parser.release();
  slot.document_parser.reset();
  std::vector<http::ProblemError> errors;
  if (settings_.schema->validate(document, errors)) {
    if (settings_.schema->program() == nullptr) {
      return Verdict::next;
    }
    // The program refused what valijson accepts: it follows draft 7 where valijson does not
    // (schema_program.hpp), and the program decides.
    errors = {{"", "does not match the schema"}};
  }
  auto problem = http::Problem::of(http::ProblemCode::schema_violation,
                                   "the body does not match the route's schema")
                     .because("schema_violation");
  problem.errors = std::move(errors);
  return respond(exchange, std::move(problem));
}

}  // namespace rampart::policies
