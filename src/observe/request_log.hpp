#pragma once
// The one "event":"request" line per request (SPEC §6). Only what is listed here is ever
// logged: no header values, no query string, no body.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "http/exchange.hpp"

namespace rampart::observe {

/// Appends one complete JSON line (with '\n') describing the finished exchange.
void append_request_line(std::string& out, const http::Exchange& exchange, config::LogLevel level,
                         double duration_seconds, std::chrono::system_clock::time_point now);

/// The same line written field by field with escaping; append_request_line uses it for the
/// lines its fast path can't write. Public so tests can check both give the same line.
void append_request_line_escaped(std::string& out, const http::Exchange& exchange,
                                 config::LogLevel level, double duration_seconds,
                                 std::chrono::system_clock::time_point now);

}  // namespace rampart::observe
