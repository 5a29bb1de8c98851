#include "cli/config_report.hpp"

#include <algorithm>
#include <ctime>
#include <functional>

#include "audit/score.hpp"
#include "cli/version.hpp"
#include "policies/body/config.hpp"
#include "policies/cors/config.hpp"
#include "policies/rate_limit/config.hpp"
#include "policies/webhook/config.hpp"

namespace rampart::cli {

namespace {

using audit::Check;

bool takes_bodies(const config::RouteConfig& route) {
  const auto& m = route.match.methods;
  if (m.empty()) {
    return true;
  }
  return std::any_of(m.begin(), m.end(), [](const std::string& method) {
    return method == "POST" || method == "PUT" || method == "PATCH";
  });
}

bool permissive(const policies::CorsSettings& cors) {
  if (cors.off) {
    return false;
  }
  return cors.any_origin ||
         std::any_of(cors.origins.begin(), cors.origins.end(),
                     [](const auto& o) { return o == "null" || o.starts_with("http://"); });
}

/// "a, b" lists built by appending (GCC 12 reports a false -Wrestrict on `"" + string`).
void append_name(std::string& list, const std::string& name) {
  if (!list.empty()) {
    list += ", ";
  }
  list += name;
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

/// One check over the routes: fails naming every route `bad` holds for.
void over_routes(std::vector<Check>& out, const char* id, const config::Config& config,
                 const std::function<bool(const config::RouteConfig&)>& applies,
                 const std::function<bool(const config::RouteConfig&)>& bad,
                 const std::string& pass_detail) {
  std::string names;
  int considered = 0;
  for (const auto& route : config.routes) {
    if (!applies(route)) {
      continue;
    }
    ++considered;
    if (bad(route)) {
      append_name(names, route.name);
    }
  }
  if (considered == 0) {
    audit::add_not_applicable(out, id, "no route it applies to");
  } else if (!names.empty()) {
    audit::add_fail(out, id, "routes: " + names, "");
  } else {
    audit::add_pass(out, id, pass_detail);
  }
}

}  // namespace

std::vector<Check> judge_config(const config::Config& config) {
  std::vector<Check> out;
  auto webhook = [](const config::RouteConfig& r) {
    return r.setting(policies::kWebhookKey) != nullptr;
  };
  auto all = [](const config::RouteConfig&) { return true; };
  over_routes(
      out, "CFG-WEBHOOK-SECRET", config, webhook,
      [](const config::RouteConfig& r) {
        const auto& w =
            static_cast<const policies::WebhookSettings&>(*r.setting(policies::kWebhookKey));
        return w.secrets.empty();
      },
      "every webhook route has a secret");
  over_routes(
      out, "CFG-AUTH-NONE", config, all,
      [&](const config::RouteConfig& r) {
        return r.auth == config::AuthMode::none && !r.is_public && !webhook(r);
      },
      "no route is anonymous by accident");
  over_routes(
      out, "CFG-RATE-MISSING", config, [&](const auto& r) { return !webhook(r); },
      [](const config::RouteConfig& r) { return !r.setting(policies::kRateLimitKey); },
      "every route has a rate limit");
  bool cors_bad = false;
  if (const auto* global = config.section(policies::kCorsKey)) {
    cors_bad = permissive(static_cast<const policies::CorsSettings&>(*global));
  }
  std::string cors_routes;
  for (const auto& r : config.routes) {
    if (const auto* own = r.setting(policies::kCorsKey);
        own && permissive(static_cast<const policies::CorsSettings&>(*own))) {
      append_name(cors_routes, r.name);
    }
  }
  if (cors_bad || !cors_routes.empty()) {
    audit::add_fail(out, "CFG-CORS-PERMISSIVE",
                    cors_bad ? "the global cors: block" : "routes: " + cors_routes, "");
  } else {
    audit::add_pass(out, "CFG-CORS-PERMISSIVE", "CORS lists exact origins (or is off)");
  }
  over_routes(
      out, "CFG-BODY-LIMIT", config,
      [&](const config::RouteConfig& r) { return takes_bodies(r) && !webhook(r); },
      [](const config::RouteConfig& r) { return !r.setting(policies::kBodyKey); },
      "every route that takes bodies limits them");
  if (config.env == config::Env::production) {
    audit::add_pass(out, "CFG-ENV-DEVELOPMENT", "env: production");
  } else {
    audit::add_fail(out, "CFG-ENV-DEVELOPMENT", "env: development (the default)", "");
  }
  std::string slow, unchecked;
  for (const auto& u : config.upstreams) {
    if (u.timeout > std::chrono::seconds(60) || u.connect_timeout > std::chrono::seconds(10)) {
      append_name(slow, u.name);
    }
    if (!u.health) {
      append_name(unchecked, u.name);
    }
  }
  if (config.upstreams.empty()) {
    audit::add_not_applicable(out, "CFG-UPSTREAM-TIMEOUT", "no upstream");
    audit::add_not_applicable(out, "CFG-UPSTREAM-HEALTH", "no upstream");
  } else {
    if (slow.empty()) {
      audit::add_pass(out, "CFG-UPSTREAM-TIMEOUT", "timeouts within bounds");
    } else {
      audit::add_fail(out, "CFG-UPSTREAM-TIMEOUT", "upstreams: " + slow, "");
    }
    if (unchecked.empty()) {
      audit::add_pass(out, "CFG-UPSTREAM-HEALTH", "every upstream is checked");
    } else {
      audit::add_fail(out, "CFG-UPSTREAM-HEALTH", "upstreams: " + unchecked, "");
    }
  }
  const auto& admin = config.admin.listen.host;
  if (is_loopback(admin)) {
    audit::add_pass(out, "CFG-ADMIN-EXPOSED", "admin listens on " + admin);
  } else {
    audit::add_fail(out, "CFG-ADMIN-EXPOSED", "admin listens on " + admin, "");
  }
  return out;
}

audit::Report config_report(const config::Config& config, const std::string& path) {
  audit::Report report;
  report.url = path;
  report.title = "rampart check: " + path;
  report.probed = false;
  report.version = kVersion;
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  report.started_at = text;
  report.checks = judge_config(config);
  report.scores = audit::compute_scores(report.checks);
  return report;
}

}  // namespace rampart::cli
