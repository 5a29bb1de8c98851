#include "policies/request_id/request_id_policy.hpp"

#include <boost/beast/core/string.hpp>

#include "http/ids.hpp"

namespace rampart::policies {

using http::field;

namespace {

constexpr std::string_view kRequestIdHeader = "x-request-id";
constexpr std::string_view kTraceparentHeader = "traceparent";

bool is_lower_hex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

bool all_zeros(std::string_view s) { return s.find_first_not_of('0') == std::string_view::npos; }

}  // namespace

bool is_acceptable_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) {
    return false;
  }
  for (char c : id) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) {
      return false;
    }
  }
  return true;
}

bool is_valid_traceparent(std::string_view v) {
  // version(2) - trace-id(32) - parent-id(16) - flags(2)
  if (v.size() != 55 || v[2] != '-' || v[35] != '-' || v[52] != '-') {
    return false;
  }
  auto version = v.substr(0, 2), trace = v.substr(3, 32), parent = v.substr(36, 16),
       flags = v.substr(53, 2);
  return version == "00" && is_lower_hex(trace) && is_lower_hex(parent) && is_lower_hex(flags) &&
         !all_zeros(trace) && !all_zeros(parent);
}

Verdict RequestIdPolicy::on_request(http::Exchange& exchange, PolicySlot*) const {
  // One pass: find both headers and mark them removed; rampart sends its own values.
  std::string_view given_id, given_trace;
  for (auto& f : exchange.request.headers.fields()) {
    if (f.id != field::unknown || f.removed) {
      continue;
    }
    if (boost::beast::iequals(f.name, kRequestIdHeader)) {
      if (given_id.empty()) {
        given_id = f.value;
      }
      f.removed = true;
    } else if (boost::beast::iequals(f.name, kTraceparentHeader)) {
      if (given_trace.empty()) {
        given_trace = f.value;
      }
      f.removed = true;
    }
  }
  if (exchange.request_id.empty()) {
    if (is_acceptable_request_id(given_id)) {
      exchange.request_id.assign(given_id);
    } else {
      http::append_uuid_v4(exchange.request_id);
    }
  }
  if (is_valid_traceparent(given_trace)) {
    exchange.traceparent.assign(given_trace);
  } else {
    http::append_new_traceparent(exchange.traceparent);
  }
  auto& extra = exchange.upstream_extra_headers;
  extra += "X-Request-ID: ";
  extra += exchange.request_id;
  extra += "\r\ntraceparent: ";
  extra += exchange.traceparent;
  extra += "\r\n";
  return Verdict::next;
}

void RequestIdPolicy::on_response(http::Exchange& exchange, PolicySlot*) const {
  for (auto& f : exchange.response.headers.fields()) {
    if (f.id == field::unknown && boost::beast::iequals(f.name, kRequestIdHeader)) {
      f.removed = true;
    }
  }
  if (exchange.request_id.empty()) {
    http::append_uuid_v4(exchange.request_id);
  }
  exchange.response_extra_headers += "X-Request-ID: ";
  exchange.response_extra_headers += exchange.request_id;
  exchange.response_extra_headers += "\r\n";
}

}  // namespace rampart::policies
