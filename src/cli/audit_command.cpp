#include "cli/audit_command.hpp"

#include <cstdio>
#include <fstream>
#include <variant>

#include "audit/auditor.hpp"
#include "audit/target.hpp"
#include "audit/tls_check.hpp"
#include "config/units.hpp"

namespace rampart::cli {

namespace {

int user_error(const std::string& message) {
  std::fprintf(stderr, "rampart audit: %s\n", message.c_str());
  return 1;
}

/// The options as AuditOptions, or the one-line reason they are refused.
std::variant<audit::AuditOptions, std::string> check_args(const AuditArgs& args) {
  audit::AuditOptions options;
  auto parsed = audit::parse_target(args.url);
  if (!parsed.target) {
    return "bad URL \"" + args.url + "\": " + parsed.error;
  }
  options.target = *parsed.target;
  if (args.ca) {
    if (!std::ifstream(*args.ca)) {
      return "--ca \"" + *args.ca + "\": cannot read the file";
    }
    if (!options.target.https()) {
      return "--ca applies to https:// URLs only";
    }
    try {
      audit::verifying_context(args.ca);
    } catch (const std::exception& e) {
      return "--ca \"" + *args.ca + "\": not a PEM CA file (" + e.what() + ")";
    }
    options.ca_file = args.ca;
  }
  if (args.format != "md" && args.format != "json" && args.format != "html") {
    return "--format must be md, json or html, not \"" + args.format + "\"";
  }
  auto check_path = [](const std::string& flag, const std::string& path) -> std::string {
    return audit::is_probe_path(path) ? "" : flag + " \"" + path + "\": must be a path (\"/...\")";
  };
  for (const auto& p : args.private_paths) {
    if (auto e = check_path("--private", p); !e.empty()) {
      return e;
    }
  }
  for (const auto& p : args.health) {
    if (auto e = check_path("--health", p); !e.empty()) {
      return e;
    }
  }
  for (const auto* p : {&args.webhook, &args.slow}) {
    if (*p) {
      if (auto e = check_path(p == &args.webhook ? "--webhook" : "--slow", **p); !e.empty()) {
        return e;
      }
    }
  }
  options.private_paths = args.private_paths;
  options.health_paths = args.health;
  options.webhook_path = args.webhook;
  options.slow_path = args.slow;
  options.expect_unready = args.expect_unready;
  if (args.fail_under && (*args.fail_under < 0 || *args.fail_under > 100)) {
    return "--fail-under must be 0..100";
  }
  if (args.max_requests < 1 || args.max_requests > 100000) {
    return "--max-requests must be 1..100000";
  }
  options.max_requests = static_cast<std::size_t>(args.max_requests);
  if (args.rate) {
    if (!(*args.rate > 0 && *args.rate <= 100000)) {
      return "--rate must be a number of requests per second above 0";
    }
    options.rate = *args.rate;
  }
  auto timeout = config::parse_duration(args.timeout);
  if (!timeout.value) {
    return "--timeout \"" + args.timeout + "\": " + timeout.error;
  }
  if (*timeout.value < std::chrono::seconds(1) || *timeout.value > std::chrono::hours(1)) {
    return "--timeout must be between 1s and 1h";
  }
  options.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(*timeout.value);
  return options;
}

}  // namespace

int run_audit(const AuditArgs& args) {
  auto checked = check_args(args);
  if (auto* error = std::get_if<std::string>(&checked)) {
    return user_error(*error);
  }
  const auto& options = std::get<audit::AuditOptions>(checked);
  auto result = audit::run_audit(options);
  if (auto* unreachable = std::get_if<audit::Unreachable>(&result)) {
    return user_error(unreachable->message);
  }
  const auto& report = std::get<audit::Report>(result);
  std::string text = args.format == "json"   ? audit::render_json(report)
                     : args.format == "html" ? audit::render_html(report)
                                             : audit::render_markdown(report);
  if (args.out) {
    std::ofstream file(*args.out, std::ios::binary | std::ios::trunc);
    file << text;
    file.close();
    if (!file) {
      return user_error("cannot write " + *args.out);
    }
    std::fprintf(stderr, "rampart audit: wrote %s (overall %s, %zu requests, %lld ms)\n",
                 args.out->c_str(),
                 report.scores.overall ? std::to_string(*report.scores.overall).c_str() : "n/a",
                 report.requests, static_cast<long long>(report.elapsed.count()));
  } else {
    std::fwrite(text.data(), 1, text.size(), stdout);
  }
  if (args.fail_under && (!report.scores.overall || *report.scores.overall < *args.fail_under)) {
    std::fprintf(stderr, "rampart audit: overall score %s is below --fail-under %d\n",
                 report.scores.overall ? std::to_string(*report.scores.overall).c_str() : "n/a",
                 *args.fail_under);
    return 1;
  }
  return 0;
}

}  // namespace rampart::cli
