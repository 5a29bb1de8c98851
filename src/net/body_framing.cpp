#include "net/body_framing.hpp"

#include <algorithm>
#include <cstring>

#include "net/http1_syntax.hpp"

namespace rampart::net {

namespace bhttp = boost::beast::http;
using bhttp::field;
using boost::system::error_code;

using namespace http1;

namespace {

// A partial chunk-size or trailer line waits in the caller's buffer for its end. Bounded well
// under the buffer's capacity, or a peer could fill the buffer and stall the relay.
constexpr std::size_t kMaxChunkLineBytes = 4 * 1024;
constexpr std::size_t kMaxTrailerBytes = 16 * 1024;

}  // namespace

void FramingFields::on_field(field id, std::string_view value, error_code& ec) {
  switch (id) {
    case field::connection:
    case field::proxy_connection:
      if (iequals(value, "keep-alive")) {  // the usual value, without the list walk
        connection_keep_alive = true;
        break;
      }
      for_each_element(value, [&](std::string_view option) {
        if (iequals(option, "close")) {
          connection_close = true;
        } else if (iequals(option, "keep-alive")) {
          connection_keep_alive = true;
        } else if (!option.empty() && !is_token(option)) {
          ec = bhttp::error::bad_value;
        } else if (is_protected_field(option)) {
          connection_names_protected = true;
        }
        return !ec;
      });
      break;
    case field::content_length:
      if (!has_content_length && parse_decimal(value, content_length)) {
        has_content_length = true;  // the usual value, without the list walk
        break;
      }
      // Repeats of one value are tolerated (RFC 9110 §8.6); anything else is refused.
      for_each_element(value, [&](std::string_view digits) {
        std::uint64_t length = 0;
        if (!parse_decimal(digits, length)) {
          ec = bhttp::error::bad_content_length;
        } else if (has_content_length && length != content_length) {
          ec = bhttp::error::multiple_content_length;
        }
        has_content_length = true;
        content_length = length;
        return !ec;
      });
      break;
    case field::transfer_encoding: {
      // The last coding decides (RFC 9112 §6.3). Refused: a coding after chunked (or chunked
      // twice), in this field or a later one, and codings with parameters or that aren't
      // tokens. Beast reads some of those to the close and some as chunked; a guess either
      // way desynchronizes someone.
      bool any = false;
      for_each_element(value, [&](std::string_view coding) {
        if (coding.empty()) {
          return true;
        }
        if (chunked || !is_token(coding)) {
          ec = bhttp::error::bad_transfer_encoding;
        }
        any = true;
        chunked = iequals(coding, "chunked");
        return !ec;
      });
      if (!any) {
        ec = bhttp::error::bad_transfer_encoding;
      }
      transfer_encoding = true;
      break;
    }
    default:
      break;
  }
}

bool is_protected_field(std::string_view name) {
  constexpr std::string_view kRampartPrefix = "x-rampart-";
  if (name.size() > kRampartPrefix.size() &&
      iequals(name.substr(0, kRampartPrefix.size()), kRampartPrefix)) {
    return true;
  }
  return iequals(name, "content-length") || iequals(name, "transfer-encoding") ||
         iequals(name, "host") || iequals(name, "x-forwarded-for") ||
         iequals(name, "x-forwarded-proto") || iequals(name, "x-request-id") ||
         iequals(name, "traceparent") || iequals(name, "authorization") ||
         iequals(name, "x-api-key");
}

void FramingFields::check(error_code& ec) const {
  if (transfer_encoding && has_content_length) {
    // RFC 9112 §6.3 lets Transfer-Encoding win, but a peer that sends both is either broken
    // or trying to desynchronize someone: refused whatever the order (Beast takes some orders).
    ec = bhttp::error::bad_transfer_encoding;
  }
}

void BodyFraming::start_length(std::uint64_t bytes, error_code& ec) {
  if (bytes > body_left_) {
    ec = bhttp::error::body_limit;
    return;
  }
  remaining_ = bytes;
  state_ = bytes == 0 ? State::done : State::body;
}

void BodyFraming::eof(error_code& ec) {
  if (state_ == State::body_to_eof) {
    state_ = State::done;
  } else if (state_ != State::done) {
    ec = bhttp::error::partial_message;
  }
}

const char* BodyFraming::parse(const char* p, const char* last, error_code& ec) {
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
          ec = bhttp::error::body_limit;
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
          ec = bhttp::error::bad_chunk;
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
      case State::not_started:
      case State::done:
        return p;
    }
  }
}

const char* BodyFraming::parse_chunk_size(const char* p, const char* last, error_code& ec) {
  // chunk-size [ chunk-ext ] CRLF (RFC 9112 §7.1), taken whole or not at all.
  const char* const line_last = p + std::min<std::size_t>(last - p, kMaxChunkLineBytes);
  const char* q = p;
  std::uint64_t size = 0;
  for (int digit; q < line_last && (digit = hex_value(*q)) >= 0; ++q) {
    if (size >> 60 != 0) {
      ec = bhttp::error::bad_chunk;  // more than 64 bits
      return nullptr;
    }
    size = size << 4 | static_cast<unsigned>(digit);
  }
  if (q == p && q < line_last) {
    ec = bhttp::error::bad_chunk;
    return nullptr;
  }
  const auto* lf = static_cast<const char*>(std::memchr(q, '\n', line_last - q));
  if (lf == nullptr) {
    ec = line_last - p == kMaxChunkLineBytes ? bhttp::error::bad_chunk : bhttp::error::need_more;
    return nullptr;
  }
  if (lf == q || lf[-1] != '\r') {
    ec = bhttp::error::bad_line_ending;
    return nullptr;
  }
  if (!valid_chunk_extensions(q, lf - 1)) {
    ec = bhttp::error::bad_chunk_extension;
    return nullptr;
  }
  if (size > 0) {
    if (size > body_left_) {
      ec = bhttp::error::body_limit;
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

const char* BodyFraming::parse_trailer(const char* p, const char* last, error_code& ec) {
  // Trailer fields are checked like the head's but not recorded: the head has gone by now.
  const std::size_t budget = std::min(trailer_limit_, kMaxTrailerBytes) - trailer_bytes_;
  const char* const line_last = p + std::min<std::size_t>(last - p, budget);
  const char* next = nullptr;
  if (p == line_last || *p == '\r' || *p == '\n') {
    next = end_of_line(p, line_last, bhttp::error::bad_field, ec);
    if (next != nullptr) {
      state_ = State::done;
    }
  } else {
    FieldLine line;
    next = parse_field_line(p, line_last, line, ec);
  }
  if (next == nullptr && ec == bhttp::error::need_more &&
      static_cast<std::size_t>(line_last - p) == budget) {
    ec = bhttp::error::header_limit;
  }
  if (next != nullptr) {
    trailer_bytes_ += next - p;
  }
  return next;
}

}  // namespace rampart::net
