#pragma once
#include <string>

namespace rampart::cli {

/// `rampart serve`: runs the gateway in the foreground until SIGTERM/SIGINT; SIGHUP reloads.
int run_serve(const std::string& config_path);

}  // namespace rampart::cli
