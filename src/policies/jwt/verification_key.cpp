// VerificationKey and verify() of jose.hpp: the OpenSSL 3 half of JOSE (keys from JWK or PEM
// through OSSL_PARAM_BLD + EVP_PKEY_fromdata, signatures through EVP_DigestVerify and
// EVP_MAC), apart from the token parsing in jose.cpp.

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <array>

#include "policies/jwt/base64url.hpp"
#include "policies/jwt/jose.hpp"
#include "store/api_key.hpp"

namespace rampart::policies::jwt {

namespace {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using BignumPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using ParamsPtr = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM, OSSL_PARAM_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG, ECDSA_SIG_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

/// RFC 7518 §3.3: RSA keys below 2048 bits MUST NOT be used. The upper bound keeps a hostile
/// JWKS from making every verification cost a 64 Kbit modular exponentiation.
constexpr int kMinRsaBits = 2048;
constexpr int kMaxRsaBits = 16384;

struct Curve {
  std::string_view jwk_name;
  const char* group;
  std::size_t coordinate_size;
  VerificationKey::Type type;
};
constexpr std::array<Curve, 3> kCurves{{
    {"P-256", "prime256v1", 32, VerificationKey::Type::ec_p256},
    {"P-384", "secp384r1", 48, VerificationKey::Type::ec_p384},
    {"P-521", "secp521r1", 66, VerificationKey::Type::ec_p521},
}};

/// A JWK member that must be a canonical base64url string.
std::optional<std::string> member_bytes(const boost::json::object& jwk, std::string_view name,
                                        std::string& error) {
  const auto* value = jwk.if_contains(name);
  std::optional<std::string> bytes;
  if (value != nullptr && value->is_string()) {
    bytes = base64url_decode(value->as_string());
  }
  if (!bytes || bytes->empty()) {
    error = "the JWK's " + std::string(name) + " is missing or not canonical base64url";
    return std::nullopt;
  }
  return bytes;
}

std::string_view member_string(const boost::json::object& jwk, std::string_view name) {
  const auto* value = jwk.if_contains(name);
  return value != nullptr && value->is_string() ? std::string_view(value->as_string()) : "";
}

/// EVP_PKEY_fromdata of a public key of type `name` ("RSA", "EC", "ED25519").
EVP_PKEY* public_key_from(const char* name, OSSL_PARAM_BLD* bld) {
  ParamsPtr params{OSSL_PARAM_BLD_to_param(bld)};
  PkeyCtxPtr ctx{EVP_PKEY_CTX_new_from_name(nullptr, name, nullptr)};
  EVP_PKEY* pkey = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    ERR_clear_error();
    return nullptr;
  }
  return pkey;
}

/// EVP_PKEY_fromdata does not check that an EC point is on its curve in every OpenSSL 3
/// release; a point off the curve is refused here, once, when the key is loaded.
bool public_key_is_valid(EVP_PKEY* pkey) {
  PkeyCtxPtr ctx{EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr)};
  const bool ok = ctx && EVP_PKEY_public_check(ctx.get()) == 1;
  ERR_clear_error();
  return ok;
}

EVP_PKEY* rsa_from_jwk(const boost::json::object& jwk, std::string& error) {
  auto n = member_bytes(jwk, "n", error);
  auto e = member_bytes(jwk, "e", error);
  if (!n || !e) {
    return nullptr;
  }
  BignumPtr n_bn{BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()),
                           static_cast<int>(n->size()), nullptr)};
  BignumPtr e_bn{BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()),
                           static_cast<int>(e->size()), nullptr)};
  ParamBldPtr bld{OSSL_PARAM_BLD_new()};
  if (!n_bn || !e_bn || !bld || BN_num_bits(n_bn.get()) < kMinRsaBits ||
      BN_num_bits(n_bn.get()) > kMaxRsaBits || !BN_is_odd(e_bn.get()) || BN_is_one(e_bn.get())) {
    error = "the JWK's RSA key is not 2048 to 16384 bits with an odd exponent above 1";
    return nullptr;
  }
  OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n_bn.get());
  OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e_bn.get());
  EVP_PKEY* pkey = public_key_from("RSA", bld.get());
  if (pkey == nullptr) {
    error = "OpenSSL refused the JWK's RSA key";
  }
  return pkey;
}

EVP_PKEY* ec_from_jwk(const boost::json::object& jwk, const Curve& curve, std::string& error) {
  auto x = member_bytes(jwk, "x", error);
  auto y = member_bytes(jwk, "y", error);
  if (!x || !y) {
    return nullptr;
  }
  // RFC 7518 §6.2.1.2: x and y are the full coordinate size, leading zeros included.
  if (x->size() != curve.coordinate_size || y->size() != curve.coordinate_size) {
    error = "the JWK's x or y is not the size of a " + std::string(curve.jwk_name) + " coordinate";
    return nullptr;
  }
  std::string point = "\x04" + *x + *y;  // SEC 1 uncompressed point
  ParamBldPtr bld{OSSL_PARAM_BLD_new()};
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, curve.group, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    error = "OpenSSL could not build the JWK's EC key";
    return nullptr;
  }
  EVP_PKEY* pkey = public_key_from("EC", bld.get());
  if (pkey == nullptr || !public_key_is_valid(pkey)) {
    EVP_PKEY_free(pkey);
    error = "the JWK's EC point is not on " + std::string(curve.jwk_name);
    return nullptr;
  }
  return pkey;
}

EVP_PKEY* ed25519_from_jwk(const boost::json::object& jwk, std::string& error) {
  if (member_string(jwk, "crv") != "Ed25519") {
    error = "the JWK's OKP curve is not Ed25519";
    return nullptr;
  }
  auto x = member_bytes(jwk, "x", error);
  if (!x) {
    return nullptr;
  }
  ParamBldPtr bld{OSSL_PARAM_BLD_new()};
  if (x->size() != 32 || !bld ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, x->data(), x->size()) !=
          1) {
    error = "the JWK's Ed25519 x is not 32 bytes";
    return nullptr;
  }
  EVP_PKEY* pkey = public_key_from("ED25519", bld.get());
  if (pkey == nullptr) {
    error = "OpenSSL refused the JWK's Ed25519 key";
  }
  return pkey;
}

const EVP_MD* digest_of(JwsAlgorithm algorithm) {
  switch (algorithm) {
    case JwsAlgorithm::HS256:
    case JwsAlgorithm::RS256:
    case JwsAlgorithm::PS256:
    case JwsAlgorithm::ES256:
      return EVP_sha256();
    case JwsAlgorithm::HS384:
    case JwsAlgorithm::RS384:
    case JwsAlgorithm::PS384:
    case JwsAlgorithm::ES384:
      return EVP_sha384();
    case JwsAlgorithm::HS512:
    case JwsAlgorithm::RS512:
    case JwsAlgorithm::PS512:
    case JwsAlgorithm::ES512:
      return EVP_sha512();
    case JwsAlgorithm::EdDSA:
      return nullptr;  // Ed25519 hashes internally (PureEdDSA)
  }
  return nullptr;
}

bool verify_hmac(const EVP_MD* md, std::string_view secret, std::string_view input,
                 std::string_view signature) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  std::size_t length = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, EVP_MD_get0_name(md), nullptr, secret.data(),
                secret.size(), reinterpret_cast<const unsigned char*>(input.data()), input.size(),
                mac.data(), mac.size(), &length) == nullptr) {
    ERR_clear_error();
    return false;
  }
  return store::constant_time_equal(
      std::string_view(reinterpret_cast<const char*>(mac.data()), length), signature);
}

/// RFC 7518 §3.4: R||S, each the curve's coordinate size; OpenSSL verifies DER.
std::optional<std::string> ecdsa_der(std::string_view signature, std::size_t coordinate_size) {
  if (signature.size() != 2 * coordinate_size) {
    return std::nullopt;
  }
  const auto* raw = reinterpret_cast<const unsigned char*>(signature.data());
  EcdsaSigPtr sig{ECDSA_SIG_new()};
  BIGNUM* r = BN_bin2bn(raw, static_cast<int>(coordinate_size), nullptr);
  BIGNUM* s = BN_bin2bn(raw + coordinate_size, static_cast<int>(coordinate_size), nullptr);
  if (!sig || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return std::nullopt;
  }
  unsigned char* der = nullptr;
  const int length = i2d_ECDSA_SIG(sig.get(), &der);
  if (length <= 0) {
    return std::nullopt;
  }
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length));
  OPENSSL_free(der);
  return out;
}

bool digest_verify(JwsAlgorithm algorithm, EVP_PKEY* pkey, std::string_view input,
                   std::string_view signature) {
  MdCtxPtr ctx{EVP_MD_CTX_new()};
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, digest_of(algorithm), nullptr, pkey) != 1) {
    return false;
  }
  const bool pss = algorithm == JwsAlgorithm::PS256 || algorithm == JwsAlgorithm::PS384 ||
                   algorithm == JwsAlgorithm::PS512;
  // RFC 7518 §3.5: MGF1 with the same hash (OpenSSL's default), salt as long as the hash.
  if (pss && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
              EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1)) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(input.data()),
                          input.size()) == 1;
}

}  // namespace

void VerificationKey::PkeyFree::operator()(EVP_PKEY* pkey) const { EVP_PKEY_free(pkey); }

VerificationKey::VerificationKey(Type type, EVP_PKEY* pkey, std::string secret)
    : type_(type), pkey_(pkey), secret_(std::move(secret)) {}

VerificationKey::~VerificationKey() { OPENSSL_cleanse(secret_.data(), secret_.size()); }

VerificationKey VerificationKey::from_secret(std::string_view secret) {
  return VerificationKey(Type::hmac, nullptr, std::string(secret));
}

std::optional<VerificationKey> VerificationKey::from_jwk(const boost::json::object& jwk,
                                                         std::string& error) {
  if (jwk.contains("use") && member_string(jwk, "use") != "sig") {
    error = "the JWK's use is not sig";
    return std::nullopt;
  }
  if (const auto* ops = jwk.if_contains("key_ops")) {
    // RFC 7517 §4.3: a key whose operations do not include "verify" is not for us.
    const bool verifies =
        ops->is_array() && std::any_of(ops->get_array().begin(), ops->get_array().end(),
                                       [](const boost::json::value& op) {
                                         return op.is_string() && op.get_string() == "verify";
                                       });
    if (!verifies) {
      error = "the JWK's key_ops does not include verify";
      return std::nullopt;
    }
  }
  std::optional<JwsAlgorithm> pinned;
  if (jwk.contains("alg") && !(pinned = algorithm_from_name(member_string(jwk, "alg")))) {
    error = "the JWK's alg is not a supported algorithm";
    return std::nullopt;
  }
  const std::string_view kty = member_string(jwk, "kty");
  std::optional<VerificationKey> key;
  if (kty == "oct") {
    if (auto k = member_bytes(jwk, "k", error)) {
      key = from_secret(*k);
      OPENSSL_cleanse(k->data(), k->size());
    }
  } else if (kty == "RSA") {
    if (EVP_PKEY* pkey = rsa_from_jwk(jwk, error)) {
      key = VerificationKey(Type::rsa, pkey, {});
    }
  } else if (kty == "EC") {
    const auto crv = member_string(jwk, "crv");
    const auto* curve = std::find_if(kCurves.begin(), kCurves.end(),
                                     [&](const Curve& c) { return c.jwk_name == crv; });
    if (curve == kCurves.end()) {
      error = "the JWK's EC curve is not P-256, P-384 or P-521";
    } else if (EVP_PKEY* pkey = ec_from_jwk(jwk, *curve, error)) {
      key = VerificationKey(curve->type, pkey, {});
    }
  } else if (kty == "OKP") {
    if (EVP_PKEY* pkey = ed25519_from_jwk(jwk, error)) {
      key = VerificationKey(Type::ed25519, pkey, {});
    }
  } else {
    error = "the JWK's kty is not RSA, EC, OKP or oct";
  }
  if (key) {
    key->pinned_ = pinned;
  }
  return key;
}

std::optional<VerificationKey> VerificationKey::from_pem(std::string_view pem, std::string& error) {
  BioPtr bio{BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()))};
  EVP_PKEY* pkey = bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr;
  ERR_clear_error();
  if (pkey == nullptr) {
    error = "the PEM is not a PUBLIC KEY block";
    return std::nullopt;
  }
  VerificationKey key(Type::rsa, pkey, {});
  if (EVP_PKEY_is_a(pkey, "RSA")) {
    const int bits = EVP_PKEY_get_bits(pkey);
    if (bits < kMinRsaBits || bits > kMaxRsaBits) {
      error = "the PEM's RSA key is not 2048 to 16384 bits";
      return std::nullopt;
    }
    return key;
  }
  if (EVP_PKEY_is_a(pkey, "ED25519")) {
    key.type_ = Type::ed25519;
    return key;
  }
  std::array<char, 64> group{};
  if (EVP_PKEY_is_a(pkey, "EC") &&
      EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group.data(), group.size(),
                                     nullptr) == 1) {
    for (const auto& curve : kCurves) {
      if (std::string_view(group.data()) == curve.group && public_key_is_valid(pkey)) {
        key.type_ = curve.type;
        return key;
      }
    }
  }
  ERR_clear_error();
  error = "the PEM's key is not RSA, EC P-256/384/521 or Ed25519";
  return std::nullopt;
}

bool key_fits(JwsAlgorithm algorithm, const VerificationKey& key, std::string& error) {
  using Type = VerificationKey::Type;
  if (key.pinned_algorithm() && *key.pinned_algorithm() != algorithm) {
    error = "the key is for another algorithm";
    return false;
  }
  bool fits = false;
  switch (algorithm) {
    case JwsAlgorithm::HS256:
    case JwsAlgorithm::HS384:
    case JwsAlgorithm::HS512:
      // A public key is never an HMAC secret: that confusion is the classic RS256 -> HS256
      // forgery, where the attacker signs with the published key.
      fits = key.type() == Type::hmac &&
             key.secret().size() >= static_cast<std::size_t>(EVP_MD_get_size(digest_of(algorithm)));
      break;
    case JwsAlgorithm::RS256:
    case JwsAlgorithm::RS384:
    case JwsAlgorithm::RS512:
    case JwsAlgorithm::PS256:
    case JwsAlgorithm::PS384:
    case JwsAlgorithm::PS512:
      fits = key.type() == Type::rsa;
      break;
    case JwsAlgorithm::ES256:
      fits = key.type() == Type::ec_p256;
      break;
    case JwsAlgorithm::ES384:
      fits = key.type() == Type::ec_p384;
      break;
    case JwsAlgorithm::ES512:
      fits = key.type() == Type::ec_p521;
      break;
    case JwsAlgorithm::EdDSA:
      fits = key.type() == Type::ed25519;
      break;
  }
  if (!fits) {
    error = "the key does not fit " + std::string(algorithm_name(algorithm));
  }
  return fits;
}

bool verify(JwsAlgorithm algorithm, const VerificationKey& key, std::string_view signing_input,
            std::string_view signature) {
  std::string error;
  if (!key_fits(algorithm, key, error)) {
    return false;
  }
  using Type = VerificationKey::Type;
  bool ok = false;
  switch (key.type()) {
    case Type::hmac:
      return verify_hmac(digest_of(algorithm), key.secret(), signing_input, signature);
    case Type::rsa:
      ok = signature.size() == static_cast<std::size_t>(EVP_PKEY_get_size(key.public_key())) &&
           digest_verify(algorithm, key.public_key(), signing_input, signature);
      break;
    case Type::ec_p256:
    case Type::ec_p384:
    case Type::ec_p521: {
      const auto* curve = std::find_if(kCurves.begin(), kCurves.end(),
                                       [&](const Curve& c) { return c.type == key.type(); });
      auto der = ecdsa_der(signature, curve->coordinate_size);
      ok = der && digest_verify(algorithm, key.public_key(), signing_input, *der);
      break;
    }
    case Type::ed25519:
      ok = signature.size() == 64 &&
           digest_verify(algorithm, key.public_key(), signing_input, signature);
      break;
  }
  ERR_clear_error();  // a failed verification leaves errors that are not the next caller's
  return ok;
}

}  // namespace rampart::policies::jwt
