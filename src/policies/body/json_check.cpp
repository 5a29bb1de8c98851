#include "policies/body/json_check.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <cmath>
#include <cstring>

namespace rampart::policies {

namespace {

/// A basic_parser handler that refuses NUL and over-long strings and, given a tape, writes the
/// document into it (json_tape.hpp) as it goes.
class Checker {
 public:
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = kMaxJsonStringBytes;
  static constexpr std::size_t max_string_size = kMaxJsonStringBytes;

  Checker(JsonTape* tape, std::string_view body) : tape_(tape), body_(body) {}

  std::string_view refusal;

  bool on_document_begin(boost::json::error_code&) { return true; }
  bool on_document_end(boost::json::error_code&) { return true; }
  bool on_object_begin(boost::json::error_code&) { return open(JsonKind::object); }
  bool on_object_end(std::size_t n, boost::json::error_code&) { return close(n); }
  bool on_array_begin(boost::json::error_code&) { return open(JsonKind::array); }
  bool on_array_end(std::size_t n, boost::json::error_code&) { return close(n); }
  bool on_key_part(boost::json::string_view s, std::size_t, boost::json::error_code& ec) {
    return no_nul(s, ec) && part(s);
  }
  bool on_key(boost::json::string_view s, std::size_t, boost::json::error_code& ec) {
    return whole(s, ec);
  }
  bool on_string_part(boost::json::string_view s, std::size_t, boost::json::error_code& ec) {
    return no_nul(s, ec) && part(s);
  }
  bool on_string(boost::json::string_view s, std::size_t, boost::json::error_code& ec) {
    return whole(s, ec);
  }
  bool on_number_part(boost::json::string_view, boost::json::error_code&) { return true; }
  bool on_int64(std::int64_t i, boost::json::string_view, boost::json::error_code&) {
    if (tape_ != nullptr) {
      add(JsonKind::int64).int64 = i;
    }
    return true;
  }
  bool on_uint64(std::uint64_t u, boost::json::string_view, boost::json::error_code&) {
    if (tape_ != nullptr) {
      add(JsonKind::uint64).uint64 = u;
    }
    return true;
  }
  bool on_double(double d, boost::json::string_view, boost::json::error_code& ec) {
    // 1e99999 parses as infinity: a number no backend reads the same way twice.
    if (!std::isfinite(d)) {
      refusal = "too_long";
      ec = boost::json::error::exponent_overflow;
      return false;
    }
    if (tape_ != nullptr) {
      add(JsonKind::real).real = d;
    }
    return true;
  }
  bool on_bool(bool b, boost::json::error_code&) {
    if (tape_ != nullptr) {
      add(JsonKind::boolean).flag = b;
    }
    return true;
  }
  bool on_null(boost::json::error_code&) {
    if (tape_ != nullptr) {
      add(JsonKind::null);
    }
    return true;
  }
  bool on_comment_part(boost::json::string_view, boost::json::error_code&) { return true; }
  bool on_comment(boost::json::string_view, boost::json::error_code&) { return true; }

 private:
  // A NUL is valid JSON ("\u0000") but a C string in a backend ends there: what it checks
  // and what it stores would differ.
  bool no_nul(boost::json::string_view s, boost::json::error_code& ec) {
    if (std::memchr(s.data(), '\0', s.size()) != nullptr) {
      refusal = "nul";
      ec = boost::json::error::syntax;
      return false;
    }
    return true;
  }

  TapeNode& add(JsonKind kind) {
    auto& node = tape_->nodes.emplace_back();
    node.kind = kind;
    return node;
  }

  bool open(JsonKind kind) {
    if (tape_ != nullptr) {
      // The parser refuses depth past kMaxJsonDepth before this could overflow.
      open_[depth_++] = static_cast<std::uint32_t>(tape_->nodes.size());
      add(kind);
    }
    return true;
  }

  bool close(std::size_t children) {
    if (tape_ != nullptr) {
      auto& node = tape_->nodes[open_[--depth_]];
      node.size = static_cast<std::uint32_t>(children);
      node.end = tape_->nodes.size();
    }
    return true;
  }

  // A string may come in parts (escapes, or a long one): the parts are joined in the text.
  bool part(boost::json::string_view s) {
    if (tape_ != nullptr) {
      if (!in_string_) {
        in_string_ = true;
        string_at_ = tape_->text.size();
      }
      tape_->text.append(s.data(), s.size());
    }
    return true;
  }

  /// The string's last part (or all of it). A string that is the body's own bytes (no escape,
  /// one part) holds no NUL: the parser refuses raw control characters.
  bool whole(boost::json::string_view s, boost::json::error_code& ec) {
    const bool in_body = !in_string_ && s.data() >= body_.data() &&
                         s.data() + s.size() <= body_.data() + body_.size();
    if (!in_body && !no_nul(s, ec)) {
      return false;
    }
    if (tape_ != nullptr) {
      if (in_body) {
        auto& node = add(JsonKind::string);
        node.text_at = JsonTape::kInSource | static_cast<std::uint64_t>(s.data() - body_.data());
        node.size = static_cast<std::uint32_t>(s.size());
        return true;
      }
      if (!in_string_) {
        string_at_ = tape_->text.size();
      }
      in_string_ = false;
      tape_->text.append(s.data(), s.size());
      auto& node = add(JsonKind::string);
      node.text_at = string_at_;
      node.size = static_cast<std::uint32_t>(tape_->text.size() - string_at_);
    }
    return true;
  }

  JsonTape* tape_;
  std::string_view body_;
  std::uint32_t open_[kMaxJsonDepth + 1] = {};
  std::size_t depth_ = 0;
  std::size_t string_at_ = 0;
  bool in_string_ = false;
};

std::string_view reason_of(const boost::json::error_code& ec) {
  using boost::json::error;
  if (ec == error::too_deep) {
    return "too_deep";
  }
  if (ec == error::incomplete) {
    return "incomplete";
  }
  if (ec == error::extra_data) {
    return "extra_data";
  }
  if (ec == error::key_too_large || ec == error::string_too_large ||
      ec == error::exponent_overflow) {
    return "too_long";
  }
  return "syntax";
}

}  // namespace

JsonProblem check_json(std::string_view body, JsonTape* tape) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return {"empty", 0};
  }
  boost::json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  if (tape != nullptr) {
    tape->clear();
    tape->source = body;
  }
  boost::json::basic_parser<Checker> parser(options, tape, body);
  boost::json::error_code ec;
  const std::size_t consumed = parser.write_some(false, body.data(), body.size(), ec);
  if (!ec) {
    // write_some stops after the one value: anything but whitespace after it is a second.
    const auto rest = body.find_first_not_of(" \t\r\n", consumed);
    return rest == std::string_view::npos ? JsonProblem{} : JsonProblem{"extra_data", rest};
  }
  if (!parser.handler().refusal.empty()) {
    return {parser.handler().refusal, consumed};
  }
  // Boost.JSON reports invalid UTF-8 as a syntax error: tell them apart for the operator.
  if (ec == boost::json::error::syntax && consumed < body.size() &&
      static_cast<unsigned char>(body[consumed]) >= 0x80) {
    return {"utf8", consumed};
  }
  return {reason_of(ec), consumed};
}

}  // namespace rampart::policies

namespace rampart::policies {

void JsonTape::clear() {
  nodes.clear();
  text.clear();
  source = {};
}

void JsonTape::trim() {
  if (nodes.capacity() * sizeof(TapeNode) + text.capacity() > kKeptTapeBytes) {
    std::vector<TapeNode>().swap(nodes);
    std::string().swap(text);
  }
}

}  // namespace rampart::policies
