#pragma once
// JOSE over OpenSSL 3: the compact JWS form (RFC 7515), its algorithms (RFC 7518, RFC 8037's
// EdDSA) and JWK public keys (RFC 7517). Only what a verifier needs, and strict: everything
// RFC 8725 lists as a way to confuse a verifier is refused here, before any key is chosen.

#include <openssl/types.h>

#include <boost/json/object.hpp>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace rampart::policies::jwt {

/// The JWS algorithms rampart verifies. There is no `none`.
enum class JwsAlgorithm {
  HS256,
  HS384,
  HS512,
  RS256,
  RS384,
  RS512,
  PS256,
  PS384,
  PS512,
  ES256,
  ES384,
  ES512,
  EdDSA,
};

/// The algorithm `name` names (exact, case-sensitive, as RFC 7518 registers them); nullopt
/// for "none" in any spelling and for every name not in the list above.
std::optional<JwsAlgorithm> algorithm_from_name(std::string_view name);
std::string_view algorithm_name(JwsAlgorithm algorithm);

/// Larger tokens are refused before they are decoded: a bearer token is a header field, and
/// 8 KiB is the usual limit of a whole header line.
inline constexpr std::size_t kMaxTokenSize = 8 * 1024;

/// A compact JWS that passed every structural check; its signature is not yet verified.
struct JwsParts {
  JwsAlgorithm algorithm{};
  std::optional<std::string> kid;
  boost::json::object header;
  boost::json::object claims;
  std::string_view signing_input;  ///< view into the token: "<header>.<payload>"
  std::string signature;           ///< decoded bytes
};

/// Splits and checks a compact JWS: at most kMaxTokenSize bytes, exactly three non-empty
/// parts of canonical base64url, header and payload JSON objects without duplicate keys,
/// a known `alg`, no `crit`, no `jku`/`x5u`/`jwk`/`x5c`, `typ` (when present) JWT or at+jwt
/// and `kid` (when present) a string. On failure returns nullopt and says why in `error`,
/// a private reason for logs, never for the client.
std::optional<JwsParts> parse_compact(std::string_view token, std::string& error);

/// A key a signature is checked with: a public key (RSA, EC P-256/384/521, Ed25519) or an
/// HMAC secret. Immutable once made; shared by every request that uses it.
class VerificationKey {
 public:
  enum class Type { hmac, rsa, ec_p256, ec_p384, ec_p521, ed25519 };

  /// From a JWK (RFC 7517): RSA n/e, EC crv/x/y, OKP Ed25519 x, oct k. Private members are
  /// ignored; `use`, when present, must be "sig"; `alg`, when present, pins the algorithm.
  static std::optional<VerificationKey> from_jwk(const boost::json::object& jwk,
                                                 std::string& error);
  /// From a PEM "PUBLIC KEY" (SubjectPublicKeyInfo) block: RSA, EC or Ed25519.
  static std::optional<VerificationKey> from_pem(std::string_view pem, std::string& error);
  /// An HMAC secret, as bytes.
  static VerificationKey from_secret(std::string_view secret);

  VerificationKey(VerificationKey&&) noexcept = default;
  VerificationKey& operator=(VerificationKey&&) noexcept = default;
  ~VerificationKey();

  Type type() const { return type_; }
  /// The only algorithm this key may be used with, when its JWK says so.
  std::optional<JwsAlgorithm> pinned_algorithm() const { return pinned_; }
  EVP_PKEY* public_key() const { return pkey_.get(); }
  std::string_view secret() const { return secret_; }

 private:
  struct PkeyFree {
    void operator()(EVP_PKEY* pkey) const;
  };
  VerificationKey(Type type, EVP_PKEY* pkey, std::string secret);

  Type type_;
  std::unique_ptr<EVP_PKEY, PkeyFree> pkey_;
  std::string secret_;
  std::optional<JwsAlgorithm> pinned_;
};

/// Whether `key` may verify `algorithm` (RFC 8725 §3.1): HS* only with a secret at least as
/// long as the hash (RFC 7518 §3.2), RS*/PS* only with RSA, ES256/384/512 only with
/// P-256/384/521, EdDSA only with Ed25519, and only the algorithm a JWK pins.
bool key_fits(JwsAlgorithm algorithm, const VerificationKey& key, std::string& error);

/// True when `signature` is `algorithm`'s signature of `signing_input` under `key`, and the
/// key fits the algorithm. ES* signatures are raw R||S (RFC 7518 §3.4), not DER.
bool verify(JwsAlgorithm algorithm, const VerificationKey& key, std::string_view signing_input,
            std::string_view signature);

}  // namespace rampart::policies::jwt
