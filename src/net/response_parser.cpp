#include "net/response_parser.hpp"

#include <algorithm>

#include "net/http1_syntax.hpp"

namespace rampart::net {

using bhttp::field;
using boost::system::error_code;

using namespace http1;

void ResponseParser::put_eof(error_code& ec) {
  ec = {};
  if (!header_done_) {
    ec = bhttp::error::partial_message;
  } else {
    body_.eof(ec);
  }
}

std::size_t ResponseParser::parse_head(const char* first, const char* last, error_code& ec) {
  framing_ = {};
  StatusLine status_line;
  const char* p = parse_status_line(first, last, status_line, ec);
  head_.status = status_line.status;
  head_.reason = status_line.reason;
  framing_.http11 = status_line.http11;
  if (p == nullptr) {
    return 0;
  }
  p = parse_fields(p, last, ec, [](const FieldLine&) {});
  if (p == nullptr) {
    return 0;
  }
  finish_head(ec);
  return ec ? 0 : p - first;
}

void ResponseParser::finish_head(error_code& ec) {
  framing_.check(ec);
  if (ec) {
    return;
  }
  const int status = head_.status;
  if (skip_body_ || status / 100 == 1 || status == 204 || status == 304) {
    body_.start_done();  // RFC 9112 §6.3: no body, whatever Content-Length says
  } else if (framing_.chunked) {
    body_.start_chunked();
  } else if (framing_.has_content_length) {
    body_.start_length(framing_.content_length, ec);
    if (ec) {
      return;
    }
  } else {
    need_eof_ = true;
    body_.start_to_eof();
  }
  header_done_ = true;
}

}  // namespace rampart::net
