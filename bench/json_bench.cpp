// body.json and body.schema: the well-formedness check (simdjson fast path, Boost.JSON SAX
// authority) and schema validation, on realistic bodies of ~1 KiB and ~64 KiB. Bytes/s is the
// body's size per second (SetBytesProcessed).

#include <benchmark/benchmark.h>

#include <string>

#include "policies/body/body_policy.hpp"
#include "policies/body/json_check.hpp"
#include "policies/body/json_fast.hpp"
#include "policies/body/schema.hpp"

namespace rampart::policies {
namespace {

constexpr std::string_view kOrderSchema = R"({
  "type": "object", "required": ["customer", "items"], "additionalProperties": false,
  "properties": {
    "customer": {"type": "object", "required": ["email", "name"],
                 "properties": {"email": {"type": "string", "maxLength": 254,
                                          "pattern": "^[^@]+@[^@]+$"},
                                "name": {"type": "string", "minLength": 1, "maxLength": 200}}},
    "items": {"type": "array", "maxItems": 10000, "items": {
      "type": "object", "required": ["sku", "qty"], "additionalProperties": false,
      "properties": {"sku": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]{4}$"},
                     "qty": {"type": "integer", "minimum": 1, "maximum": 1000},
                     "price": {"type": "number", "minimum": 0},
                     "note": {"type": "string", "maxLength": 500}}}},
    "message": {"type": "string", "minLength": 1, "maxLength": 5000}
  }})";

/// An order with as many items as fit in about `size` bytes.
std::string order_body(std::size_t size) {
  std::string body =
      R"({"customer":{"email":"ada@example.com","name":"Ada Lovelace"},)"
      R"("message":"Please deliver to the side door, caf\u00e9 entrance.","items":[)";
  for (int i = 0; body.size() + 80 < size; ++i) {
    body += (i ? "," : "");
    body += R"({"sku":"ABC-)" + std::to_string(1000 + i % 9000) + R"(","qty":)" +
            std::to_string(1 + i % 20) + R"(,"price":)" + std::to_string(i % 100) +
            R"(.95,"note":"gift wrap"})";
  }
  return body + "]}";
}

void BM_JsonWellFormedFast(benchmark::State& state) {
  const std::string body = order_body(static_cast<std::size_t>(state.range(0)));
  FastJsonCheck fast;
  for (auto _ : state) {
    benchmark::DoNotOptimize(fast.accepts(body, body.size()));
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_JsonWellFormedFast)->Arg(1024)->Arg(64 * 1024);

void BM_JsonWellFormedSax(benchmark::State& state) {
  const std::string body = order_body(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    benchmark::DoNotOptimize(check_json(body));
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_JsonWellFormedSax)->Arg(1024)->Arg(64 * 1024);

/// The whole body stage of a schema route, as a worker runs it: fast check, parse into the
/// slot's arena, validate.
void BM_BodyStageWithSchema(benchmark::State& state) {
  const std::string body = order_body(static_cast<std::size_t>(state.range(0)));
  BodySettings settings;
  std::string error;
  settings.schema = JsonSchema::compile(kOrderSchema, error);
  settings.json = true;
  BodyPolicy policy(settings);
  BodySlot slot(2 * 64 * 1024 + 4096);
  for (auto _ : state) {
    http::Exchange exchange;
    exchange.request.verb = boost::beast::http::verb::post;
    exchange.request.has_body = true;
    exchange.body = body;
    if (policy.on_request(exchange, &slot) != Verdict::next) {
      state.SkipWithError("the body does not pass");
      break;
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_BodyStageWithSchema)->Arg(1024)->Arg(64 * 1024);

}  // namespace
}  // namespace rampart::policies
