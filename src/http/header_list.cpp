#include "http/header_list.hpp"

#include <array>
#include <boost/beast/core/string.hpp>

namespace rampart::http {

namespace {
bool istarts_with(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         boost::beast::iequals(text.substr(0, prefix.size()), prefix);
}

}  // namespace

const HeaderField* HeaderList::find(std::string_view name) const {
  for (const auto& f : fields_) {
    if (!f.removed && boost::beast::iequals(f.name, name)) {
      return &f;
    }
  }
  return nullptr;
}

void HeaderList::remove_prefixed(std::string_view prefix) {
  for (auto& f : fields_) {
    if (istarts_with(f.name, prefix)) {
      f.removed = true;
    }
  }
}

void HeaderList::remove_named(std::string_view names) {
  while (!names.empty()) {
    auto comma = names.find(',');
    auto name = trim_ows(names.substr(0, comma));
    names = comma == std::string_view::npos ? std::string_view{} : names.substr(comma + 1);
    if (name.empty() || boost::beast::iequals(name, "close") ||
        boost::beast::iequals(name, "keep-alive")) {
      continue;
    }
    for (auto& f : fields_) {
      if (boost::beast::iequals(f.name, name)) {
        f.removed = true;
      }
    }
  }
}

void HeaderList::remove_connection_options() {
  if (!has_connection_) {
    return;
  }
  // Index-based: remove_named marks fields, it never adds or moves them.
  for (std::size_t i = 0; i < fields_.size(); ++i) {
    if (fields_[i].id == field::connection) {
      remove_named(fields_[i].value);
    }
  }
}

namespace {
/// Lower case, and '_' as '-': one load per character (it runs per field on keyed routes).
constexpr std::array<unsigned char, 256> kNameFold = [] {
  std::array<unsigned char, 256> table{};
  for (int c = 0; c < 256; ++c) {
    table[c] = static_cast<unsigned char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  table['_'] = '-';
  return table;
}();
}  // namespace

bool same_header_name(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  unsigned diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff |=
        kNameFold[static_cast<unsigned char>(a[i])] ^ kNameFold[static_cast<unsigned char>(b[i])];
  }
  return diff == 0;
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

bool is_hop_by_hop(field id) {
  switch (id) {
    case field::connection:
    case field::keep_alive:
    case field::proxy_connection:
    case field::te:
    case field::trailer:
    case field::upgrade:
    case field::proxy_authorization:
    case field::proxy_authenticate:
      return true;
    default:
      return false;
  }
}

}  // namespace rampart::http
