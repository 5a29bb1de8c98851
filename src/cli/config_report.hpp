#pragma once
// `rampart check --report`: the audit's kind of scored report, judged on a loaded config
// (docs/audit.md, "Config report").

#include <string>
#include <vector>

#include "audit/check.hpp"
#include "audit/report.hpp"
#include "config/config.hpp"

namespace rampart::cli {

/// One Check per config check id (audit/config_catalog.cpp); the details name the routes.
std::vector<audit::Check> judge_config(const config::Config& config);

/// The scored report of `config`, loaded from `path`.
audit::Report config_report(const config::Config& config, const std::string& path);

}  // namespace rampart::cli
