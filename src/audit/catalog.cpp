#include "audit/catalog.hpp"

#include <array>
#include <stdexcept>
#include <string>

namespace rampart::audit {

namespace {

using C = Category;
using S = Severity;

constexpr std::string_view kProxyRoute =
    "routes:\n  - name: api\n    match: {path_prefix: /}\n    upstream: app\n";

constexpr std::array<CheckInfo, 30> kCatalog = {{
    {"SEC-CORS-REFLECT", C::security, S::high, "CORS reflects any Origin",
     "Allow only the origins of your own front ends.",
     "cors:\n  origins: [\"https://app.example.com\"]\n  credentials: true\n"},
    {"SEC-CORS-WILDCARD-CREDENTIALS", C::security, S::high,
     "CORS allows every origin together with credentials",
     "List the origins; never combine `*` with credentials.",
     "cors:\n  origins: [\"https://app.example.com\"]\n  credentials: true\n"},
    {"SEC-CORS-NULL", C::security, S::medium, "CORS accepts the `null` origin",
     "Sandboxed iframes and file: pages send `Origin: null`; do not list it.",
     "cors:\n  origins: [\"https://app.example.com\"]   # never \"null\"\n"},
    {"SEC-HEADER-NOSNIFF", C::security, S::low, "No `X-Content-Type-Options: nosniff`",
     "rampart adds it to every response the upstream did not set it on.", kProxyRoute},
    {"SEC-HEADER-FRAME", C::security, S::medium,
     "No `X-Frame-Options` or CSP `frame-ancestors` (clickjacking)",
     "rampart adds `X-Frame-Options: DENY` unless the upstream set it.", kProxyRoute},
    {"SEC-HEADER-REFERRER", C::security, S::low, "No `Referrer-Policy`",
     "rampart adds `Referrer-Policy: no-referrer` unless the upstream set it.", kProxyRoute},
    {"SEC-HEADER-HSTS", C::security, S::medium, "No `Strict-Transport-Security` over https",
     "rampart adds `Strict-Transport-Security` in production (and over TLS, once supported).",
     "env: production\n"},
    {"SEC-TLS-CERT", C::security, S::high,
     "The TLS certificate does not verify (untrusted, expired or for another host)",
     "Serve a certificate for this host name from a public CA (or your clients' private CA); "
     "rampart's own TLS listener is planned, so terminate TLS in front of it for now.",
     ""},
    {"SEC-TLS-OLD-PROTOCOL", C::security, S::medium, "TLS 1.0 or 1.1 is accepted",
     "Allow TLS 1.2 and 1.3 only on whatever terminates TLS.", ""},
    {"SEC-VERSION-DISCLOSURE", C::security, S::low,
     "`Server` or `X-Powered-By` discloses the software (and version)",
     "rampart removes `Server` and `X-Powered-By` from upstream responses.", kProxyRoute},
    {"SEC-LEAK-TRACEBACK", C::security, S::high, "Error bodies carry stack traces",
     "Catch errors globally in the app; rampart replaces every upstream 5xx body with a "
     "problem body and validates JSON bodies before they reach the app.",
     "routes:\n  - name: api\n    match: {path_prefix: /api/}\n    upstream: app\n"
     "    body: {max_bytes: 1MiB, json: true}\n"},
    {"SEC-LEAK-PATH", C::security, S::medium, "Error bodies carry server file paths",
     "As for stack traces: a global error handler in the app; rampart replaces 5xx bodies.",
     "routes:\n  - name: api\n    match: {path_prefix: /api/}\n    upstream: app\n"
     "    body: {max_bytes: 1MiB, json: true}\n"},
    {"SEC-LEAK-SQL", C::security, S::high, "Error bodies carry SQL or database driver errors",
     "Never return driver errors; use parameterised queries. rampart replaces 5xx bodies.",
     "routes:\n  - name: api\n    match: {path_prefix: /api/}\n    upstream: app\n"
     "    body: {max_bytes: 1MiB, json: true}\n"},
    {"SEC-LEAK-FRAMEWORK", C::security, S::low, "Error bodies name the framework",
     "Return your own error format; rampart replaces 5xx bodies and refuses bad JSON itself.",
     "routes:\n  - name: api\n    match: {path_prefix: /api/}\n    upstream: app\n"
     "    body: {max_bytes: 1MiB, json: true}\n"},
    {"SEC-LEAK-HOST", C::security, S::medium, "Error bodies carry internal host names or addresses",
     "Do not echo upstream or database addresses; rampart replaces 5xx bodies.", kProxyRoute},
    {"SEC-BODY-UNLIMITED", C::security, S::medium, "A 20 MB request body is accepted",
     "Cap bodies per route; rampart answers 413 before reading an oversized body.",
     "routes:\n  - name: api\n    match: {path_prefix: /api/}\n    upstream: app\n"
     "    body: {max_bytes: 1MiB, json: true}\n"},
    {"SEC-RATE-NONE", C::security, S::high, "No rate limit: a burst of 120 requests all pass",
     "Limit every route per client; rampart answers 429 with `Retry-After`.",
     "rate_limits:\n  public: [\"100/minute\"]\nroutes:\n  - name: api\n"
     "    match: {path_prefix: /}\n    upstream: app\n    rate_limit: public\n"},
    {"SEC-RATE-NO-RETRY-AFTER", C::security, S::low,
     "429 answers carry neither `Retry-After` nor `RateLimit-*` headers",
     "Tell clients when to come back; rampart sends both.",
     "rate_limits:\n  public: [\"100/minute\"]\n"},
    {"SEC-AUTH-MISSING", C::security, S::critical, "A private path answers without credentials",
     "Require authentication on every non-public route (rampart's default).",
     "auth:\n  api_keys: {header: X-API-Key}\nroutes:\n  - name: private\n"
     "    match: {path_prefix: /api/}\n    upstream: app\n    auth: required\n"},
    {"SEC-WEBHOOK-UNSIGNED", C::security, S::critical, "The webhook accepts an unsigned event",
     "Verify the provider's signature on the raw body; rampart does, with replay refusal.",
     "routes:\n  - name: stripe-webhook\n    match: {path: /webhooks/stripe, methods: [POST]}\n"
     "    upstream: app\n    auth: none\n"
     "    webhook: {scheme: stripe, secret: \"${STRIPE_WEBHOOK_SECRET}\", tolerance: 5m}\n"},
    {"REL-MALFORMED-5XX", C::reliability, S::medium,
     "Malformed input gives a 5xx (an unhandled exception) instead of a 4xx",
     "Handle bad input in the app with a 4xx; rampart refuses malformed JSON with 400 before "
     "it reaches the app.",
     "routes:\n  - name: api\n    match: {path_prefix: /api/}\n    upstream: app\n"
     "    body: {max_bytes: 1MiB, json: true}\n"},
    {"REL-HEALTH-MISSING", C::reliability, S::high, "No health endpoint answers",
     "rampart answers `/health`, `/health/live`, `/health/ready` itself.", kProxyRoute},
    {"REL-HEALTH-LIVE-MISSING", C::reliability, S::low, "No liveness endpoint",
     "rampart answers `/health/live`.", kProxyRoute},
    {"REL-HEALTH-READY-MISSING", C::reliability, S::medium, "No readiness endpoint",
     "rampart's `/health/ready` checks the store, Redis and each upstream's health path.",
     "upstreams:\n  app:\n    url: \"http://127.0.0.1:8000\"\n"
     "    health: {path: /healthz, interval: 5s}\n"},
    {"REL-HEALTH-NOT-JSON", C::reliability, S::low, "A health endpoint does not answer JSON",
     "Orchestrators and dashboards parse `{\"status\":...}`; rampart answers JSON.", kProxyRoute},
    {"REL-HEALTH-SLOW", C::reliability, S::medium, "A health endpoint takes over 1 s",
     "Health checks must be cheap; rampart answers from its cached active checks.",
     "upstreams:\n  app:\n    health: {path: /healthz, interval: 5s}\n"},
    {"REL-READY-DISHONEST", C::reliability, S::high,
     "Readiness says ready while a dependency is down (--expect-unready)",
     "Readiness must check what the service needs; rampart's checks each upstream.",
     "upstreams:\n  app:\n    url: \"http://127.0.0.1:8000\"\n"
     "    health: {path: /healthz, interval: 5s}\n"},
    {"REL-SLOW-NO-TIMEOUT", C::reliability, S::medium,
     "A slow endpoint holds the request with no timeout",
     "Bound every upstream call; rampart answers 504 `upstream_timeout`.",
     "upstreams:\n  app:\n    url: \"http://127.0.0.1:8000\"\n    timeout: 5s\n"},
    {"OBS-REQUEST-ID-MISSING", C::observability, S::medium,
     "Responses carry no request id (`X-Request-ID` or `traceparent`)",
     "rampart keeps or makes `X-Request-ID`, logs it and returns it on every response.",
     kProxyRoute},
    {"OBS-METRICS-PUBLIC", C::observability, S::medium, "Metrics are served on the public port",
     "Serve `/metrics` on a private listener; rampart's is on the admin listener only, and "
     "routes that match only the API keep the app's own `/metrics` unreachable.",
     "admin:\n  listen: \"127.0.0.1:9901\"\nroutes:\n  - name: api\n"
     "    match: {path_prefix: /api/}\n    upstream: app\n"},
}};

}  // namespace

std::span<const CheckInfo> catalog() { return kCatalog; }

const CheckInfo& check_info(std::string_view id) {
  for (const auto& table : {catalog(), config_catalog()}) {
    for (const auto& row : table) {
      if (row.id == id) {
        return row;
      }
    }
  }
  throw std::out_of_range("audit: unknown check id " + std::string(id));
}

}  // namespace rampart::audit
