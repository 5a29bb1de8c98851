#include "policies/jwt/jose.hpp"

#include <algorithm>
#include <array>
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/parse.hpp>
#include <string>
#include <utility>
#include <vector>

#include "policies/jwt/base64url.hpp"

namespace rampart::policies::jwt {

namespace {

struct AlgorithmName {
  std::string_view name;
  JwsAlgorithm algorithm;
};

constexpr std::array<AlgorithmName, 13> kAlgorithms{{
    {"HS256", JwsAlgorithm::HS256},
    {"HS384", JwsAlgorithm::HS384},
    {"HS512", JwsAlgorithm::HS512},
    {"RS256", JwsAlgorithm::RS256},
    {"RS384", JwsAlgorithm::RS384},
    {"RS512", JwsAlgorithm::RS512},
    {"PS256", JwsAlgorithm::PS256},
    {"PS384", JwsAlgorithm::PS384},
    {"PS512", JwsAlgorithm::PS512},
    {"ES256", JwsAlgorithm::ES256},
    {"ES384", JwsAlgorithm::ES384},
    {"ES512", JwsAlgorithm::ES512},
    {"EdDSA", JwsAlgorithm::EdDSA},
}};

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
           return lower(x) == lower(y);
         });
}

/// A boost::json::basic_parser handler that only looks for an object with the same key
/// twice. Boost.JSON keeps the last of two equal keys without a word; two readers of the same
/// token (rampart and the upstream) that keep different ones would see different claims.
class DuplicateKeyFinder {
 public:
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  bool found() const { return found_; }

  bool on_document_begin(boost::json::error_code&) { return true; }
  bool on_document_end(boost::json::error_code&) { return true; }
  bool on_object_begin(boost::json::error_code&) {
    keys_.emplace_back();
    return true;
  }
  bool on_object_end(std::size_t, boost::json::error_code&) {
    keys_.pop_back();
    return true;
  }
  bool on_array_begin(boost::json::error_code&) { return true; }
  bool on_array_end(std::size_t, boost::json::error_code&) { return true; }
  bool on_key_part(boost::json::string_view s, std::size_t, boost::json::error_code&) {
    key_.append(s.data(), s.size());
    return true;
  }
  bool on_key(boost::json::string_view s, std::size_t, boost::json::error_code& ec) {
    key_.append(s.data(), s.size());
    auto& seen = keys_.back();
    // Objects in a token are small (a dozen claims): a linear scan beats a hash set here.
    if (std::find(seen.begin(), seen.end(), key_) != seen.end()) {
      found_ = true;
      ec = boost::json::error::syntax;
      return false;
    }
    seen.push_back(std::move(key_));
    key_.clear();
    return true;
  }
  bool on_string_part(boost::json::string_view, std::size_t, boost::json::error_code&) {
    return true;
  }
  bool on_string(boost::json::string_view, std::size_t, boost::json::error_code&) { return true; }
  bool on_number_part(boost::json::string_view, boost::json::error_code&) { return true; }
  bool on_int64(std::int64_t, boost::json::string_view, boost::json::error_code&) { return true; }
  bool on_uint64(std::uint64_t, boost::json::string_view, boost::json::error_code&) { return true; }
  bool on_double(double, boost::json::string_view, boost::json::error_code&) { return true; }
  bool on_bool(bool, boost::json::error_code&) { return true; }
  bool on_null(boost::json::error_code&) { return true; }
  bool on_comment_part(boost::json::string_view, boost::json::error_code&) { return true; }
  bool on_comment(boost::json::string_view, boost::json::error_code&) { return true; }

 private:
  std::vector<std::vector<std::string>> keys_;
  std::string key_;
  bool found_ = false;
};

/// One base64url part, decoded and parsed as a JSON object with unique keys (RFC 7515 §4 and
/// RFC 7519 §4 allow a parser to take the last duplicate; rampart refuses, as RFC 8725 §3.9
/// advises). `what` names the part in `error`.
std::optional<boost::json::object> decode_object(std::string_view part, std::string_view what,
                                                 std::string& error) {
  auto bytes = base64url_decode(part);
  if (!bytes) {
    error = std::string(what) + " is not canonical base64url";
    return std::nullopt;
  }
  boost::json::basic_parser<DuplicateKeyFinder> finder{boost::json::parse_options{}};
  boost::json::error_code ec;
  finder.write_some(false, bytes->data(), bytes->size(), ec);
  if (finder.handler().found()) {
    error = std::string(what) + " has a duplicate key";
    return std::nullopt;
  }
  boost::json::value value = boost::json::parse(*bytes, ec);
  if (ec) {
    error = std::string(what) + " is not JSON";
    return std::nullopt;
  }
  if (!value.is_object()) {
    error = std::string(what) + " is not a JSON object";
    return std::nullopt;
  }
  return std::move(value.as_object());
}

/// RFC 7515 §4.1.9: a `typ` without '/' means "application/<typ>", and media types compare
/// case-insensitively; so "JWT", "jwt" and "application/jwt" are the same value.
bool is_accepted_typ(std::string_view typ) {
  if (typ.size() > 12 && iequals(typ.substr(0, 12), "application/")) {
    typ.remove_prefix(12);
  }
  return iequals(typ, "JWT") || iequals(typ, "at+jwt");
}

bool check_header(const boost::json::object& header, JwsParts& parts, std::string& error) {
  const auto* alg = header.if_contains("alg");
  if (alg == nullptr || !alg->is_string()) {
    error = "the header has no alg string";
    return false;
  }
  const std::string_view name = alg->as_string();
  if (iequals(name, "none")) {
    error = "alg none is refused";
    return false;
  }
  const auto algorithm = algorithm_from_name(name);
  if (!algorithm) {
    error = "alg is not a supported algorithm";
    return false;
  }
  parts.algorithm = *algorithm;
  // crit names extensions the verifier must understand; rampart understands none of them.
  if (header.contains("crit")) {
    error = "the header has crit";
    return false;
  }
  // Each of these lets the token choose the key that verifies it (RFC 8725 §3.10).
  for (std::string_view key_source : {"jku", "x5u", "jwk", "x5c"}) {
    if (header.contains(key_source)) {
      error = "the header has " + std::string(key_source);
      return false;
    }
  }
  if (const auto* typ = header.if_contains("typ")) {
    if (!typ->is_string() || !is_accepted_typ(typ->as_string())) {
      error = "typ is neither JWT nor at+jwt";
      return false;
    }
  }
  if (const auto* kid = header.if_contains("kid")) {
    if (!kid->is_string()) {
      error = "kid is not a string";
      return false;
    }
    parts.kid = std::string(kid->as_string());
  }
  return true;
}

}  // namespace

std::optional<JwsAlgorithm> algorithm_from_name(std::string_view name) {
  for (const auto& entry : kAlgorithms) {
    if (entry.name == name) {
      return entry.algorithm;
    }
  }
  return std::nullopt;  // "none", "None", "NONE", ... are not in the list
}

std::string_view algorithm_name(JwsAlgorithm algorithm) {
  return kAlgorithms[static_cast<std::size_t>(algorithm)].name;
}

std::optional<JwsParts> parse_compact(std::string_view token, std::string& error) {
  if (token.size() > kMaxTokenSize) {
    error = "the token is larger than 8 KiB";
    return std::nullopt;
  }
  const auto first = token.find('.');
  const auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    error = "the token does not have exactly three parts";
    return std::nullopt;
  }
  const auto header_part = token.substr(0, first);
  const auto payload_part = token.substr(first + 1, second - first - 1);
  const auto signature_part = token.substr(second + 1);
  // An empty signature is what alg none makes; an empty payload is not a JWT.
  if (header_part.empty() || payload_part.empty() || signature_part.empty()) {
    error = "a part of the token is empty";
    return std::nullopt;
  }
  JwsParts parts;
  auto header = decode_object(header_part, "the header", error);
  if (!header || !check_header(*header, parts, error)) {
    return std::nullopt;
  }
  auto claims = decode_object(payload_part, "the payload", error);
  if (!claims) {
    return std::nullopt;
  }
  auto signature = base64url_decode(signature_part);
  if (!signature) {
    error = "the signature is not canonical base64url";
    return std::nullopt;
  }
  parts.header = std::move(*header);
  parts.claims = std::move(*claims);
  parts.signing_input = token.substr(0, second);
  parts.signature = std::move(*signature);
  return parts;
}

}  // namespace rampart::policies::jwt
