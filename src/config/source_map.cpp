#include "config/source_map.hpp"

#include <algorithm>
#include <utility>

namespace rampart::config {

SourceMap::SourceMap(std::string original, std::vector<Splice> splices)
    : original_(std::move(original)), splices_(std::move(splices)) {
  line_starts_.push_back(0);
  for (std::size_t i = 0; i < original_.size(); ++i) {
    if (original_[i] == '\n') {
      line_starts_.push_back(i + 1);
    }
  }
}

SourcePosition SourceMap::at_input(std::size_t input_offset) const {
  input_offset = std::min(input_offset, original_.size());
  auto next_line = std::upper_bound(line_starts_.begin(), line_starts_.end(), input_offset);
  auto line_start = *(next_line - 1);
  // Columns count characters, not bytes: skip UTF-8 continuation bytes.
  int column = 1;
  for (std::size_t i = line_start; i < input_offset; ++i) {
    if ((static_cast<unsigned char>(original_[i]) & 0xC0) != 0x80) {
      ++column;
    }
  }
  return {static_cast<int>(next_line - line_starts_.begin()), column};
}

SourcePosition SourceMap::at_output(std::size_t output_offset) const {
  auto after = std::upper_bound(
      splices_.begin(), splices_.end(), output_offset,
      [](std::size_t offset, const Splice& s) { return offset < s.output_offset; });
  if (after == splices_.begin()) {
    return at_input(output_offset);
  }
  const Splice& splice = *(after - 1);
  if (output_offset < splice.output_offset + splice.output_length) {
    return at_input(splice.input_offset);
  }
  auto past_splice = output_offset - (splice.output_offset + splice.output_length);
  return at_input(splice.input_offset + splice.input_length + past_splice);
}

}  // namespace rampart::config
