#pragma once
// The fields of one HTTP message head, as views into the connection's read buffer: parsing
// copies nothing, policies remove fields by marking them, and the head is re-serialized once.

#include <boost/beast/http/field.hpp>
#include <string_view>
#include <vector>

namespace rampart::http {

using boost::beast::http::field;

struct HeaderField {
  field id = field::unknown;
  std::string_view name;
  std::string_view value;
  bool removed = false;
};

/// Fields in arrival order. Views stay valid until the connection reuses its read buffer.
class HeaderList {
 public:
  void clear() {
    fields_.clear();
    has_connection_ = false;
  }
  void add(field id, std::string_view name, std::string_view value) {
    has_connection_ = has_connection_ || id == field::connection;
    fields_.push_back(HeaderField{id, name, value, false});
  }

  /// The first field with this id that is not removed, or null.
  const HeaderField* find(field id) const {
    for (const auto& f : fields_) {
      if (f.id == id && !f.removed) {
        return &f;
      }
    }
    return nullptr;
  }
  /// For fields Beast doesn't know (field::unknown): case-insensitive name match.
  const HeaderField* find(std::string_view name) const;
  bool has(field id) const { return find(id) != nullptr; }
  std::string_view value(field id) const {
    const auto* f = find(id);
    return f ? f->value : std::string_view{};
  }
  void remove(field id) {
    for (auto& f : fields_) {
      if (f.id == id) {
        f.removed = true;
      }
    }
  }
  /// Removes every field whose name starts with `prefix` (case-insensitive).
  void remove_prefixed(std::string_view prefix);
  /// Removes fields named in a Connection header value (RFC 9110 §7.6.1).
  void remove_named(std::string_view comma_separated_names);
  /// Removes the fields every Connection field names (there may be several).
  void remove_connection_options();

  std::vector<HeaderField>& fields() { return fields_; }
  const std::vector<HeaderField>& fields() const { return fields_; }

 private:
  std::vector<HeaderField> fields_;
  bool has_connection_ = false;  ///< most requests have none: nothing to walk then
};

/// Whether two field names are the same field to a backend: case-insensitive, and '_' equal to
/// '-', because WSGI, Rack and CGI servers read both X_Tenant and X-Tenant as HTTP_X_TENANT (a
/// client's X_Rampart_Identity must not pass for rampart's X-Rampart-Identity).
bool same_header_name(std::string_view a, std::string_view b);

/// `s` without the spaces and tabs around it (RFC 9110's OWS), as in a list element.
std::string_view trim_ows(std::string_view s);

/// True for the hop-by-hop fields of RFC 9110 §7.6.1 that a proxy never forwards as they are.
bool is_hop_by_hop(field id);

}  // namespace rampart::http
