#include "cli/store_access.hpp"

#include <cstdio>

#include "config/config.hpp"
#include "policies/registry.hpp"

namespace rampart::cli {

std::unique_ptr<store::Store> open_configured_store(const std::string& config_path,
                                                    int& exit_status, bool migrate) {
  auto options = policies::load_options();
  auto result = config::load_config(config_path, options);
  if (!result.problems.empty()) {
    for (const auto& problem : result.problems) {
      std::fprintf(stderr, "%s\n", problem.to_string().c_str());
    }
    exit_status = 1;
    return nullptr;
  }
  try {
    auto opened = store::open_store(result.config->store);
    if (migrate) {
      opened->migrate();
    }
    return opened;
  } catch (const store::StoreError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    exit_status = 1;
    return nullptr;
  }
}

int with_configured_store(const std::string& config_path,
                          const std::function<int(store::Store&)>& command, bool migrate) {
  int status = 0;
  auto opened = open_configured_store(config_path, status, migrate);
  if (!opened) {
    return status;
  }
  try {
    return command(*opened);
  } catch (const store::StoreError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}

}  // namespace rampart::cli
