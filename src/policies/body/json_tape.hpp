#pragma once
// A JSON document as one flat array of nodes, in document order, written by the
// well-formedness check as it reads the body (json_check.cpp): the schema program walks it
// without a tree of allocated values. A container's node says how many children it has and
// where its subtree ends, so a walker skips a member in one step. An object's children are
// key, value, key, value, ... (the key a string node).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rampart::policies {

enum class JsonKind : std::uint8_t { null, boolean, int64, uint64, real, string, array, object };

/// One value of the document (16 bytes).
struct TapeNode {
  JsonKind kind = JsonKind::null;
  bool flag = false;       ///< a boolean's value
  std::uint32_t size = 0;  ///< a string's bytes, or a container's children (members for objects)
  union {
    std::int64_t int64;
    std::uint64_t uint64;
    double real;
    std::uint64_t text_at;  ///< a string's first byte: in JsonTape::source with kInSource set,
                            ///< else in JsonTape::text
    std::uint64_t end;      ///< a container's: the index after its last descendant
  };
  TapeNode() : int64(0) {}
};

/// A parsed document; kept by a worker and refilled for each body, so its vectors keep their
/// capacity (up to kKeptTapeBytes).
struct JsonTape {
  /// Set in a string's text_at when its bytes are the body's own (no escape): most strings of
  /// a JSON API are, and are then neither copied nor scanned for NUL (a raw control character
  /// is not valid JSON, so only an escape can make one).
  static constexpr std::uint64_t kInSource = std::uint64_t{1} << 63;

  std::vector<TapeNode> nodes;
  std::string text;         ///< the strings and keys that had escapes, unescaped, back to back
  std::string_view source;  ///< the body the tape was read from; it must outlive the tape's use

  void clear();
  /// Gives back the memory a very large body made it take, once it is done with.
  void trim();

  std::string_view string(std::uint32_t at) const {
    const TapeNode& n = nodes[at];
    if ((n.text_at & kInSource) != 0) {
      return {source.data() + (n.text_at & ~kInSource), n.size};
    }
    return {text.data() + n.text_at, n.size};
  }
  /// The index after the node at `at` and its descendants.
  std::uint32_t next(std::uint32_t at) const {
    const TapeNode& n = nodes[at];
    return (n.kind == JsonKind::array || n.kind == JsonKind::object)
               ? static_cast<std::uint32_t>(n.end)
               : at + 1;
  }
};

/// Beyond this, a tape's buffers are freed after use: one 10 MiB body must not pin its nodes
/// in every worker for good.
inline constexpr std::size_t kKeptTapeBytes = 1024 * 1024;

}  // namespace rampart::policies
