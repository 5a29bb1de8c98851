#pragma once
// path_template (SPEC §2): "/api/insights/{id}/trend-stream". A template is split at '/' into
// segments, each literal text, a {name} (exactly one non-empty segment) or, last only, a
// {name...} (the rest of the path, slashes included, possibly empty — Go's ServeMux rule).
// Matching is on the raw path as received (still percent-encoded): a capture is never decoded,
// so "%2F" in a capture cannot become a separator on the way to the upstream.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rampart::config {

/// One '/'-separated piece of a path_template.
struct TemplateSegment {
  enum class Kind : std::uint8_t { literal, param, rest };
  Kind kind = Kind::literal;
  std::string text;  ///< the literal text, or the capture's name
};

/// A value a matched route captured: a view of the request path.
struct CaptureSpan {
  std::string_view name;
  std::string_view value;
};

/// Parses a template that starts with '/'. On a problem returns nullopt and sets `error`.
std::optional<std::vector<TemplateSegment>> parse_path_template(std::string_view text,
                                                                std::string& error);

/// True when `path` matches; the captures are appended to `captures` when it is not null.
bool match_path_template(const std::vector<TemplateSegment>& segments, std::string_view path,
                         std::vector<CaptureSpan>* captures);

/// The literal text every path the template matches starts with ("/a/" for "/a/{id}").
std::string template_literal_prefix(const std::vector<TemplateSegment>& segments);

/// True when a name is usable for a capture: [A-Za-z_][A-Za-z0-9_]*.
bool is_capture_name(std::string_view name);

}  // namespace rampart::config
