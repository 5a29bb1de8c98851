#include "net/request_parser.hpp"

#include <algorithm>
#include <cstring>

#include "net/http1_syntax.hpp"

namespace rampart::net {

using boost::system::error_code;
using gateway::field;

using namespace http1;

std::size_t RequestParser::parse_head(const char* first, const char* last, error_code& ec) {
  framing_ = {};
  expect_continue_ = false;
  RequestLine line;
  const char* p = parse_request_line(first, last, line, ec);
  if (line.target.size() > kMaxUriBytes) {
    uri_too_long_ = true;  // whatever follows it: the 414 says what to fix
    ec = http::error::bad_target;
    return 0;
  }
  if (p == nullptr) {
    return 0;
  }
  head_.verb = http::string_to_verb({line.method.data(), line.method.size()});
  head_.method.assign(line.method);
  head_.target = line.target;
  head_.path.assign(line.target.substr(0, line.target.find('?')));
  head_.version = line.http11 ? 11 : 10;
  framing_.http11 = line.http11;
  p = parse_fields(p, last, ec, [this](const FieldLine& field) {
    if (field.id == gateway::field::expect) {
      expect_continue_ = expect_continue_ || iequals(field.value, "100-continue");
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
    ec = http::error::bad_transfer_encoding;
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
