#include "audit/masking.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <array>

namespace rampart::audit {

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

bool is_secret_header(std::string_view name) {
  std::string n = lower(name);
  static constexpr std::array<std::string_view, 5> kExact = {"authorization", "proxy-authorization",
                                                             "cookie", "set-cookie", "x-api-key"};
  if (std::find(kExact.begin(), kExact.end(), n) != kExact.end()) {
    return true;
  }
  static constexpr std::array<std::string_view, 5> kParts = {"token", "secret", "api-key", "apikey",
                                                             "signature"};
  return std::any_of(kParts.begin(), kParts.end(),
                     [&](std::string_view p) { return n.find(p) != std::string::npos; });
}

std::string mask_header_value(std::string_view name, std::string_view value) {
  if (!is_secret_header(name)) {
    return std::string(value);
  }
  std::string n = lower(name);
  if (n == "cookie" || n == "set-cookie") {
    // Keep the cookie names (they tell which framework set them), mask every value.
    std::string out(value);
    static const RE2 kPair(R"(=([^;,]*))");
    RE2::GlobalReplace(&out, kPair, "=***");
    return out;
  }
  auto space = value.find(' ');
  if (space != std::string_view::npos && space > 0) {
    return std::string(value.substr(0, space)) + " ***";  // keep the scheme: "Bearer ***"
  }
  return "***";
}

std::string mask_secrets(std::string_view text) {
  std::string out(text);
  static const RE2 kBearer(R"((?i)(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,})");
  static const RE2 kJwt(R"(eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*)");
  static const RE2 kKeys(R"(\b(rk|sk|pk|rk_live|sk_live|sk_test|whsec)_[A-Za-z0-9_]{8,})");
  // "password": "x", password=x, "access_token":"x": the name stays, the value goes.
  static const RE2 kFields(
      R"re((?i)("?(?:password|passwd|secret|token|api_key|apikey|access_token)"?)re"
      R"re(\s*[:=]\s*"?)([^"&,\s}]+))re");
  RE2::GlobalReplace(&out, kBearer, "\\1 ***");
  RE2::GlobalReplace(&out, kJwt, "***");
  RE2::GlobalReplace(&out, kKeys, "\\1_***");
  RE2::GlobalReplace(&out, kFields, "\\1***");
  return out;
}

}  // namespace rampart::audit
