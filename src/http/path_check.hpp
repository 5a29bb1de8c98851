#pragma once
// Paths a backend could read differently from the router. A route matches the path as
// received; if the backend then resolves "..", decodes %2F into "/" or cuts ";params" before
// resolving (Tomcat and Spring read "/api/..;/admin" as "/admin"), a request for a public
// prefix reaches a private one. Such paths are refused rather than normalized: a client that
// sends them is either broken or probing.

#include <string_view>

namespace rampart::http {

/// False for a path with a dot segment ("." or "..", also as %2E, also before ";params"), a
/// backslash, %00, or — unless `allow_encoded_slashes` — %2F or %5C. Segments are split at
/// "/", "\", %2F and %5C alike, so "/api%2f..%2fadmin" is refused even when encoded slashes
/// are allowed.
bool is_safe_path(std::string_view path, bool allow_encoded_slashes);

}  // namespace rampart::http
