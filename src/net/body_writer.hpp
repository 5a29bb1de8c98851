#pragma once
// Body bytes as rampart sends them, to either side: decoded pieces gathered into one run, and
// rampart's own chunk framing around them (never a peer's chunk extensions or trailers).

#include <array>
#include <cstring>
#include <string_view>
#include <vector>

#include "net/asio.hpp"
#include "net/head_writer.hpp"

namespace rampart::net {

/// Moves decoded pieces, which lie in order within [base, ...), down to one run at `base`,
/// and returns its length. A piece never moves up, so no byte is overwritten before it moved.
inline std::size_t gather_in_place(char* base, const std::vector<std::string_view>& pieces) {
  std::size_t n = 0;
  for (auto piece : pieces) {
    if (piece.data() != base + n) {
      std::memmove(base + n, piece.data(), piece.size());
    }
    n += piece.size();
  }
  return n;
}

/// Adds `body` to `gather` for a message framed as `chunked` or not: in a chunk of its own
/// (the size line written into `size_line`), and with the last chunk when `last`.
inline void gather_body_piece(std::vector<asio::const_buffer>& gather, std::string_view body,
                              bool chunked, bool last, std::array<char, 24>& size_line) {
  static constexpr std::string_view kChunkEnd = "\r\n";
  static constexpr std::string_view kLastChunk = "0\r\n\r\n";
  if (!body.empty()) {
    if (chunked) {
      gather.push_back(
          asio::buffer(size_line.data(), write_chunk_size(size_line.data(), body.size())));
    }
    gather.push_back(asio::buffer(body.data(), body.size()));
    if (chunked) {
      gather.push_back(asio::buffer(kChunkEnd));
    }
  }
  if (chunked && last) {
    gather.push_back(asio::buffer(kLastChunk));
  }
}

}  // namespace rampart::net
