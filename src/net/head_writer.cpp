#include "net/head_writer.hpp"

#include <boost/beast/core/string.hpp>
#include <charconv>
#include <cstring>

#include "http/problem.hpp"

namespace rampart::net {

using http::field;

namespace {

/// Writes a head into a string sized once for the worst case and trimmed at the end: the
/// fields go in with plain copies, without a capacity check or a zero-fill per field.
class HeadCursor {
 public:
  HeadCursor(std::string& out, std::size_t max_bytes) : out_(out) {
    out_.resize(max_bytes);
    p_ = out_.data();
  }
  ~HeadCursor() { out_.resize(static_cast<std::size_t>(p_ - out_.data())); }

  void put(std::string_view text) {
    if (!text.empty()) {  // an empty view may have a null data(): memcpy must not see it
      std::memcpy(p_, text.data(), text.size());
      p_ += text.size();
    }
  }
  void put(char c) { *p_++ = c; }
  void field(std::string_view name, std::string_view value) {
    put(name);
    put(':');
    put(' ');
    put(value);
    put('\r');
    put('\n');
  }
  void status(int status) { p_ = std::to_chars(p_, p_ + 8, status).ptr; }
  void framing(Framing framing) {
    if (framing.kind == Framing::Kind::length) {
      put("Content-Length: ");
      p_ = std::to_chars(p_, p_ + 20, framing.length).ptr;
      put("\r\n");
    } else if (framing.kind == Framing::Kind::chunked) {
      put("Transfer-Encoding: chunked\r\n");
    }
  }

 private:
  std::string& out_;
  char* p_;
};

/// "Content-Length: <20 digits>\r\n" or "Transfer-Encoding: chunked\r\n".
constexpr std::size_t kMaxFramingBytes = 40;

bool is_framing(field id) { return id == field::content_length || id == field::transfer_encoding; }

void append_framing(std::string& out, Framing framing) {
  if (framing.kind == Framing::Kind::length) {
    char digits[24];
    auto* end = std::to_chars(digits, digits + sizeof digits, framing.length).ptr;
    out += "Content-Length: ";
    out.append(digits, end);
    out += "\r\n";
  } else if (framing.kind == Framing::Kind::chunked) {
    out += "Transfer-Encoding: chunked\r\n";
  }
}

constexpr std::size_t field_bytes(std::string_view name, std::string_view value) {
  return name.size() + value.size() + 4;
}

/// Fields rampart sets itself towards the upstream; the client's copies are dropped, also
/// spelled with '_' (X_Rampart_Identity), which WSGI, Rack and CGI servers read as the same
/// field as rampart's.
bool is_set_by_rampart(const http::HeaderField& f) {
  if (f.id != field::unknown || f.name.size() < 2 || (f.name[0] | 0x20) != 'x' ||
      (f.name[1] != '-' && f.name[1] != '_')) {
    return false;
  }
  constexpr std::string_view kPrefix = "x-rampart-";
  return http::same_header_name(f.name, "x-forwarded-for") ||
         http::same_header_name(f.name, "x-forwarded-proto") ||
         http::same_header_name(f.name, "x-forwarded-host") ||
         http::same_header_name(f.name, "x-request-id") ||
         (f.name.size() >= kPrefix.size() &&
          http::same_header_name(f.name.substr(0, kPrefix.size()), kPrefix));
}

}  // namespace

void write_upstream_head(std::string& out, http::Exchange& exchange,
                         const config::UpstreamConfig& upstream, std::optional<Framing> framing) {
  auto& request = exchange.request;
  auto forwarded = [&](const http::HeaderField& f) {
    // X-Forwarded-* are rampart's to set: a client must not choose what the upstream believes.
    return !f.removed && !http::is_hop_by_hop(f.id) && !is_framing(f.id) && f.id != field::host &&
           f.id != field::expect && !is_set_by_rampart(f);
  };
  constexpr std::string_view kIdentity = "X-Rampart-Identity", kFor = "X-Forwarded-For",
                             kProto = "X-Forwarded-Proto", kForwardedHost = "X-Forwarded-Host";
  const std::string_view client_host = exchange.client_host;  // kept by the routing stage
  // preserve_host: the backend builds its URLs (redirects, links) with the name clients use.
  const std::string_view host =
      exchange.route && exchange.route->preserve_host && !client_host.empty()
          ? client_host
          : std::string_view(upstream.host_header);
  const std::string_view proto = exchange.tls ? "https" : "http";
  // A rewritten path keeps the client's query; the upstream's base path goes in front.
  std::string_view path = request.target;
  std::string_view query;
  if (!exchange.upstream_path.empty()) {
    path = exchange.upstream_path;
    const auto mark = request.target.find('?');
    query = mark == std::string_view::npos ? std::string_view{} : request.target.substr(mark);
  }
  std::size_t max_bytes =
      request.method.size() + upstream.base_path.size() + path.size() + query.size() + 13 +
      field_bytes("Host", host) + field_bytes(kForwardedHost, client_host) +
      field_bytes(kIdentity, exchange.identity) + field_bytes(kFor, exchange.forwarded_for) +
      field_bytes(kProto, proto) + exchange.upstream_extra_headers.size() + kMaxFramingBytes + 2;
  for (const auto& f : request.headers.fields()) {
    max_bytes += field_bytes(f.name, f.value);
  }

  HeadCursor head(out, max_bytes);
  head.put(request.method);
  head.put(' ');
  head.put(upstream.base_path);
  head.put(path);
  head.put(query);
  head.put(" HTTP/1.1\r\n");
  head.field("Host", host);
  for (const auto& f : request.headers.fields()) {
    if (forwarded(f)) {
      head.field(f.name, f.value);
    }
  }
  head.field(kIdentity, exchange.identity);
  head.field(kFor, exchange.forwarded_for);
  head.field(kProto, proto);
  if (!client_host.empty()) {
    head.field(kForwardedHost, client_host);
  }
  head.put(exchange.upstream_extra_headers);
  if (framing) {
    head.framing(*framing);
    head.put("\r\n");
  }
}

void end_upstream_head(std::string& out, Framing framing) {
  append_framing(out, framing);
  out += "\r\n";
}

std::size_t write_chunk_size(char* out, std::uint64_t size) {
  char* p = std::to_chars(out, out + 16, size, 16).ptr;
  *p++ = '\r';
  *p++ = '\n';
  return static_cast<std::size_t>(p - out);
}

void write_response_head(std::string& out, http::Exchange& exchange, Framing framing, bool close) {
  auto& response = exchange.response;
  // The upstream's reason phrase is its own text ("200 Leaked /srv/app/secret.py"): never
  // relayed, as an upstream's error body is not.
  const std::string_view reason = http::reason_phrase(response.status);
  constexpr std::string_view kClose = "Connection: close\r\n";
  constexpr std::string_view kKeepAlive = "Connection: keep-alive\r\n";
  std::size_t max_bytes = kKeepAlive.size() + 9 + 8 + 1 + reason.size() + 2 +
                          exchange.response_extra_headers.size() + kMaxFramingBytes +
                          kClose.size() + 2;
  for (const auto& f : response.headers.fields()) {
    max_bytes += field_bytes(f.name, f.value);
  }

  HeadCursor head(out, max_bytes);
  head.put("HTTP/1.1 ");
  head.status(response.status);
  head.put(' ');
  head.put(reason);
  head.put("\r\n");
  for (const auto& f : response.headers.fields()) {
    if (f.removed || http::is_hop_by_hop(f.id) || is_framing(f.id)) {
      continue;
    }
    head.field(f.name, f.value);
  }
  head.put(exchange.response_extra_headers);
  head.framing(framing);
  if (close) {
    head.put(kClose);
  } else if (exchange.request.version < 11) {
    // An HTTP/1.0 client that asked to keep the connection must be told it is kept.
    head.put(kKeepAlive);
  }
  head.put("\r\n");
}

}  // namespace rampart::net
