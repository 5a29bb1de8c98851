#include "net/response_parser.hpp"

#include <algorithm>
#include <cstring>

#include "net/http1_syntax.hpp"

namespace rampart::net {

using boost::system::error_code;
using gateway::field;

using namespace http1;

namespace {

// A partial chunk-size or trailer line waits in the caller's buffer for its end. Bounded well
// under the buffer's capacity, or an upstream could fill the buffer and stall the relay.
constexpr std::size_t kMaxChunkLineBytes = 4 * 1024;
constexpr std::size_t kMaxTrailerBytes = 16 * 1024;

}  // namespace

std::size_t ResponseParser::put(boost::asio::const_buffer buffer, error_code& ec) {
  ec = {};
  if (state_ == State::done) {
    ec = http::error::stale_parser;
    return 0;
  }
  const char* const first = static_cast<const char*>(buffer.data());
  const char* p = first;
  if (state_ == State::head) {
    p += parse_head(first, buffer.size(), ec);
    if (ec || state_ == State::done || !eager_) {
      return p - first;
    }
  }
  return parse_body(p, first + buffer.size(), ec) - first;
}

void ResponseParser::put_eof(error_code& ec) {
  ec = {};
  if (state_ == State::body_to_eof) {
    state_ = State::done;
  } else if (state_ != State::done) {
    ec = http::error::partial_message;
  }
}

bool ResponseParser::keep_alive() const {
  const auto& facts = head_facts_;
  if (need_eof_ || (!facts.http11 && facts.transfer_encoding)) {
    // RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 is faulty framing; close after it.
    return false;
  }
  // RFC 9112 §9.3: close wins, even over an HTTP/1.0 keep-alive (Beast lets keep-alive win).
  return !facts.connection_close && (facts.http11 || facts.connection_keep_alive);
}

boost::optional<std::uint64_t> ResponseParser::content_length() const {
  if (!head_facts_.has_content_length) {
    return boost::none;
  }
  return head_facts_.content_length;
}

std::size_t ResponseParser::parse_head(const char* first, std::size_t size, error_code& ec) {
  // The head must end within the header limit: no need to look further.
  const std::size_t window = std::min<std::size_t>(size, header_limit_);
  const char* const last = first + window;
  auto& fields = head_.headers.fields();
  const std::size_t first_field = fields.size();
  if (head_scanned_ == 0 || head_may_be_complete(first, window)) {
    head_facts_ = {};
    StatusLine status_line;
    const char* p = parse_status_line(first, last, status_line, ec);
    head_.status = status_line.status;
    head_.reason = status_line.reason;
    head_facts_.http11 = status_line.http11;
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
          on_framing_field(line.id, line.value, ec);
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

void ResponseParser::on_framing_field(field id, std::string_view value, error_code& ec) {
  auto& facts = head_facts_;
  switch (id) {
    case field::connection:
    case field::proxy_connection:
      if (iequals(value, "keep-alive")) {  // the usual value, without the list walk
        facts.connection_keep_alive = true;
        break;
      }
      for_each_element(value, [&](std::string_view option) {
        if (iequals(option, "close")) {
          facts.connection_close = true;
        } else if (iequals(option, "keep-alive")) {
          facts.connection_keep_alive = true;
        } else if (!option.empty() && !is_token(option)) {
          ec = http::error::bad_value;
        }
        return !ec;
      });
      break;
    case field::content_length:
      if (!facts.has_content_length && parse_decimal(value, facts.content_length)) {
        facts.has_content_length = true;  // the usual value, without the list walk
        break;
      }
      // Repeats of one value are tolerated (RFC 9110 §8.6); anything else is refused.
      for_each_element(value, [&](std::string_view digits) {
        std::uint64_t length = 0;
        if (!parse_decimal(digits, length)) {
          ec = http::error::bad_content_length;
        } else if (facts.has_content_length && length != facts.content_length) {
          ec = http::error::multiple_content_length;
        }
        facts.has_content_length = true;
        facts.content_length = length;
        return !ec;
      });
      break;
    case field::transfer_encoding: {
      // The last coding decides (RFC 9112 §6.3): chunked, or the body runs to the close.
      // Refused: a coding after chunked (or chunked twice), in this field or a later one, and
      // codings with parameters or that aren't tokens. Beast reads some of those to the close
      // and some as chunked; a guess either way desynchronizes someone.
      bool any = false;
      for_each_element(value, [&](std::string_view coding) {
        if (coding.empty()) {
          return true;
        }
        if (facts.chunked || !is_token(coding)) {
          ec = http::error::bad_transfer_encoding;
        }
        any = true;
        facts.chunked = iequals(coding, "chunked");
        return !ec;
      });
      if (!any) {
        ec = http::error::bad_transfer_encoding;
      }
      facts.transfer_encoding = true;
      break;
    }
    default:
      break;
  }
}

void ResponseParser::finish_head(error_code& ec) {
  const auto& facts = head_facts_;
  if (facts.transfer_encoding && facts.has_content_length) {
    // RFC 9112 §6.3 lets Transfer-Encoding win, but a peer that sends both is either broken
    // or trying to desynchronize someone: refused whatever the order (Beast takes some orders).
    ec = http::error::bad_transfer_encoding;
    return;
  }
  const int status = head_.status;
  if (skip_body_ || status / 100 == 1 || status == 204 || status == 304) {
    state_ = State::done;  // RFC 9112 §6.3: no body, whatever Content-Length says
  } else if (facts.chunked) {
    state_ = State::chunk_size;
  } else if (facts.has_content_length) {
    if (facts.content_length > body_left_) {
      ec = http::error::body_limit;
      return;
    }
    remaining_ = facts.content_length;
    state_ = remaining_ == 0 ? State::done : State::body;
  } else {
    need_eof_ = true;
    state_ = State::body_to_eof;
  }
}

const char* ResponseParser::parse_body(const char* p, const char* last, error_code& ec) {
  for (;;) {
    switch (state_) {
      case State::body:
      case State::chunk_data: {
        auto n = static_cast<std::size_t>(
            std::min<std::uint64_t>(remaining_, static_cast<std::size_t>(last - p)));
        add_piece(p, n);
        p += n;
        remaining_ -= n;
        if (remaining_ > 0) {
          return p;
        }
        state_ = state_ == State::body ? State::done : State::chunk_data_cr;
        break;
      }
      case State::body_to_eof: {
        auto n = static_cast<std::size_t>(last - p);
        if (n > body_left_) {
          ec = http::error::body_limit;
          return p;
        }
        body_left_ -= n;
        add_piece(p, n);
        return last;
      }
      case State::chunk_data_cr:
      case State::chunk_data_lf: {
        if (p == last) {
          return p;
        }
        const bool cr = state_ == State::chunk_data_cr;
        if (*p != (cr ? '\r' : '\n')) {
          ec = http::error::bad_chunk;
          return p;
        }
        ++p;
        state_ = cr ? State::chunk_data_lf : State::chunk_size;
        break;
      }
      case State::chunk_size:
      case State::trailer: {
        const char* next = state_ == State::chunk_size ? parse_chunk_size(p, last, ec)
                                                       : parse_trailer(p, last, ec);
        if (next == nullptr) {
          return p;
        }
        p = next;
        break;
      }
      case State::head:
      case State::done:
        return p;
    }
  }
}

const char* ResponseParser::parse_chunk_size(const char* p, const char* last, error_code& ec) {
  // chunk-size [ chunk-ext ] CRLF (RFC 9112 §7.1), taken whole or not at all.
  const char* const line_last = p + std::min<std::size_t>(last - p, kMaxChunkLineBytes);
  const char* q = p;
  std::uint64_t size = 0;
  for (int digit; q < line_last && (digit = hex_value(*q)) >= 0; ++q) {
    if (size >> 60 != 0) {
      ec = http::error::bad_chunk;  // more than 64 bits
      return nullptr;
    }
    size = size << 4 | static_cast<unsigned>(digit);
  }
  if (q == p && q < line_last) {
    ec = http::error::bad_chunk;
    return nullptr;
  }
  const auto* lf = static_cast<const char*>(std::memchr(q, '\n', line_last - q));
  if (lf == nullptr) {
    ec = line_last - p == kMaxChunkLineBytes ? http::error::bad_chunk : http::error::need_more;
    return nullptr;
  }
  if (lf == q || lf[-1] != '\r') {
    ec = http::error::bad_line_ending;
    return nullptr;
  }
  if (!valid_chunk_extensions(q, lf - 1)) {
    ec = http::error::bad_chunk_extension;
    return nullptr;
  }
  if (size > 0) {
    if (size > body_left_) {
      ec = http::error::body_limit;
      return nullptr;
    }
    body_left_ -= size;
    remaining_ = size;
    state_ = State::chunk_data;
  } else {
    state_ = State::trailer;
  }
  return lf + 1;
}

const char* ResponseParser::parse_trailer(const char* p, const char* last, error_code& ec) {
  // Trailer fields are checked like the head's but not recorded: the head has gone by now.
  const std::size_t budget =
      std::min<std::size_t>(header_limit_, kMaxTrailerBytes) - trailer_bytes_;
  const char* const line_last = p + std::min<std::size_t>(last - p, budget);
  const char* next = nullptr;
  if (p == line_last || *p == '\r' || *p == '\n') {
    next = end_of_line(p, line_last, http::error::bad_field, ec);
    if (next != nullptr) {
      state_ = State::done;
    }
  } else {
    FieldLine line;
    next = parse_field_line(p, line_last, line, ec);
  }
  if (next == nullptr && ec == http::error::need_more &&
      static_cast<std::size_t>(line_last - p) == budget) {
    ec = http::error::header_limit;
  }
  if (next != nullptr) {
    trailer_bytes_ += next - p;
  }
  return next;
}

}  // namespace rampart::net
