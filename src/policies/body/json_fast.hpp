#pragma once
// The fast path of `body.json: true`: simdjson (SIMD, several GB/s) decides the common case,
// a well-formed body, and everything it cannot decide by check_json's rules goes to
// check_json (json_check.hpp), which stays the authority and gives the refusal's reason and
// byte offset. So the fast path may only ever say "certainly well-formed" or "ask check_json".

#include <simdjson.h>

#include <cstddef>
#include <memory>
#include <string_view>

namespace rampart::policies {

/// Per worker (simdjson's parser keeps its buffers between documents): never shared.
class FastJsonCheck {
 public:
  FastJsonCheck();

  /// True when `body` is certainly one well-formed JSON value by check_json's rules; false
  /// when check_json must decide. `readable` is how many bytes may be read from body.data()
  /// (at least body.size()): with SIMDJSON_PADDING to spare the body is parsed in place,
  /// otherwise it is copied into the parser's own padded buffer.
  bool accepts(std::string_view body, std::size_t readable);

 private:
  simdjson::dom::parser parser_;
  std::unique_ptr<char[]> padded_;  ///< a copy of a body without padding to spare
  std::size_t padded_size_ = 0;
};

}  // namespace rampart::policies
