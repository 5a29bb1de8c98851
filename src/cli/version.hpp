#pragma once

namespace rampart::cli {

inline constexpr const char* kVersion = RAMPART_VERSION;

}  // namespace rampart::cli
