#include "config/route_template.hpp"

#include <fmt/format.h>

#include "config/names.hpp"

namespace rampart::config {

namespace {

/// The next segment of `path` from `pos` (just after a '/'), and where the one after starts
/// (npos when this was the last).
std::string_view next_segment(std::string_view path, std::size_t& pos) {
  const auto slash = path.find('/', pos);
  const auto segment = path.substr(pos, slash == std::string_view::npos ? slash : slash - pos);
  pos = slash == std::string_view::npos ? std::string_view::npos : slash + 1;
  return segment;
}

}  // namespace

bool is_capture_name(std::string_view name) { return is_identifier(name); }

std::optional<std::vector<TemplateSegment>> parse_path_template(std::string_view text,
                                                                std::string& error) {
  std::vector<TemplateSegment> segments;
  std::vector<std::string_view> names;
  std::size_t pos = 1;  // past the leading '/', checked by the caller
  while (pos != std::string_view::npos) {
    const auto segment = next_segment(text, pos);
    TemplateSegment out;
    if (segment.find_first_of("{}") == std::string_view::npos) {
      out.text = std::string(segment);
      segments.push_back(std::move(out));
      continue;
    }
    if (segment.size() < 3 || segment.front() != '{' || segment.back() != '}') {
      error = fmt::format(
          "\"{}\": a {{name}} must be a whole segment between slashes (e.g. /items/{{id}})",
          segment);
      return std::nullopt;
    }
    auto name = segment.substr(1, segment.size() - 2);
    out.kind = TemplateSegment::Kind::param;
    if (name.ends_with("...")) {
      name.remove_suffix(3);
      out.kind = TemplateSegment::Kind::rest;
      if (pos != std::string_view::npos) {
        error =
            fmt::format("{{{}...}} takes the rest of the path: it must be the last segment", name);
        return std::nullopt;
      }
    }
    if (!is_capture_name(name)) {
      error = fmt::format("\"{}\" is not a capture name: letters, digits and _, not first a digit",
                          name);
      return std::nullopt;
    }
    for (auto earlier : names) {
      if (earlier == name) {
        error = fmt::format("capture \"{}\" is named twice", name);
        return std::nullopt;
      }
    }
    names.push_back(name);
    out.text = std::string(name);
    segments.push_back(std::move(out));
  }
  return segments;
}

bool match_path_template(const std::vector<TemplateSegment>& segments, std::string_view path,
                         std::vector<CaptureSpan>* captures) {
  if (path.empty() || path.front() != '/') {
    return false;
  }
  const std::size_t first_capture = captures ? captures->size() : 0;
  std::size_t pos = 1;
  for (const auto& expected : segments) {
    if (pos == std::string_view::npos) {
      break;  // the path has fewer segments
    }
    if (expected.kind == TemplateSegment::Kind::rest) {
      if (captures) {
        captures->push_back({expected.text, path.substr(pos)});
      }
      return true;
    }
    const auto segment = next_segment(path, pos);
    const bool ok = expected.kind == TemplateSegment::Kind::literal ? segment == expected.text
                                                                    : !segment.empty();
    if (!ok) {
      break;
    }
    if (captures && expected.kind == TemplateSegment::Kind::param) {
      captures->push_back({expected.text, segment});
    }
    if (&expected == &segments.back() && pos == std::string_view::npos) {
      return true;
    }
  }
  if (captures) {
    captures->resize(first_capture);
  }
  return false;
}

std::string template_literal_prefix(const std::vector<TemplateSegment>& segments) {
  std::string prefix = "/";
  for (const auto& segment : segments) {
    if (segment.kind != TemplateSegment::Kind::literal) {
      break;
    }
    prefix += segment.text;
    prefix += '/';
  }
  // Only literals: the template is one exact path, and the last '/' was not in it.
  if (!segments.empty() && segments.back().kind == TemplateSegment::Kind::literal) {
    prefix.pop_back();
  }
  return prefix;
}

}  // namespace rampart::config
