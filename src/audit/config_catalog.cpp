// The checks `rampart check --report` makes of a config (docs/audit.md, "Config report"):
// the same model, scores and renderings as the probes', judged on the file, not the wire.

#include <array>

#include "audit/catalog.hpp"

namespace rampart::audit {

namespace {

using C = Category;
using S = Severity;

constexpr std::array<CheckInfo, 9> kConfigCatalog = {{
    {"CFG-WEBHOOK-SECRET", C::security, S::critical, "A webhook route has no secret",
     "Without a secret every delivery is refused; set the provider's signing secret.",
     "    webhook: {scheme: stripe, secret: \"${STRIPE_WEBHOOK_SECRET}\", tolerance: 5m}\n"},
    {"CFG-AUTH-NONE", C::security, S::high,
     "A route is anonymous (`auth: none`) without saying it is public",
     "Require auth, or mark an intentionally anonymous route `public: true`.",
     "    auth: required\n"},
    {"CFG-RATE-MISSING", C::security, S::high, "A route has no rate limit",
     "Give every route a limit per client (anonymous clients are counted by IP).",
     "rate_limits:\n  public: [\"100/minute\"]\nroutes:\n  - name: api\n"
     "    rate_limit: public\n"},
    {"CFG-CORS-PERMISSIVE", C::security, S::high, "CORS allows `*`, `null` or an http:// origin",
     "List the https:// origins of your own front ends only.",
     "cors:\n  origins: [\"https://app.example.com\"]\n"},
    {"CFG-BODY-LIMIT", C::security, S::medium, "A route that takes bodies has no `body:` limit",
     "Without `body:` a request body streams through unlimited; cap it (and check JSON).",
     "    body: {max_bytes: 1MiB, json: true}\n"},
    {"CFG-ENV-DEVELOPMENT", C::security, S::low, "The config is not `env: production`",
     "Production mode enforces the strict rules at load and adds HSTS.", "env: production\n"},
    {"CFG-UPSTREAM-TIMEOUT", C::reliability, S::medium,
     "An upstream timeout is over 60 s (or its connect timeout over 10 s)",
     "Long timeouts hold connections and workers when the backend hangs.",
     "upstreams:\n  app:\n    connect_timeout: 2s\n    timeout: 30s\n"},
    {"CFG-UPSTREAM-HEALTH", C::reliability, S::medium, "An upstream has no active health check",
     "Readiness cannot see a backend that is down without one.",
     "upstreams:\n  app:\n    health: {path: /healthz, interval: 5s}\n"},
    {"CFG-ADMIN-EXPOSED", C::observability, S::medium,
     "The admin listener (metrics, admin API) is not on loopback",
     "Keep `/metrics` and the admin API private; scrape through a private network.",
     "admin:\n  listen: \"127.0.0.1:9901\"\n"},
}};

}  // namespace

std::span<const CheckInfo> config_catalog() { return kConfigCatalog; }

}  // namespace rampart::audit
