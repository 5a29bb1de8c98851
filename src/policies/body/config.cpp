#include "policies/body/config.hpp"

namespace rampart::policies {

std::shared_ptr<const config::PolicySettings> read_body(const config::Field& field,
                                                        config::ProblemList& problems,
                                                        config::Env /*env*/) {
  config::MappingReader reader(field, problems, {"max_bytes", "json", "schema"});
  if (!reader.is_mapping()) {
    return nullptr;
  }
  auto body = std::make_shared<BodySettings>();
  reader.read("max_bytes", body->max_bytes, [](const config::Field& f, config::ProblemList& p) {
    return config::read_size(f, p, 1, kMaxBodyMaxBytes);
  });
  reader.read("json", body->json, config::read_bool);
  reader.refuse_unsupported("schema");
  return body;
}

}  // namespace rampart::policies
