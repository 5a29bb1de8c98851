#include "cli/store_command.hpp"

#include <cstdio>
#include <filesystem>

#include "cli/store_access.hpp"

namespace rampart::cli {

int run_migrate(const std::string& config_path) {
  return with_configured_store(
      config_path,
      [](store::Store& opened) {
        const int before = opened.schema_version();
        const int after = opened.migrate();
        std::printf("store at schema version %d%s\n", after,
                    after == before ? " (nothing to do)" : "");
        return 0;
      },
      /*migrate=*/false);
}

int run_backup(const std::string& config_path, const std::string& file) {
  std::error_code ec;
  if (std::filesystem::exists(file, ec)) {
    std::fprintf(stderr,
                 "rampart backup: %s exists; choose a new file (a backup never "
                 "overwrites)\n",
                 file.c_str());
    return 1;
  }
  return with_configured_store(config_path, [&](store::Store& opened) {
    opened.backup(file);
    std::fprintf(stderr, "backed up the store to %s\n", file.c_str());
    return 0;
  });
}

int run_restore(const std::string& config_path, const std::string& file) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    std::fprintf(stderr, "rampart restore: %s is not a file\n", file.c_str());
    return 1;
  }
  return with_configured_store(config_path, [&](store::Store& opened) {
    opened.restore(file);
    std::fprintf(stderr, "restored the store from %s\n", file.c_str());
    return 0;
  });
}

}  // namespace rampart::cli
