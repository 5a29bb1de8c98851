#include "observe/request_log.hpp"

#include <charconv>
#include <cstring>

#include "http/json_writer.hpp"
#include "observe/log.hpp"
#include "observe/metrics.hpp"

namespace rampart::observe {

namespace {

using http::needs_json_escaping;
using http::put_thousandths;

/// Writes the line into a buffer on the stack with plain copies; the keys are literals the
/// compiler turns into a few stores. Returns false, having written nothing, for a line it
/// can't write that way (a value that needs escaping, a very long path): the JsonWriter
/// version below takes those. This runs for every request; it costs about a third of that.
bool append_plain_request_line(std::string& out, const http::Exchange& exchange,
                               config::LogLevel level, double duration_seconds,
                               std::chrono::system_clock::time_point now) {
  constexpr std::size_t kMaxLine = 1024;
  if ((exchange.problem && !exchange.problem->reason.empty()) ||
      !exchange.dry_run_refusal.empty() || exchange.rate_limited || !exchange.captures.empty()) {
    return false;  // rare: the escaped writer takes the extra fields
  }
  const std::string_view route =
      exchange.route ? std::string_view(exchange.route->name) : kNoRouteLabel;
  const std::string_view values[] = {exchange.request_id,   exchange.request.method,
                                     exchange.request.path, route,
                                     exchange.client_ip,    exchange.identity};
  // Keys, punctuation, timestamp, level, code and numbers take well under 512 bytes.
  std::size_t bound = 512;
  for (auto value : values) {
    bound += value.size();
    if (needs_json_escaping(value)) {
      return false;
    }
  }
  if (bound > kMaxLine) {
    return false;
  }
  char line[kMaxLine];
  char* p = line;
  auto put = [&p](std::string_view text) {
    std::memcpy(p, text.data(), text.size());
    p += text.size();
  };
  auto put_number = [&p](auto value) { p = std::to_chars(p, p + 24, value).ptr; };
  bool numbers_fit = true;
  auto put_millis = [&](std::string_view key, double ms) {
    put(key);
    char* end = put_thousandths(p, ms);
    numbers_fit = numbers_fit && end != nullptr;
    p = end != nullptr ? end : p;
  };
  char ts[32];
  put("{\"ts\":\"");
  put(format_timestamp(ts, now));
  put("\",\"level\":\"");
  put(level_name(level));
  put("\",\"event\":\"request\",\"request_id\":\"");
  put(exchange.request_id);
  put("\",\"method\":\"");
  put(exchange.request.method);
  put("\",\"path\":\"");
  put(exchange.request.path);
  put("\",\"route\":\"");
  put(route);
  put("\",\"status\":");
  put_number(exchange.response.status);
  if (exchange.problem) {
    put(",\"code\":\"");
    put(http::code_name(exchange.problem->code));
    put("\"");
  }
  put_millis(",\"duration_ms\":", duration_seconds * 1000.0);
  if (exchange.upstream_ms) {
    put_millis(",\"upstream_ms\":", *exchange.upstream_ms);
  } else {
    put(",\"upstream_ms\":null");
  }
  put(",\"bytes_in\":");
  put_number(static_cast<unsigned long long>(exchange.bytes_in));
  put(",\"bytes_out\":");
  put_number(static_cast<unsigned long long>(exchange.bytes_out));
  put(",\"client_ip\":\"");
  put(exchange.client_ip);
  put("\",\"identity\":\"");
  put(exchange.identity);
  put("\"}\n");
  if (!numbers_fit) {
    return false;
  }
  out.append(line, p);
  return true;
}

}  // namespace

void append_request_line(std::string& out, const http::Exchange& exchange, config::LogLevel level,
                         double duration_seconds, std::chrono::system_clock::time_point now) {
  if (!append_plain_request_line(out, exchange, level, duration_seconds, now)) {
    append_request_line_escaped(out, exchange, level, duration_seconds, now);
  }
}

void append_request_line_escaped(std::string& out, const http::Exchange& exchange,
                                 config::LogLevel level, double duration_seconds,
                                 std::chrono::system_clock::time_point now) {
  http::JsonWriter json(out);
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
  if (!exchange.captures.empty()) {
    // A route's path_template or path_regex captures: the ids an operator searches logs by.
    json.key("captures");
    json.begin_object();
    for (const auto& c : exchange.captures) {
      json.field(c.name, c.value);
    }
    json.end_object();
  }
  if (exchange.problem) {
    json.field("code", http::code_name(exchange.problem->code));
    if (!exchange.problem->reason.empty()) {
      json.field("reason", exchange.problem->reason);  // private: never in the response
    }
  }
  if (exchange.rate_limited) {
    json.key("rate_limited");
    json.raw("true");
  }
  if (!exchange.dry_run_refusal.empty()) {
    json.key("dry_run");
    json.raw("true");
    json.field("dry_run_refusal", exchange.dry_run_refusal);
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
