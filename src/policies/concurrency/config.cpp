#include "policies/concurrency/config.hpp"

namespace rampart::policies {

std::shared_ptr<const config::PolicySettings> read_concurrency(const config::Field& field,
                                                               config::ProblemList& problems,
                                                               config::Env /*env*/) {
  config::MappingReader reader(field, problems, {"max", "queue", "queue_timeout"});
  if (!reader.is_mapping()) {
    return nullptr;
  }
  auto settings = std::make_shared<ConcurrencySettings>();
  auto max = reader.require("max", "max is required, e.g. concurrency: {max: 4}");
  if (!max) {
    return nullptr;
  }
  auto value = config::read_number(*max, problems, 1, kMaxConcurrency);
  if (!value) {
    return nullptr;
  }
  settings->max = static_cast<std::size_t>(*value);
  reader.read("queue", settings->queue, [](const config::Field& f, config::ProblemList& p) {
    return config::read_number(f, p, 0, kMaxConcurrency);
  });
  reader.read("queue_timeout", settings->queue_timeout, config::read_duration);
  return settings;
}

}  // namespace rampart::policies
