#include "policies/body/json_check.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <cmath>
#include <cstring>

namespace rampart::policies {

namespace {

/// A basic_parser handler that keeps nothing: it only refuses NUL and over-long strings.
class Checker {
 public:
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = kMaxJsonStringBytes;
  static constexpr std::size_t max_string_size = kMaxJsonStringBytes;

  std::string_view refusal;

  bool on_document_begin(boost::json::error_code&) { return true; }
  bool on_document_end(boost::json::error_code&) { return true; }
  bool on_object_begin(boost::json::error_code&) { return true; }
  bool on_object_end(std::size_t, boost::json::error_code&) { return true; }
  bool on_array_begin(boost::json::error_code&) { return true; }
  bool on_array_end(std::size_t, boost::json::error_code&) { return true; }
  bool on_key_part(boost::json::string_view s, std::size_t, boost::json::error_code& ec) {
    return no_nul(s, ec);
  }
  bool on_key(boost::json::string_view s, std::size_t, boost::json::error_code& ec) {
    return no_nul(s, ec);
  }
  bool on_string_part(boost::json::string_view s, std::size_t, boost::json::error_code& ec) {
    return no_nul(s, ec);
  }
  bool on_string(boost::json::string_view s, std::size_t, boost::json::error_code& ec) {
    return no_nul(s, ec);
  }
  bool on_number_part(boost::json::string_view, boost::json::error_code&) { return true; }
  bool on_int64(std::int64_t, boost::json::string_view, boost::json::error_code&) { return true; }
  bool on_uint64(std::uint64_t, boost::json::string_view, boost::json::error_code&) { return true; }
  bool on_double(double d, boost::json::string_view, boost::json::error_code& ec) {
    // 1e99999 parses as infinity: a number no backend reads the same way twice.
    if (!std::isfinite(d)) {
      refusal = "too_long";
      ec = boost::json::error::exponent_overflow;
      return false;
    }
    return true;
  }
  bool on_bool(bool, boost::json::error_code&) { return true; }
  bool on_null(boost::json::error_code&) { return true; }
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

JsonProblem check_json(std::string_view body) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return {"empty", 0};
  }
  boost::json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  boost::json::basic_parser<Checker> parser(options);
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
