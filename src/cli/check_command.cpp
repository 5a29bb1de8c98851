#include "cli/check_command.hpp"

#include <exception>
#include <iostream>

#include "audit/report.hpp"
#include "cli/config_report.hpp"
#include "config/config.hpp"
#include "policies/registry.hpp"

namespace rampart::cli {

namespace {

std::optional<config::Env> parse_env(const std::string& text) {
  if (text == "production") {
    return config::Env::production;
  }
  if (text == "development") {
    return config::Env::development;
  }
  return std::nullopt;
}

}  // namespace

int run_check(const std::string& config_path, const std::optional<std::string>& env_override,
              bool report) {
  auto options = policies::load_options();
  if (env_override) {
    options.env_override = parse_env(*env_override);
    if (!options.env_override) {
      std::cerr << "rampart check: --env must be production or development, not \"" << *env_override
                << "\"\n";
      return 1;
    }
  }
  try {
    auto result = config::load_config(config_path, options);
    if (!result.problems.empty()) {
      for (const auto& problem : result.problems) {
        std::cerr << problem.to_string() << '\n';
      }
      return 1;
    }
    std::cout << "ok\n";
    // In production the score comes with the verdict (SPEC §9); elsewhere on --report.
    if (report || result.config->env == config::Env::production) {
      // After "ok", never instead of it: scripts that read the first line keep working.
      std::cout << '\n' << audit::render_markdown(config_report(*result.config, config_path));
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "rampart check: internal error: " << e.what() << '\n';
    return 2;
  }
}

}  // namespace rampart::cli
