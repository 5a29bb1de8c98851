#include "net/head_writer.hpp"

#include <boost/beast/core/string.hpp>
#include <charconv>
#include <cstring>

#include "gateway/problem.hpp"

namespace rampart::net {

using gateway::field;

namespace {

bool is_named(const gateway::HeaderField& f, std::string_view name) {
  return f.id == field::unknown && boost::beast::iequals(f.name, name);
}

/// X-Rampart-* headers are rampart's word to the upstream (SPEC §3.7): a client's are dropped.
bool is_rampart_header(const gateway::HeaderField& f) {
  constexpr std::string_view kPrefix = "x-rampart-";
  return f.id == field::unknown && f.name.size() >= kPrefix.size() &&
         boost::beast::iequals(f.name.substr(0, kPrefix.size()), kPrefix);
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  // One size change and two copies instead of four appends: this runs for every field.
  const std::size_t old = out.size();
  out.resize(old + name.size() + value.size() + 4);
  char* p = out.data() + old;
  std::memcpy(p, name.data(), name.size());
  p += name.size();
  *p++ = ':';
  *p++ = ' ';
  std::memcpy(p, value.data(), value.size());
  p += value.size();
  *p++ = '\r';
  *p = '\n';
}

/// Fields rampart sets itself towards the upstream; the client's copies are dropped.
bool is_set_by_rampart(const gateway::HeaderField& f) {
  if (f.id != field::unknown || f.name.size() < 2 || (f.name[0] | 0x20) != 'x' ||
      f.name[1] != '-') {
    return false;
  }
  return is_named(f, "x-forwarded-for") || is_named(f, "x-forwarded-proto") || is_rampart_header(f);
}

void append_status(std::string& out, int status) {
  char digits[8];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, status);
  out.append(digits, end);
}

}  // namespace

void write_upstream_head(std::string& out, gateway::Exchange& exchange,
                         const config::UpstreamConfig& upstream) {
  auto& request = exchange.request;
  request.headers.remove_named(request.headers.value(field::connection));

  out.clear();
  out += request.method;
  out += ' ';
  out += request.target;
  out += " HTTP/1.1\r\n";
  append_field(out, "Host", upstream.host_header);
  for (const auto& f : request.headers.fields()) {
    // X-Forwarded-* are rampart's to set: a client must not choose what the upstream believes.
    if (f.removed || gateway::is_hop_by_hop(f.id) || f.id == field::host || is_set_by_rampart(f)) {
      continue;
    }
    append_field(out, f.name, f.value);
  }
  append_field(out, "X-Rampart-Identity", exchange.identity);
  append_field(out, "X-Forwarded-For", exchange.forwarded_for);
  append_field(out, "X-Forwarded-Proto", exchange.tls ? "https" : "http");
  out += exchange.upstream_extra_headers;
  out += "\r\n";
}

void write_response_head(std::string& out, gateway::Exchange& exchange, bool close, bool decoded) {
  auto& response = exchange.response;
  response.headers.remove_named(response.headers.value(field::connection));

  out.clear();
  out += "HTTP/1.1 ";
  append_status(out, response.status);
  out += ' ';
  out += response.reason.empty() ? gateway::reason_phrase(response.status) : response.reason;
  out += "\r\n";
  for (const auto& f : response.headers.fields()) {
    if (f.removed || gateway::is_hop_by_hop(f.id) ||
        (decoded && f.id == field::transfer_encoding)) {
      continue;
    }
    append_field(out, f.name, f.value);
  }
  out += exchange.response_extra_headers;
  if (close) {
    out += "Connection: close\r\n";
  }
  out += "\r\n";
}

}  // namespace rampart::net
