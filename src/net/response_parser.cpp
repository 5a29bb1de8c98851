#include "net/response_parser.hpp"

#include <algorithm>

#include "net/http1_syntax.hpp"

namespace rampart::net {

using boost::system::error_code;
using gateway::field;

using namespace http1;

void ResponseParser::put_eof(error_code& ec) {
  ec = {};
  if (!header_done_) {
    ec = http::error::partial_message;
  } else {
    body_.eof(ec);
  }
}

std::size_t ResponseParser::parse_head(const char* first, std::size_t size, error_code& ec) {
  // The head must end within the header limit: no need to look further.
  const std::size_t window = std::min<std::size_t>(size, header_limit_);
  const char* const last = first + window;
  auto& fields = head_.headers.fields();
  const std::size_t first_field = fields.size();
  if (head_scanned_ == 0 || head_may_be_complete(first, window)) {
    framing_ = {};
    StatusLine status_line;
    const char* p = parse_status_line(first, last, status_line, ec);
    head_.status = status_line.status;
    head_.reason = status_line.reason;
    framing_.http11 = status_line.http11;
    while (p != nullptr) {
      if (p == last || *p == '\r' || *p == '\n') {
        p = end_of_line(p, last, http::error::bad_field, ec);
        if (p != nullptr) {
          finish_head(ec);
          return ec ? 0 : p - first;
        }
        break;
      }
      FieldLine line;
      p = parse_field_line(p, last, line, ec);
      if (p != nullptr) {
        if (line.id == field::connection || line.id == field::content_length ||
            line.id == field::transfer_encoding || line.id == field::proxy_connection) {
          framing_.on_field(line.id, line.value, ec);
          if (ec) {
            return 0;
          }
        }
        head_.headers.add(line.id, line.name, line.value);
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

bool ResponseParser::head_may_be_complete(const char* first, std::size_t window) {
  // A head arriving in many small reads would be parsed again and again: parse only once its
  // end is there. The first CRLFCRLF ends it, since no field line holds a CR.
  const std::size_t from = std::min(window, head_scanned_ >= 3 ? head_scanned_ - 3 : 0);
  return std::string_view(first + from, window - from).find("\r\n\r\n") != std::string_view::npos;
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
