#include "http/path_check.hpp"

#include <algorithm>
#include <array>
#include <cstddef>

namespace rampart::http {

namespace {

constexpr std::array<bool, 256> kMaybeUnsafe = [] {
  std::array<bool, 256> table{};
  table['.'] = table['%'] = table['\\'] = true;
  return table;
}();

/// The length of the separator at `i` ("/", "\", "%2F", "%5C"), or 0.
std::size_t separator_at(std::string_view path, std::size_t i) {
  if (path[i] == '/' || path[i] == '\\') {
    return 1;
  }
  if (path[i] == '%' && path.size() - i >= 3 &&
      ((path[i + 1] == '2' && (path[i + 2] | 0x20) == 'f') ||
       (path[i + 1] == '5' && (path[i + 2] | 0x20) == 'c'))) {
    return 3;
  }
  return 0;
}

/// "." or "..", with each dot also as %2E, once a ";params" part (";" or %3B) is cut off.
bool is_dot_segment(std::string_view segment) {
  int dots = 0;
  for (std::size_t i = 0; i < segment.size();) {
    if (segment[i] == ';') {
      break;
    }
    if (segment[i] == '.') {
      ++dots;
      ++i;
    } else if (segment[i] == '%' && segment.size() - i >= 3 && segment[i + 1] == '2' &&
               (segment[i + 2] | 0x20) == 'e') {
      ++dots;
      i += 3;
    } else if (segment[i] == '%' && segment.size() - i >= 3 && segment[i + 1] == '3' &&
               (segment[i + 2] | 0x20) == 'b') {
      break;
    } else {
      return false;
    }
  }
  return dots == 1 || dots == 2;
}

}  // namespace

bool is_safe_path(std::string_view path, bool allow_encoded_slashes) {
  if (std::none_of(path.begin(), path.end(),
                   [](char c) { return kMaybeUnsafe[static_cast<unsigned char>(c)]; })) {
    return true;  // the usual path: nothing to decode, no dot to resolve
  }
  std::size_t segment_start = 0;
  for (std::size_t i = 0; i <= path.size();) {
    std::size_t separator = i == path.size() ? 1 : separator_at(path, i);
    if (separator == 0) {
      if (path[i] == '%' && path.size() - i >= 3 && path[i + 1] == '0' && path[i + 2] == '0') {
        return false;  // %00 ends a C string early in many backends
      }
      ++i;
      continue;
    }
    if (i < path.size() && (path[i] == '\\' || (separator == 3 && !allow_encoded_slashes))) {
      return false;
    }
    if (is_dot_segment(path.substr(segment_start, i - segment_start))) {
      return false;
    }
    i += separator;
    segment_start = i;
  }
  return true;
}

}  // namespace rampart::http
