// The command line (SPEC §1): parse arguments, run one command. Exit 0 on success, 1 on a
// user error, 2 on an internal failure.

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <optional>
#include <string>

#include "cli/check_command.hpp"
#include "cli/serve_command.hpp"
#include "cli/version.hpp"

int main(int argc, char** argv) {
  CLI::App app{"rampart: a production-hardening API gateway"};
  app.require_subcommand(1);
  std::string config_path = "rampart.yaml";

  auto* serve = app.add_subcommand("serve", "run the gateway in the foreground");
  serve->add_option("-c,--config", config_path, "config file")->capture_default_str();

  auto* check = app.add_subcommand("check", "validate the config: prints ok or every problem");
  check->add_option("-c,--config", config_path, "config file")->capture_default_str();
  std::optional<std::string> env;
  check->add_option("--env", env, "validate as this env (production|development)");

  auto* version = app.add_subcommand("version", "print the version");
  version->add_option("-c,--config", config_path, "ignored; accepted like every command");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 1;
  }

  try {
    if (*serve) {
      return rampart::cli::run_serve(config_path);
    }
    if (*check) {
      return rampart::cli::run_check(config_path, env);
    }
    if (*version) {
      std::printf("rampart %s\n", rampart::cli::kVersion);
      return 0;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rampart: internal error: %s\n", e.what());
    return 2;
  }
  return 1;
}
