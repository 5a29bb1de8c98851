#include "net/request_parser.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include "net/http1_syntax.hpp"

namespace rampart::net {

using bhttp::field;
using boost::system::error_code;

using namespace http1;

namespace {

/// reg-name = *( unreserved / pct-encoded / sub-delims ) (RFC 3986 §3.2.2).
constexpr std::array<bool, 256> kRegNameChar = [] {
  std::array<bool, 256> table{};
  for (int c = 0; c < 256; ++c) {
    table[c] =
        (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        std::string_view("-._~%!$&'()*+,;=").find(static_cast<char>(c)) != std::string_view::npos;
  }
  return table;
}();

/// uri-host [ ":" port ] (RFC 9110 §7.2, RFC 3986 §3.2.2): a reg-name or IPv4 address of
/// unreserved, pct-encoded and sub-delims characters, or an IP-literal in brackets. Empty is
/// allowed (RFC 9112 §3.2). Anything else (spaces, "/", "@", a second ":") is refused: a
/// backend building URLs from Host must not be handed a path or userinfo.
bool valid_host(std::string_view host) {
  const char* p = host.data();
  const char* const last = p + host.size();
  if (p != last && *p == '[') {
    for (++p; p != last && *p != ']'; ++p) {
      if (hex_value(*p) < 0 && *p != ':' && *p != '.') {
        return false;
      }
    }
    if (p == last) {
      return false;  // no closing bracket
    }
    ++p;
  } else {
    while (p != last && kRegNameChar[static_cast<unsigned char>(*p)]) {
      ++p;
    }
  }
  if (p == last) {
    return true;
  }
  if (*p != ':' || last - p > 6) {
    return false;  // a byte no host has, or a port of more than five digits
  }
  for (++p; p != last; ++p) {
    if (*p < '0' || *p > '9') {
      return false;
    }
  }
  return true;
}

}  // namespace

Refusal RequestParser::refusal(const error_code& ec) const {
  if (uri_too_long_) {
    return Refusal::uri_too_long;
  }
  if (ec == bhttp::error::header_limit) {
    return Refusal::header_too_large;
  }
  if (bad_host_) {
    return Refusal::host;
  }
  if (framing_.connection_names_protected || ec == bhttp::error::bad_content_length ||
      ec == bhttp::error::multiple_content_length || ec == bhttp::error::bad_transfer_encoding) {
    return Refusal::smuggling;
  }
  return Refusal::malformed;
}

std::size_t RequestParser::parse_head(const char* first, const char* last, error_code& ec) {
  framing_ = {};
  expect_continue_ = false;
  bad_host_ = false;
  host_fields_ = 0;
  RequestLine line;
  const char* p = parse_request_line(first, last, line, ec);
  if (line.target.size() > kMaxUriBytes) {
    uri_too_long_ = true;  // whatever follows it: the 414 says what to fix
    ec = bhttp::error::bad_target;
    return 0;
  }
  if (p == nullptr) {
    return 0;
  }
  head_.verb = bhttp::string_to_verb({line.method.data(), line.method.size()});
  head_.method.assign(line.method);
  head_.target = line.target;
  head_.path.assign(line.target.substr(0, line.target.find('?')));
  head_.version = line.http11 ? 11 : 10;
  framing_.http11 = line.http11;
  p = parse_fields(p, last, ec, [this](const FieldLine& field) {
    if (field.id == bhttp::field::expect) {
      expect_continue_ = expect_continue_ || iequals(field.value, "100-continue");
    } else if (field.id == bhttp::field::host) {
      ++host_fields_;
      bad_host_ = bad_host_ || !valid_host(field.value);
    }
  });
  if (p == nullptr) {
    return 0;
  }
  finish_head(ec);
  return ec ? 0 : p - first;
}

void RequestParser::finish_head(error_code& ec) {
  // RFC 9112 §6.3: a request without Content-Length or Transfer-Encoding has no body; one
  // whose Transfer-Encoding does not end in chunked has no determinable length, and guessing
  // is how smuggling starts.
  framing_.check(ec);
  if (!ec && framing_.transfer_encoding && !framing_.chunked) {
    ec = bhttp::error::bad_transfer_encoding;
  }
  if (!ec && framing_.connection_names_protected) {
    ec = bhttp::error::bad_value;
  }
  // RFC 9112 §3.2: exactly one Host in HTTP/1.1, never two. Two Hosts are two different
  // requests to two different parsers; a missing one leaves the backend to guess.
  if (!ec && (host_fields_ > 1 || (framing_.http11 && host_fields_ == 0) || bad_host_)) {
    bad_host_ = true;
    ec = bhttp::error::bad_value;
  }
  if (ec) {
    return;
  }
  if (framing_.chunked) {
    body_.start_chunked();
  } else if (framing_.has_content_length) {
    body_.start_length(framing_.content_length, ec);
    if (ec) {
      return;
    }
  } else {
    body_.start_done();
  }
  head_.chunked = framing_.chunked;
  if (framing_.has_content_length) {
    head_.content_length = framing_.content_length;
  }
  head_.has_body = framing_.chunked || framing_.content_length > 0;
  header_done_ = true;
}

}  // namespace rampart::net
