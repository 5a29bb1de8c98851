#include "audit/evidence.hpp"

#include <algorithm>
#include <cstdio>

#include "audit/masking.hpp"

namespace rampart::audit {

std::string printable_excerpt(std::string_view text, std::size_t limit) {
  std::string out;
  std::size_t n = std::min(limit, text.size());
  for (std::size_t i = 0; i < n; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\n' || (c >= 0x20 && c < 0x7f)) {
      out += static_cast<char>(c);
    } else if (c == '\r') {
      continue;
    } else {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02X", c);
      out += hex;
    }
  }
  if (text.size() > limit) {
    out += "...";
  }
  return out;
}

std::string evidence_of(const ProbeRequest& request, const ProbeResponse& response,
                        std::string_view focus) {
  std::string out =
      "> " + request.method + " " + printable_excerpt(request.target, 160) + " HTTP/1.1\n";
  for (const auto& [name, value] : request.headers) {
    out += "> " + name + ": " + printable_excerpt(mask_header_value(name, value), 200) + "\n";
  }
  if (request.filler_bytes > 0) {
    out += "> (body: " + std::to_string(request.filler_bytes) + " bytes announced, " +
           std::to_string(response.body_bytes_sent) + " sent)\n";
  } else if (!request.body.empty()) {
    out += "> " + printable_excerpt(mask_secrets(request.body), 160) + "\n";
  }
  if (!response.answered()) {
    out += "< (no response: " + response.error + ")\n";
    return out;
  }
  out += "< HTTP/1.1 " + std::to_string(response.status) + " " + response.reason + "\n";
  std::size_t shown = 0;
  for (const auto& [name, value] : response.headers) {
    if (++shown > 24) {
      out += "< ...\n";
      break;
    }
    out += "< " + name + ": " + printable_excerpt(mask_header_value(name, value), 200) + "\n";
  }
  if (!response.body.empty()) {
    std::string body = mask_secrets(response.body);
    std::size_t start = 0;
    if (!focus.empty()) {
      auto at = body.find(focus);
      if (at != std::string::npos && at > kExcerptBytes / 2) {
        start = at - kExcerptBytes / 2;
      }
    }
    out += "<\n";
    out += (start > 0 ? "..." : "") +
           printable_excerpt(std::string_view(body).substr(start), kExcerptBytes) + "\n";
  }
  return out;
}

}  // namespace rampart::audit
