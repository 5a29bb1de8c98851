#include "config/env_substitution.hpp"

#include <fmt/format.h>

#include <cstdlib>

#include "config/names.hpp"

namespace rampart::config {

namespace {

bool is_comment_line(std::string_view text, std::size_t line_start) {
  auto first = text.find_first_not_of(" \t", line_start);
  return first != std::string_view::npos && text[first] == '#';
}

// Walks the text once, copying it to `out_` and replacing references.
class Substituter {
 public:
  Substituter(std::string_view text, const EnvLookup& lookup) : text_(text), lookup_(lookup) {}

  SubstitutedText run() {
    while (pos_ < text_.size()) {
      if ((pos_ == 0 || text_[pos_ - 1] == '\n') && is_comment_line(text_, pos_)) {
        copy_rest_of_line();
      } else if (text_.substr(pos_, 3) == "$${") {
        replace(3, "${");
      } else if (text_.substr(pos_, 2) == "${") {
        reference();
      } else {
        out_.text += text_[pos_++];
      }
    }
    return std::move(out_);
  }

 private:
  void copy_rest_of_line() {
    auto end = text_.find('\n', pos_);
    end = end == std::string_view::npos ? text_.size() : end + 1;
    out_.text.append(text_.substr(pos_, end - pos_));
    pos_ = end;
  }

  // Replaces `length` bytes at pos_ by `value`, remembering the splice for positions.
  void replace(std::size_t length, std::string_view value) {
    out_.splices.push_back({pos_, length, out_.text.size(), value.size()});
    out_.text.append(value);
    pos_ += length;
  }

  void reference() {
    auto close = text_.find_first_of("}\n", pos_ + 2);
    if (close == std::string_view::npos || text_[close] != '}') {
      out_.errors.push_back({pos_, out_.text.size(),
                             "unterminated \"${\": expected ${NAME} (write $${ for a "
                             "literal \"${\")"});
      copy_rest_of_line();
      return;
    }
    auto name = text_.substr(pos_ + 2, close - pos_ - 2);
    auto length = close + 1 - pos_;
    if (!is_identifier(name)) {
      out_.errors.push_back(
          {pos_, out_.text.size(),
           fmt::format("\"${{{}}}\" is not a valid reference: expected ${{NAME}} with NAME "
                       "made of letters, digits and _ (no defaults or other forms)",
                       name)});
      replace(length, "");
      return;
    }
    auto value = lookup_(std::string(name));
    if (!value) {
      out_.errors.push_back(
          {pos_, out_.text.size(),
           fmt::format("environment variable {} is not set (referenced as ${{{}}})", name, name)});
      replace(length, "");
      return;
    }
    replace(length, *value);
  }

  std::string_view text_;
  const EnvLookup& lookup_;
  std::size_t pos_ = 0;
  SubstitutedText out_;
};

}  // namespace

SubstitutedText substitute_env(std::string_view text, const EnvLookup& lookup) {
  return Substituter(text, lookup).run();
}

std::optional<std::string> process_env(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) {
    return std::nullopt;
  }
  return std::string(value);
}

}  // namespace rampart::config
