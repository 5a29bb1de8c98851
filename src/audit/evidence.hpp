#pragma once
// The proof attached to a finding: the request line and headers sent, the status line,
// headers and the start of the body received, secrets masked, printable ASCII only.

#include <cstddef>
#include <string>
#include <string_view>

#include "audit/http_client.hpp"

namespace rampart::audit {

/// How much of a response body an evidence excerpt shows.
inline constexpr std::size_t kExcerptBytes = 400;

/// "> GET /x HTTP/1.1" lines, "< HTTP/1.1 200 OK" lines, then the body excerpt. `focus`, when
/// found in the body, centres the excerpt on it (the leak a finding is about).
std::string evidence_of(const ProbeRequest& request, const ProbeResponse& response,
                        std::string_view focus = {});

/// Bytes outside printable ASCII as "\xNN", newlines kept, capped at `limit` bytes of input.
std::string printable_excerpt(std::string_view text, std::size_t limit);

}  // namespace rampart::audit
