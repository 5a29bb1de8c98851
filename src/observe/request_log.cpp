#include "observe/request_log.hpp"

#include "observe/json_writer.hpp"
#include "observe/log.hpp"
#include "observe/metrics.hpp"

namespace rampart::observe {

void append_request_line(std::string& out, const gateway::Exchange& exchange,
                         config::LogLevel level, double duration_seconds,
                         std::chrono::system_clock::time_point now) {
  JsonWriter json(out);
  json.begin_object();
  char ts[32];
  json.field("ts", format_timestamp(ts, now));
  json.field("level", level_name(level));
  json.field("event", "request");
  json.field("request_id", exchange.request_id);
  json.field("method", exchange.request.method);
  json.field("path", exchange.request.path);
  json.field("route", exchange.route ? std::string_view(exchange.route->name) : kNoRouteLabel);
  json.field("status", static_cast<long long>(exchange.response.status));
  if (exchange.problem) {
    json.field("code", gateway::code_name(exchange.problem->code));
  }
  json.field_double("duration_ms", duration_seconds * 1000.0, 3);
  if (exchange.upstream_ms) {
    json.field_double("upstream_ms", *exchange.upstream_ms, 3);
  } else {
    json.key("upstream_ms");
    json.raw("null");
  }
  json.field("bytes_in", static_cast<unsigned long long>(exchange.bytes_in));
  json.field("bytes_out", static_cast<unsigned long long>(exchange.bytes_out));
  json.field("client_ip", exchange.client_ip);
  json.field("identity", exchange.identity);
  json.end_object();
  out += '\n';
}

}  // namespace rampart::observe
