#include "policies/body/json_fast.hpp"

#include <cstring>

#include "policies/body/json_check.hpp"

namespace rampart::policies {

// simdjson's buffers take ~14 bytes per input byte (structural indexes, tape, strings), and a
// worker keeps them per json route: grown to the largest body seen, they would reach ~15 MiB
// per route per worker after one 1 MiB body. Larger bodies go to check_json instead, which
// runs at ~1.3 GB/s itself and keeps nothing; this bounds the buffers at ~1 MiB.
constexpr std::size_t kMaxFastBytes = 64 * 1024;
static_assert(kMaxFastBytes <= kMaxJsonStringBytes,
              "a body that may hold a string over the limit must go to check_json");

namespace {

/// Whether the document holds a double equal to zero. A zero written with a large exponent
/// ("0e400", "-0.0E6108203") is 0 to simdjson, while check_json refuses every exponent past
/// 308, zero or not (found by the json_check fuzz target): such a body must go to
/// check_json. Plain zeros written as doubles ("0.0") go there too (slower, never wrong); an
/// integer 0 is no double. Depth is at most 64 (the parser's limit).
bool holds_zero_double(simdjson::dom::element element) {
  switch (element.type()) {
    case simdjson::dom::element_type::ARRAY:
      for (simdjson::dom::element item : simdjson::dom::array(element)) {
        if (holds_zero_double(item)) {
          return true;
        }
      }
      return false;
    case simdjson::dom::element_type::OBJECT:
      for (simdjson::dom::key_value_pair field : simdjson::dom::object(element)) {
        if (holds_zero_double(field.value)) {
          return true;
        }
      }
      return false;
    case simdjson::dom::element_type::DOUBLE:
      return double(element) == 0.0;
    default:
      return false;
  }
}

}  // namespace

FastJsonCheck::FastJsonCheck() : parser_(kMaxFastBytes) {}

bool FastJsonCheck::accepts(std::string_view body, std::size_t readable) {
  // (Past kMaxJsonStringBytes a body may also hold a string over 1 MiB, which simdjson
  // accepts: the bound above covers that too.)
  if (body.empty() || body.size() > kMaxFastBytes) {
    return false;
  }
  // simdjson accepts "\u0000"; a literal "\u0000" in the text is the only way to write a NUL
  // that is valid JSON (a raw NUL byte is a control character, which simdjson refuses). A
  // "\\u0000" (an escaped backslash) also lands here: check_json decides it, rarely.
  if (memmem(body.data(), body.size(), "\\u0000", 6) != nullptr) {
    return false;
  }
  if (parser_.capacity() < body.size() || parser_.max_depth() != kMaxJsonDepth) {
    // Grow to the body size (a power of two, so a stream of growing bodies grows log times).
    std::size_t capacity = 4096;
    while (capacity < body.size()) {
      capacity *= 2;
    }
    if (parser_.allocate(capacity, kMaxJsonDepth) != simdjson::SUCCESS) {
      return false;
    }
  }
  const char* data = body.data();
  if (readable < body.size() + simdjson::SIMDJSON_PADDING) {
    // simdjson's own copy (realloc_if_needed) allocates per call: reuse one buffer instead.
    if (padded_size_ < body.size() + simdjson::SIMDJSON_PADDING) {
      padded_size_ = parser_.capacity() + simdjson::SIMDJSON_PADDING;
      padded_ = std::make_unique<char[]>(padded_size_);
    }
    std::memcpy(padded_.get(), body.data(), body.size());
    data = padded_.get();
  }
  simdjson::dom::element root;
  if (parser_.parse(data, body.size(), false).get(root) != simdjson::SUCCESS) {
    return false;
  }
  return !holds_zero_double(root);
}

}  // namespace rampart::policies
