#include "policies/jwt/config.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>

#include "config/names.hpp"

namespace rampart::policies::jwt {

namespace {

constexpr std::size_t kMaxPemBytes = 64 * 1024;

bool is_hmac(JwsAlgorithm algorithm) {
  return algorithm == JwsAlgorithm::HS256 || algorithm == JwsAlgorithm::HS384 ||
         algorithm == JwsAlgorithm::HS512;
}

std::optional<std::string> read_pem_file(const config::Field& field, const std::string& path,
                                         config::ProblemList& problems) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    problems.add(field.mark, field.path, "cannot read \"" + path + "\"");
    return std::nullopt;
  }
  std::string pem;
  pem.resize(kMaxPemBytes + 1);
  in.read(pem.data(), static_cast<std::streamsize>(pem.size()));
  pem.resize(static_cast<std::size_t>(in.gcount()));
  if (pem.size() > kMaxPemBytes) {
    problems.add(field.mark, field.path, "\"" + path + "\" is over 64 KiB: not a public key");
    return std::nullopt;
  }
  return pem;
}

void read_algorithms(const config::Field& field, config::ProblemList& problems,
                     IssuerSettings& issuer) {
  auto items = config::read_list(field, problems);
  if (!items) {
    return;
  }
  if (items->empty()) {
    problems.add(field.mark, field.path, "must list at least one algorithm, e.g. [RS256]");
  }
  for (const auto& item : *items) {
    auto name = config::read_string(item, problems);
    if (!name) {
      continue;
    }
    auto algorithm = algorithm_from_name(*name);
    if (!algorithm) {
      std::string lower(*name);
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      problems.add(item.mark, item.path,
                   lower == "none" ? "\"none\" is never accepted: an unsigned token proves nothing"
                                   : "unknown algorithm; expected HS256, HS384, HS512, RS256, "
                                     "RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512 or "
                                     "EdDSA");
      continue;
    }
    if (std::find(issuer.algorithms.begin(), issuer.algorithms.end(), *algorithm) ==
        issuer.algorithms.end()) {
      issuer.algorithms.push_back(*algorithm);
    }
  }
}

void read_tier_claim(const config::Field& field, config::ProblemList& problems,
                     IssuerSettings& issuer) {
  auto path = config::read_string(field, problems);
  if (!path) {
    return;
  }
  std::vector<std::string> parts;
  std::string_view rest = *path;
  while (true) {
    auto dot = rest.find('.');
    parts.emplace_back(rest.substr(0, dot));
    if (dot == std::string_view::npos) {
      break;
    }
    rest.remove_prefix(dot + 1);
  }
  if (std::any_of(parts.begin(), parts.end(), [](const auto& p) { return p.empty(); })) {
    problems.add(field.mark, field.path,
                 "must be a claim name, or names joined by dots for a nested claim "
                 "(public_metadata.plan)");
    return;
  }
  issuer.tier_claim = std::move(parts);
  issuer.tier_claim_name = *path;
}

/// The key source: exactly one of jwks_url, secret, public_key_file.
void read_key_source(config::MappingReader& reader, config::ProblemList& problems, config::Env env,
                     IssuerSettings& issuer) {
  auto jwks = reader.get("jwks_url");
  auto secret = reader.get("secret");
  auto pem_file = reader.get("public_key_file");
  const int sources = int(jwks.has_value()) + int(secret.has_value()) + int(pem_file.has_value());
  if (sources != 1) {
    problems.add(reader.field().mark, reader.field().path,
                 sources == 0 ? "needs where its keys come from: jwks_url, secret or "
                                "public_key_file"
                              : "must have exactly one of jwks_url, secret and public_key_file");
    return;
  }
  if (jwks) {
    auto text = config::read_string(*jwks, problems);
    if (!text) {
      return;
    }
    std::string error;
    auto url = parse_jwks_url(*text, error);
    if (!url) {
      problems.add(jwks->mark, jwks->path, error);
      return;
    }
    if (!url->https && env == config::Env::production) {
      problems.add(jwks->mark, jwks->path,
                   "must be https:// in production: keys fetched in clear can be replaced on "
                   "the way");
      return;
    }
    issuer.jwks_url = std::move(*url);
  } else if (secret) {
    auto text = config::read_string(*secret, problems);
    if (!text) {
      return;
    }
    if (text->size() < kMinSecretBytes) {
      problems.add(secret->mark, secret->path,
                   "must be at least 32 bytes (it has " + std::to_string(text->size()) +
                       "): a short HMAC secret can be guessed offline from one token");
      return;
    }
    issuer.static_key =
        std::make_shared<const VerificationKey>(VerificationKey::from_secret(*text));
  } else {
    auto path = config::read_string(*pem_file, problems);
    if (!path) {
      return;
    }
    auto pem = read_pem_file(*pem_file, *path, problems);
    if (!pem) {
      return;
    }
    std::string error;
    auto key = VerificationKey::from_pem(*pem, error);
    if (!key) {
      problems.add(pem_file->mark, pem_file->path, "\"" + *path + "\": " + error);
      return;
    }
    issuer.static_key = std::make_shared<const VerificationKey>(std::move(*key));
  }
}

/// Each allowed algorithm must be usable with the key source: HS* only with a secret long
/// enough for its hash, the others only with a public key of their type (never a secret, and
/// never a JWKS's oct key: a JWKS is public).
void check_algorithms_fit(const config::Field& field, config::ProblemList& problems,
                          const IssuerSettings& issuer) {
  for (auto algorithm : issuer.algorithms) {
    std::string error;
    if (issuer.jwks_url) {
      if (is_hmac(algorithm)) {
        problems.add(field.mark, field.path,
                     std::string(algorithm_name(algorithm)) +
                         " needs `secret:`: HMAC keys are secret and a JWKS is public");
      }
    } else if (issuer.static_key && !key_fits(algorithm, *issuer.static_key, error)) {
      problems.add(field.mark, field.path,
                   std::string(algorithm_name(algorithm)) + " does not fit the key: " + error);
    }
  }
}

std::optional<IssuerSettings> read_issuer(const config::Field& field, config::ProblemList& problems,
                                          config::Env env) {
  config::MappingReader reader(field, problems,
                               {"name", "issuer", "jwks_url", "secret", "public_key_file",
                                "audiences", "algorithms", "leeway", "tier_claim"});
  if (!reader.is_mapping()) {
    return std::nullopt;
  }
  const std::size_t problems_before = problems.size();
  IssuerSettings issuer;
  if (auto name = reader.require("name", "needs a name (for logs and metrics), e.g. name: clerk")) {
    if (auto text = config::read_string(*name, problems)) {
      if (config::is_valid_name(*text)) {
        issuer.name = *text;
      } else {
        problems.add(name->mark, name->path, std::string(config::kNameRule));
      }
    }
  }
  if (auto iss = reader.require("issuer", "needs the issuer, the exact `iss` of its tokens")) {
    if (auto text = config::read_string(*iss, problems)) {
      if (text->empty()) {
        problems.add(iss->mark, iss->path, "must not be empty");
      }
      issuer.issuer = *text;
    }
  }
  read_key_source(reader, problems, env, issuer);
  if (auto audiences = reader.get("audiences")) {
    if (auto items = config::read_list(*audiences, problems)) {
      for (const auto& item : *items) {
        if (auto text = config::read_string(item, problems)) {
          issuer.audiences.push_back(*text);
        }
      }
    }
  }
  if (auto algorithms = reader.require(
          "algorithms", "needs algorithms, the exact allow-list (e.g. algorithms: [RS256])")) {
    read_algorithms(*algorithms, problems, issuer);
    check_algorithms_fit(*algorithms, problems, issuer);
  }
  if (auto leeway = reader.get("leeway")) {
    if (auto value = config::read_duration(*leeway, problems)) {
      if (*value > kMaxLeeway) {
        problems.add(leeway->mark, leeway->path,
                     "must be at most 5m: a longer leeway keeps expired tokens alive");
      } else {
        issuer.leeway = std::chrono::duration_cast<std::chrono::seconds>(*value);
      }
    }
  }
  if (auto tier = reader.get("tier_claim")) {
    read_tier_claim(*tier, problems, issuer);
  }
  if (problems.size() != problems_before) {
    return std::nullopt;
  }
  return issuer;
}

}  // namespace

bool IssuerSettings::allows(JwsAlgorithm algorithm) const {
  return std::find(algorithms.begin(), algorithms.end(), algorithm) != algorithms.end();
}

std::vector<IssuerSettings> read_issuers(const config::Field& field, config::ProblemList& problems,
                                         config::Env env) {
  std::vector<IssuerSettings> issuers;
  auto items = config::read_list(field, problems);
  if (!items) {
    return issuers;
  }
  for (const auto& item : *items) {
    auto issuer = read_issuer(item, problems, env);
    if (!issuer) {
      continue;
    }
    for (const auto& other : issuers) {
      if (other.name == issuer->name) {
        problems.add(item.mark, item.path + ".name",
                     "\"" + issuer->name + "\" is the name of an earlier issuer");
      } else if (other.issuer == issuer->issuer) {
        problems.add(item.mark, item.path + ".issuer",
                     "is also the issuer of \"" + other.name +
                         "\": a token is matched to its issuer by iss, so each must be unique");
      }
    }
    issuers.push_back(std::move(*issuer));
  }
  return issuers;
}

}  // namespace rampart::policies::jwt
