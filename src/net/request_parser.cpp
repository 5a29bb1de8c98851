#include "net/request_parser.hpp"

#include <algorithm>
#include <cstring>

#include "net/http1_syntax.hpp"

namespace rampart::net {

using boost::system::error_code;
using gateway::field;

using namespace http1;

std::size_t RequestParser::parse_head(const char* first, std::size_t size, error_code& ec) {
  // The head must end within the header limit: no need to look further.
  const std::size_t window = std::min<std::size_t>(size, header_limit_);
  const char* const last = first + window;
  auto& fields = head_.headers.fields();
  const std::size_t first_field = fields.size();
  if (head_scanned_ == 0 || head_may_be_complete(first, window)) {
    framing_ = {};
    expect_continue_ = false;
    RequestLine line;
    const char* p = parse_request_line(first, last, line, ec);
    if (line.target.size() > kMaxUriBytes) {
      uri_too_long_ = true;  // whatever follows it: the 414 says what to fix
      ec = http::error::bad_target;
      return 0;
    }
    if (p != nullptr) {
      head_.verb = http::string_to_verb({line.method.data(), line.method.size()});
      head_.method.assign(line.method);
      head_.target = line.target;
      head_.path.assign(line.target.substr(0, line.target.find('?')));
      head_.version = line.http11 ? 11 : 10;
      framing_.http11 = line.http11;
      p = parse_fields(p, last, ec);
      if (p != nullptr) {
        finish_head(ec);
        return ec ? 0 : p - first;
      }
    }
    if (ec != http::error::need_more) {
      return 0;
    }
  }
  // Nothing consumed: the next call parses these lines again, from its own buffer.
  fields.resize(first_field);
  head_scanned_ = window;
  ec = size >= header_limit_ ? http::error::header_limit : http::error::need_more;
  return 0;
}

const char* RequestParser::parse_fields(const char* p, const char* last, error_code& ec) {
  while (p != last && *p != '\r' && *p != '\n') {
    FieldLine line;
    p = parse_field_line(p, last, line, ec);
    if (p == nullptr) {
      return nullptr;
    }
    switch (line.id) {
      case field::connection:
      case field::content_length:
      case field::transfer_encoding:
      case field::proxy_connection:
        framing_.on_field(line.id, line.value, ec);
        if (ec) {
          return nullptr;
        }
        break;
      case field::expect:
        expect_continue_ = expect_continue_ || iequals(line.value, "100-continue");
        break;
      default:
        break;
    }
    head_.headers.add(line.id, line.name, line.value);
  }
  return end_of_line(p, last, http::error::bad_field, ec);
}

bool RequestParser::head_may_be_complete(const char* first, std::size_t window) const {
  // A head arriving in many small reads would be parsed again and again: parse only once its
  // end is there (the first CRLFCRLF ends it, since no line holds a CR), or a bare LF, which
  // is an error to answer now rather than when the head would have overflowed.
  const char* p = first + std::min(window, head_scanned_);
  const char* const last = first + window;
  while ((p = static_cast<const char*>(std::memchr(p, '\n', last - p))) != nullptr) {
    if (p == first || p[-1] != '\r' || (p - first >= 3 && p[-2] == '\n')) {
      return true;
    }
    ++p;
  }
  return false;
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
