#pragma once
// Positions in the file as the user wrote it. ${VAR} substitution changes the text before YAML
// sees it, so yaml-cpp's marks are offsets into the substituted text; SourceMap turns them back
// into the line and column of the original file.

#include <cstddef>
#include <string>
#include <vector>

namespace rampart::config {

/// One replaced span: `input_length` bytes of the original became `output_length` bytes.
struct Splice {
  std::size_t input_offset = 0;
  std::size_t input_length = 0;
  std::size_t output_offset = 0;
  std::size_t output_length = 0;
};

/// 1-based line and column (in characters); line 0 means "no position".
struct SourcePosition {
  int line = 0;
  int column = 0;
};

/// Maps offsets of the substituted text back to positions in the original text.
class SourceMap {
 public:
  SourceMap() = default;
  /// `splices` in increasing offset order, as substitute_env() makes them.
  SourceMap(std::string original, std::vector<Splice> splices);

  SourcePosition at_input(std::size_t input_offset) const;
  /// A position inside a substituted value maps to the start of its `${`.
  SourcePosition at_output(std::size_t output_offset) const;

 private:
  std::string original_;
  std::vector<std::size_t> line_starts_;
  std::vector<Splice> splices_;
};

}  // namespace rampart::config
