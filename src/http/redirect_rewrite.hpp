#pragma once
// nginx's `proxy_redirect default`: a backend that does not know it is behind a gateway names
// itself in Location ("http://127.0.0.1:8000/api/folder/"). Such a value is turned into the
// address the client used ("http://api.example.com/api/folder/"); any other value is left as
// it is.

#include <string>
#include <string_view>

namespace rampart::http {

/// Where a route's responses point when they point at the upstream, and what replaces that.
struct RedirectMapping {
  std::string upstream_origin;  ///< "http://127.0.0.1:8000" (the upstream's Host value)
  std::string upstream_path;    ///< what the upstream's paths start with: "/" or "/base/api/"
  std::string client_path;      ///< what the client's start with instead: "/" or "/api/v1/"
};

/// A Location or Content-Location value: absolute at the upstream's origin and under its
/// path, or path-absolute under a changed path; into `out` as the client's (origin
/// `client_origin`, "http://api.example.com"). False when it points elsewhere.
bool rewrite_location(std::string_view value, const RedirectMapping& mapping,
                      std::string_view client_origin, std::string& out);

/// A Refresh value ("5; url=http://127.0.0.1:8000/next"): its URL rewritten the same way.
bool rewrite_refresh(std::string_view value, const RedirectMapping& mapping,
                     std::string_view client_origin, std::string& out);

}  // namespace rampart::http
