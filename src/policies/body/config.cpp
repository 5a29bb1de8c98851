#include "policies/body/config.hpp"

#include <filesystem>
#include <fstream>

namespace rampart::policies {

namespace {

/// Reads and compiles the schema file the key names (relative to the config file's
/// directory), or adds a problem at the key saying what is wrong.
std::shared_ptr<const JsonSchema> read_schema(const config::Field& field,
                                              config::ProblemList& problems) {
  auto name = config::read_string(field, problems);
  if (!name) {
    return nullptr;
  }
  std::filesystem::path path(*name);
  if (path.is_relative()) {
    path = std::filesystem::path(problems.file()).parent_path() / path;
  }
  // Only a regular file: a FIFO or a device would block the load or feed it for ever.
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    problems.add(field.mark, field.path,
                 "cannot read \"" + path.string() + "\"" +
                     (std::filesystem::exists(path, ec) ? ": not a regular file" : ""));
    return nullptr;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    problems.add(field.mark, field.path, "cannot read \"" + path.string() + "\"");
    return nullptr;
  }
  std::string text(kMaxSchemaFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (in.bad()) {
    problems.add(field.mark, field.path, "cannot read \"" + path.string() + "\"");
    return nullptr;
  }
  if (text.size() > kMaxSchemaFileBytes) {
    problems.add(field.mark, field.path, "\"" + path.string() + "\" is over 4 MiB");
    return nullptr;
  }
  std::string error;
  auto schema = JsonSchema::compile(text, error);
  if (!schema) {
    problems.add(field.mark, field.path, "\"" + path.string() + "\" " + error);
  }
  return schema;
}

}  // namespace

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
  if (auto schema = reader.get("schema")) {
    body->schema = read_schema(*schema, problems);
    // A schema validates a parsed document: the body must be well-formed JSON first.
    body->json = true;
  }
  return body;
}

}  // namespace rampart::policies
