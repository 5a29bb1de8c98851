// The command line (SPEC §1): parse arguments, run one command. Exit 0 on success, 1 on a
// user error, 2 on an internal failure.

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <optional>
#include <string>

#include "cli/audit_command.hpp"
#include "cli/check_command.hpp"
#include "cli/keys_command.hpp"
#include "cli/serve_command.hpp"
#include "cli/store_command.hpp"
#include "cli/users_command.hpp"
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
  bool check_report = false;
  check->add_flag("--report", check_report,
                  "after ok, print a scored report of the config (always in production)");

  auto* version = app.add_subcommand("version", "print the version");
  version->add_option("-c,--config", config_path, "ignored; accepted like every command");

  // The store's commands: keys, users, migrate, backup, restore.
  auto with_config = [&](CLI::App* command) {
    command->add_option("-c,--config", config_path, "config file")->capture_default_str();
    return command;
  };
  auto* keys = app.add_subcommand("keys", "API keys: create, list, revoke");
  keys->require_subcommand(1);
  std::string key_name, key_tier, key_id;
  std::optional<std::string> key_expires;
  auto* keys_create = with_config(keys->add_subcommand("create", "create a key; prints it once"));
  keys_create->add_option("--name", key_name, "who or what the key is for")->required();
  keys_create->add_option("--tier", key_tier, "the client's tier (rate limits)");
  keys_create->add_option("--expires", key_expires, "lifetime from now, e.g. 90d");
  bool json = false;
  auto* keys_list = with_config(keys->add_subcommand("list", "list keys (never the secret)"));
  keys_list->add_flag("--json", json, "JSON instead of a table");
  auto* keys_revoke = with_config(keys->add_subcommand("revoke", "revoke a key"));
  keys_revoke->add_option("ID", key_id, "the key's id (the 8 characters after rk_)")->required();

  auto* users = app.add_subcommand("users", "admin users: add, list, remove");
  users->require_subcommand(1);
  std::string user_name;
  auto* users_add =
      with_config(users->add_subcommand("add", "add a user; the password is read from stdin"));
  users_add->add_option("NAME", user_name, "user name")->required();
  auto* users_list = with_config(users->add_subcommand("list", "list users"));
  users_list->add_flag("--json", json, "JSON instead of lines");
  auto* users_remove = with_config(users->add_subcommand("remove", "remove a user"));
  users_remove->add_option("NAME", user_name, "user name")->required();

  auto* migrate = with_config(app.add_subcommand("migrate", "apply the store's migrations"));
  std::string file;
  auto* backup = with_config(app.add_subcommand("backup", "copy the store to FILE, online"));
  backup->add_option("FILE", file, "the backup file (must not exist)")->required();
  auto* restore = with_config(app.add_subcommand("restore", "fill an empty store from FILE"));
  restore->add_option("FILE", file, "a file made by rampart backup")->required();

  rampart::cli::AuditArgs audit_args;
  auto* audit = app.add_subcommand("audit", "probe a running service; print a scored report");
  audit->add_option("-c,--config", config_path, "ignored; accepted like every command");
  audit->add_option("URL", audit_args.url, "the service, e.g. http://127.0.0.1:8000/api/items")
      ->required();
  audit->add_option("--format", audit_args.format, "md (default), json or html");
  audit->add_option("--out", audit_args.out, "write the report to FILE instead of stdout");
  audit->add_option("--private", audit_args.private_paths, "a path that needs credentials")
      ->allow_extra_args(false);
  audit->add_option("--webhook", audit_args.webhook, "a webhook path that needs a signature");
  audit->add_option("--fail-under", audit_args.fail_under, "exit 1 below this overall score");
  audit->add_option("--max-requests", audit_args.max_requests, "request budget")
      ->capture_default_str();
  audit->add_option("--rate", audit_args.rate, "at most this many requests per second");
  audit->add_option("--timeout", audit_args.timeout, "time budget of the whole audit")
      ->capture_default_str();
  audit
      ->add_option("--health", audit_args.health,
                   "health paths (default /health, "
                   "/health/live, /health/ready)")
      ->allow_extra_args(false);
  audit->add_flag("--expect-unready", audit_args.expect_unready,
                  "a dependency is down: readiness must say so");
  audit->add_option("--slow", audit_args.slow, "a slow endpoint that must time out");
  audit->add_option("--ca", audit_args.ca, "https: trust this CA file besides the system's");

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
      return rampart::cli::run_check(config_path, env, check_report);
    }
    if (*audit) {
      return rampart::cli::run_audit(audit_args);
    }
    if (*version) {
      std::printf("rampart %s\n", rampart::cli::kVersion);
      return 0;
    }
    namespace cli = rampart::cli;
    if (*keys_create) {
      return cli::run_keys_create(config_path, key_name, key_tier, key_expires);
    }
    if (*keys_list) {
      return cli::run_keys_list(config_path, json);
    }
    if (*keys_revoke) {
      return cli::run_keys_revoke(config_path, key_id);
    }
    if (*users_add) {
      return cli::run_users_add(config_path, user_name);
    }
    if (*users_list) {
      return cli::run_users_list(config_path, json);
    }
    if (*users_remove) {
      return cli::run_users_remove(config_path, user_name);
    }
    if (*migrate) {
      return cli::run_migrate(config_path);
    }
    if (*backup) {
      return cli::run_backup(config_path, file);
    }
    if (*restore) {
      return cli::run_restore(config_path, file);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rampart: internal error: %s\n", e.what());
    return 2;
  }
  return 1;
}
