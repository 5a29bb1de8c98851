// Loading: raw text -> ${VAR} substitution -> YAML -> the section readers -> Config.

#include "config/config.hpp"

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "config/env_substitution.hpp"
#include "config/key_path.hpp"
#include "config/mapping_reader.hpp"
#include "config/printable.hpp"
#include "config/problem_list.hpp"
#include "config/sections.hpp"
#include "config/source_map.hpp"

namespace rampart::config {

namespace {

// Top-level keys that name features built by later issues; refused until then.
constexpr std::string_view kUnsupportedTopLevelKeys[] = {"redis", "auth", "rate_limits", "cors"};

StoreLocation read_store(MappingReader& root) {
  std::string error;
  StoreLocation where = *parse_store_url(kDefaultStore, error);
  if (auto field = root.get("store")) {
    if (auto url = read_string(*field, root.problems())) {
      if (auto parsed = parse_store_url(*url, error)) {
        where = *parsed;
      } else {
        root.problems().add(field->mark, field->path, error);
      }
    }
  }
  return where;
}

Env read_env(MappingReader& root, const LoadOptions& options) {
  Env env = Env::development;
  root.read("env", env, [](const Field& f, ProblemList& p) {
    return read_choice<Env>(f, p,
                            {{"development", Env::development}, {"production", Env::production}});
  });
  return options.env_override.value_or(env);
}

Config read_document(const YAML::Node& document, ProblemList& problems,
                     const LoadOptions& options) {
  Config config;
  auto mark = document.Mark().is_null() ? YAML::Mark() : document.Mark();
  MappingReader root(Field{document, mark, ""}, problems,
                     {"env", "server", "admin", "store", "redis", "log", "upstreams", "auth",
                      "rate_limits", "cors", "routes"});
  if (!root.is_mapping()) {
    return config;
  }
  config.env = read_env(root, options);
  if (auto server = root.get("server")) {
    config.server = read_server(*server, problems);
  }
  config.server.workers = resolve_workers(config.server.workers);
  if (auto admin = root.require(
          "admin", "admin section is required (admin: {api_key: \"${RAMPART_ADMIN_KEY}\"})")) {
    config.admin = read_admin(*admin, problems, config.env);
  }
  if (auto log = root.get("log")) {
    config.log = read_log(*log, problems);
  }
  config.store = read_store(root);
  if (auto upstreams = root.require("upstreams", "at least one upstream is required")) {
    config.upstreams = read_upstreams(*upstreams, problems);
  }
  if (auto routes = root.require("routes", "at least one route is required")) {
    config.routes =
        read_routes(*routes, problems,
                    RouteContext{config.env, config.server, config.upstreams, options.route_keys});
  }
  for (const auto& section : options.section_keys) {
    if (auto field = root.get(section.key)) {
      if (auto settings = section.read(*field, problems, config.env)) {
        config.sections.push_back(RouteSetting{std::string(section.key), std::move(settings)});
      }
    }
  }
  for (const auto& check : options.checks) {
    check(config, problems);
  }
  for (auto key : kUnsupportedTopLevelKeys) {
    const bool owned = std::any_of(options.section_keys.begin(), options.section_keys.end(),
                                   [&](const RouteKeyReader& reader) { return reader.key == key; });
    if (owned) {
      continue;
    }
    root.refuse_unsupported(key);
  }
  return config;
}

/// Where each document starts, and nothing else.
class DocumentStarts final : public YAML::EventHandler {
 public:
  std::vector<YAML::Mark> marks;

  void OnDocumentStart(const YAML::Mark& mark) override { marks.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// One document, or a problem. yaml-cpp reports syntax errors as exceptions with a mark.
std::optional<YAML::Node> parse_yaml(const std::string& text, ProblemList& problems) {
  try {
    // Never YAML::LoadAll: on some malformed input (a stray top-level ",") yaml-cpp 0.7
    // returns an empty document again and again without consuming anything, and LoadAll
    // keeps them all until memory runs out (yaml-cpp issue 1040; found by the config
    // fuzzer). Looking for a second document is enough.
    std::istringstream stream(text);
    YAML::Parser parser(stream);
    DocumentStarts starts;
    while (starts.marks.size() < 2 && parser.HandleNextDocument(starts)) {
    }
    if (starts.marks.size() > 1) {
      const auto& second = starts.marks[1];
      problems.add(second, "",
                   second.pos == starts.marks[0].pos
                       ? std::string("invalid YAML: unexpected character")
                       : std::string("expected one YAML document, found a second one"));
      return std::nullopt;
    }
    return starts.marks.empty() ? YAML::Node() : YAML::Load(text);
  } catch (const YAML::Exception& e) {
    problems.add(e.mark, "", fmt::format("invalid YAML: {}", e.msg));
    return std::nullopt;
  }
}

void report_substitution_errors(const SubstitutedText& substituted,
                                const std::optional<YAML::Node>& document, ProblemList& problems) {
  for (const auto& error : substituted.errors) {
    auto position = problems.source_map().at_input(error.input_offset);
    std::string key_path;
    if (document) {
      key_path = key_path_at(*document, substituted.text, error.output_offset);
    }
    problems.add(position, key_path, error.message);
    if (!key_path.empty()) {
      problems.suppress_key(key_path);
    }
  }
}

}  // namespace

std::string ConfigProblem::to_string() const {
  std::string out = file;
  if (line != 0) {
    out += fmt::format(":{}:{}", line, column);
  }
  out += ": ";
  if (!key_path.empty()) {
    out += key_path;
    out += ": ";
  }
  out += message;
  return out;
}

LoadResult load_config_text(const std::string& text, const std::string& source_name) {
  return load_config_text(text, source_name, LoadOptions{});
}

LoadResult load_config_text(const std::string& text, const std::string& source_name,
                            const LoadOptions& options) {
  // A UTF-8 byte order mark is not part of the first line as an editor shows it.
  std::string_view body = text;
  if (body.starts_with("\xEF\xBB\xBF")) {
    body.remove_prefix(3);
  }
  auto substituted = substitute_env(body, process_env);
  SourceMap source_map(std::string(body), substituted.splices);
  ProblemList problems(source_name, source_map);

  auto document = parse_yaml(substituted.text, problems);
  report_substitution_errors(substituted, document, problems);
  auto config = std::make_shared<Config>();
  if (document) {
    try {
      *config = read_document(*document, problems, options);
    } catch (const YAML::Exception& e) {  // not expected once parsed; a problem all the same
      problems.add(e.mark, "", fmt::format("invalid YAML: {}", e.msg));
    }
  }
  config->source_path = source_name;

  LoadResult result;
  result.problems = problems.take();
  if (result.problems.empty()) {
    result.config = std::move(config);
  }
  return result;
}

LoadResult load_config(const std::string& path) { return load_config(path, LoadOptions{}); }

LoadResult load_config(const std::string& path, const LoadOptions& options) {
  auto unreadable = [&](std::string reason) {
    LoadResult result;
    result.problems.push_back(
        {printable(path), 0, 0, "", "cannot read the config file: " + printable(reason)});
    return result;
  };
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return unreadable(std::strerror(errno));
  }
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return unreadable(std::strerror(EISDIR));
  }
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (file.bad()) {
    return unreadable(std::strerror(errno));
  }
  return load_config_text(text, path, options);
}

}  // namespace rampart::config
