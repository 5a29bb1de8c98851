// load_config_text on arbitrary bytes (issue 7): an operator's file, or one an attacker could
// get in front of `rampart check`. Checks:
// - it never crashes, throws, hangs or trips ASan/UBSan (yaml-cpp's exceptions must all be
//   caught; yaml-cpp 0.7's LoadAll never ends on a top-level ",", its issue 1040, which
//   corpus/config_loader/crash-yaml-* keep in the seeds);
// - either a Config or problems, never both, never neither;
// - every problem names the file, has a sane position, and prints as one line with no control
//   characters: to_string() goes to a terminal and to JSON logs, so a key or value quoted
//   back from the file must not smuggle ANSI escapes or line breaks into it.

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "config/config.hpp"
#include "fuzz_support.hpp"
#include "policies/registry.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // The examples and tests refer to these; a fixed value keeps runs reproducible.
  setenv("RAMPART_ADMIN_KEY", "k7Qz2mXv9LpR4tYb8NcW3sHd6FgJ1aE5", 1);
  setenv("FUZZ_VAR", "value", 1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rampart::fuzz;
  const std::string text(reinterpret_cast<const char*>(data), size);
  // With the registry's route keys, as `rampart check` and `serve` load: the policies' own
  // readers (headers: ...) get the same bytes.
  static const rampart::config::LoadOptions options = rampart::policies::load_options();
  const auto result = rampart::config::load_config_text(text, "fuzz.yaml", options);
  require((result.config != nullptr) != !result.problems.empty(),
          "a config with problems, or neither");
  const long lines = 1 + std::count(text.begin(), text.end(), '\n');
  for (const auto& problem : result.problems) {
    const std::string printed = problem.to_string();
    require(problem.file == "fuzz.yaml", "a problem in another file");
    require(problem.line >= 0 && problem.column >= 0 && problem.line <= lines + 1,
            "a problem outside the file");
    require(problem.line != 0 || problem.column == 0, "a column without a line");
    if (has_ctl(printed, /*tab_allowed=*/false)) {
      fail("a problem that prints control characters", escaped(printed));
    }
  }
  return 0;
}
