#pragma once
// A minimal appending JSON writer for log lines and problem bodies: no allocation beyond the
// caller's string, always valid JSON whatever bytes it is given.

#include <cstring>
#include <string>
#include <string_view>

namespace rampart::http {

/// Appends `text` as a JSON string body (without quotes). Control characters, quotes and
/// backslashes are escaped; bytes >= 0x80 are escaped as \u00XX so the output is valid JSON
/// even for invalid UTF-8.
void append_json_escaped(std::string& out, std::string_view text);
/// The same between double quotes.
void append_json_quoted(std::string& out, std::string_view text);
/// True when append_json_escaped would change `text`.
bool needs_json_escaping(std::string_view text);
/// Writes `value` with exactly three decimals at `out` and returns the end (at most 17
/// bytes), or returns null for a value it can't write that way (negative, huge, not finite).
char* put_thousandths(char* out, double value);

/// Writes one JSON object or array into a string. The caller keeps begin/end balanced.
class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  void begin_object() {
    separator();
    out_ += '{';
    first_ = true;
  }
  void begin_array() {
    separator();
    out_ += '[';
    first_ = true;
  }
  void end_array() {
    out_ += ']';
    first_ = false;
  }
  void end_object() {
    out_ += '}';
    first_ = false;
  }
  void key(std::string_view name) {
    // One append for separator, quotes and colon: keys are rampart's own identifiers.
    char buf[64];
    std::size_t n = 0;
    if (!first_) {
      buf[n++] = ',';
    }
    buf[n++] = '"';
    if (name.size() <= sizeof buf - 4) {
      std::memcpy(buf + n, name.data(), name.size());
      n += name.size();
      buf[n++] = '"';
      buf[n++] = ':';
      out_.append(buf, n);
    } else {
      out_.append(buf, n);
      out_ += name;
      out_ += "\":";
    }
    first_ = true;
  }
  void field(std::string_view name, std::string_view value) {
    key(name);
    string(value);
  }
  void field(std::string_view name, const char* value) { field(name, std::string_view(value)); }
  void field(std::string_view name, long long value) {
    key(name);
    number(value);
  }
  void field(std::string_view name, unsigned long long value) {
    key(name);
    number(value);
  }
  void field(std::string_view name, bool value) {
    key(name);
    raw(value ? "true" : "false");
  }
  void field_double(std::string_view name, double value, int decimals);

  void string(std::string_view value) {
    separator();
    append_json_quoted(out_, value);
  }
  void number(long long value);
  void number(unsigned long long value);
  void raw(std::string_view json) {
    separator();
    out_ += json;
  }

 private:
  void separator() {
    if (!first_) {
      out_ += ',';
    }
    first_ = false;
  }

  std::string& out_;
  bool first_ = true;
};

}  // namespace rampart::http
