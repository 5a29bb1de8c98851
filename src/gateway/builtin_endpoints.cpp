#include "gateway/builtin_endpoints.hpp"

#include "http/json_writer.hpp"

namespace rampart::gateway {

using http::Problem;
using http::ProblemCode;

bool is_builtin_path(std::string_view path) {
  return path == "/health" || path == "/health/live" || path == "/health/ready";
}

void answer_builtin(http::Exchange& exchange, const config::Config& config,
                    const observe::HealthBoard& health, const ReadinessChecks& readiness) {
  const auto verb = exchange.request.verb;
  if (verb != boost::beast::http::verb::get && verb != boost::beast::http::verb::head) {
    exchange.reply.headers += "Allow: GET, HEAD\r\n";
    exchange.problem =
        Problem::of(ProblemCode::method_not_allowed, "health endpoints answer GET and HEAD");
    return;
  }
  auto& reply = exchange.reply;
  reply.content_type = "application/json";
  reply.status = 200;
  const auto& path = exchange.request.path;
  if (path == "/health") {
    reply.body = R"({"status":"ok"})";
    return;
  }
  if (path == "/health/live") {
    reply.body = R"({"status":"alive"})";
    return;
  }
  bool ready = true;
  std::string checks;
  http::JsonWriter json(checks);
  json.begin_object();
  if (readiness.store) {
    ready = ready && *readiness.store;
    json.field("store", *readiness.store ? "healthy" : "unhealthy");
  }
  // Without Redis rampart still serves, on each instance's own counts: degraded, not down.
  const bool degraded = readiness.redis && !*readiness.redis;
  if (readiness.redis) {
    json.field("redis", *readiness.redis ? "healthy" : "unhealthy");
  }
  for (const auto& upstream : config.upstreams) {
    bool healthy = !upstream.health || health.healthy(upstream.name);
    ready = ready && healthy;
    json.field("upstream:" + upstream.name, healthy ? "healthy" : "unhealthy");
  }
  json.end_object();
  reply.status = ready ? 200 : 503;
  reply.body = !ready     ? R"({"status":"not_ready","checks":)"
               : degraded ? R"({"status":"degraded","checks":)"
                          : R"({"status":"ready","checks":)";
  reply.body += checks;
  reply.body += '}';
}

}  // namespace rampart::gateway
