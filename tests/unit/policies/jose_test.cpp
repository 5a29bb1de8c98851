// JOSE: the RFC vectors (RFC 7515 appendix A.1-A.3, RFC 8037 A.4), one test per refusal, and
// base64url strictness. The vectors are copied from the RFC text; keys are public JWKs.

#include "policies/jwt/jose.hpp"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <memory>
#include <string>

#include "policies/jwt/base64url.hpp"

namespace rampart::policies::jwt {
namespace {

// RFC 7515 A.1-A.3 share this payload (its JSON has CR LF in it, on purpose).
constexpr std::string_view kRfcPayload =
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlf"
    "Q";

constexpr std::string_view kA1Jwk =
    R"({"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"})";
constexpr std::string_view kA1Token =
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    "."
    "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

constexpr std::string_view kA2Jwk =
    R"({"kty":"RSA","e":"AQAB","n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ"})";
constexpr std::string_view kA2Signature =
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5"
    "jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb"
    "1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QO"
    "YEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";

constexpr std::string_view kA3Jwk =
    R"({"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})";
constexpr std::string_view kA3Signature =
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

// RFC 8037 A.2 (public key) and A.4 (the JWS).
constexpr std::string_view kEd25519Jwk =
    R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})";
constexpr std::string_view kEd25519Token =
    "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

VerificationKey jwk_key(std::string_view json) {
  std::string error;
  auto key = VerificationKey::from_jwk(boost::json::parse(json).as_object(), error);
  EXPECT_TRUE(key) << error;
  return std::move(*key);
}

std::string token_of(std::string_view header_json, std::string_view payload_json = "{}",
                     std::string_view signature = "sig") {
  return base64url_encode(header_json) + "." + base64url_encode(payload_json) + "." +
         base64url_encode(signature);
}

/// parse_compact's error for `token`, or "" when it parsed.
std::string refusal(std::string_view token) {
  std::string error;
  return parse_compact(token, error) ? "" : error;
}

/// Every single-bit flip of `signature` must fail to verify.
void expect_every_bit_flip_fails(JwsAlgorithm alg, const VerificationKey& key,
                                 std::string_view input, std::string signature) {
  for (std::size_t bit = 0; bit < signature.size() * 8; ++bit) {
    signature[bit / 8] ^= static_cast<char>(1 << (bit % 8));
    EXPECT_FALSE(verify(alg, key, input, signature)) << "bit " << bit;
    signature[bit / 8] ^= static_cast<char>(1 << (bit % 8));
  }
}

TEST(JoseVectors, Rfc7515A1Hs256) {
  std::string error;
  auto parts = parse_compact(kA1Token, error);
  ASSERT_TRUE(parts) << error;
  EXPECT_EQ(parts->algorithm, JwsAlgorithm::HS256);
  EXPECT_EQ(parts->claims.at("iss").as_string(), "joe");
  const auto key = jwk_key(kA1Jwk);
  EXPECT_TRUE(verify(parts->algorithm, key, parts->signing_input, parts->signature));
  expect_every_bit_flip_fails(parts->algorithm, key, parts->signing_input, parts->signature);
}

TEST(JoseVectors, Rfc7515A2Rs256) {
  const std::string token =
      "eyJhbGciOiJSUzI1NiJ9." + std::string(kRfcPayload) + "." + std::string(kA2Signature);
  std::string error;
  auto parts = parse_compact(token, error);
  ASSERT_TRUE(parts) << error;
  const auto key = jwk_key(kA2Jwk);
  EXPECT_TRUE(verify(JwsAlgorithm::RS256, key, parts->signing_input, parts->signature));
  expect_every_bit_flip_fails(JwsAlgorithm::RS256, key, parts->signing_input, parts->signature);
}

TEST(JoseVectors, Rfc7515A3Es256) {
  const std::string token =
      "eyJhbGciOiJFUzI1NiJ9." + std::string(kRfcPayload) + "." + std::string(kA3Signature);
  std::string error;
  auto parts = parse_compact(token, error);
  ASSERT_TRUE(parts) << error;
  const auto key = jwk_key(kA3Jwk);
  EXPECT_TRUE(verify(JwsAlgorithm::ES256, key, parts->signing_input, parts->signature));
  expect_every_bit_flip_fails(JwsAlgorithm::ES256, key, parts->signing_input, parts->signature);
}

TEST(JoseVectors, Rfc7515A4Es512) {
  // The payload is the text "Payload", not claims: the signature is checked on its own.
  const auto key = jwk_key(
      R"({"kty":"EC","crv":"P-521",)"
      R"("x":"AekpBQ8ST8a8VcfVOTNl353vSrDCLLJXmPk06wTjxrrjcBpXp5EOnYG_NjFZ6OvLFV1jSfS9tsz4qUxcWceqwQGk",)"
      R"("y":"ADSmRA43Z1DSNx_RvcLI87cdL07l6jQyyBXMoxVg_l2Th-x3S1WDhjDly79ajL4Kkd0AZMaZmh9ubmf63e3kyMj2"})");
  const auto signature = base64url_decode(
      "AdwMgeerwtHoh-l192l60hp9wAHZFVJbLfD_UxMi70cwnZOYaRI1bKPWROc-mZZqwqT2SI-KGDKB34XO0aw_7XdtAG8G"
      "aSwFKdCAPZgoXD2YBJZCPEX3xKpRwcdOO8KpEHwJjyqOgzDO7iKvU8vcnwNrmxYbSW9ERBXukOXolLzeO_Jn");
  ASSERT_TRUE(signature);
  ASSERT_EQ(signature->size(), 132u);
  EXPECT_TRUE(verify(JwsAlgorithm::ES512, key, "eyJhbGciOiJFUzUxMiJ9.UGF5bG9hZA", *signature));
  expect_every_bit_flip_fails(JwsAlgorithm::ES512, key, "eyJhbGciOiJFUzUxMiJ9.UGF5bG9hZA",
                              *signature);
}

// RFC 7520 §4.1 (RS256) and §4.4 (HS256): the "Frodo" payload is text, not a JSON object, so
// these check the signature layer alone (parse_compact refuses a payload that is not claims).
constexpr std::string_view kRfc7520Payload =
    "SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdXIgZG9vci4gWW91IHN0ZXAgb250"
    "byB0aGUgcm9hZCwgYW5kIGlmIHlvdSBkb24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hl"
    "cmUgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4";

TEST(JoseVectors, Rfc7520Section41Rs256) {
  const auto key = jwk_key(
      R"({"kty":"RSA","kid":"bilbo.baggins@hobbiton.example","use":"sig","n":"n4EPtAOCc9AlkeQHPzHStgAbgs7bTZLwUBZdR8_KuKPEHLd4rHVTeT-O-XV2jRojdNhxJWTDvNd7nqQ0VEiZQHz_AJmSCpMaJMRBSFKrKb2wqVwGU_NsYOYL-QtiWN2lbzcEe6XC0dApr5ydQLrHqkHHig3RBordaZ6Aj-oBHqFEHYpPe7Tpe-OfVfHd1E6cS6M1FZcD1NNLYD5lFHpPI9bTwJlsde3uhGqC0ZCuEHg8lhzwOHrtIQbS0FVbb9k3-tVTU4fg_3L_vniUFAKwuCLqKnS2BYwdq_mzSnbLY7h_qixoR7jig3__kRhuaxwUkRz5iaiQkqgc5gHdrNP5zw","e":"AQAB"})");
  const std::string input =
      "eyJhbGciOiJSUzI1NiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9." +
      std::string(kRfc7520Payload);
  const auto signature = base64url_decode(
      "MRjdkly7_-oTPTS3AXP41iQIGKa80A0ZmTuV5MEaHoxnW2e5CZ5NlKtainoFmKZopdHM1O2U4mwzJdQx996ivp83xu"
      "glII7PNDi84wnB-BDkoBwA78185hX-Es4JIwmDLJK3lfWRa-XtL0RnltuYv746iYTh_qHRD68BNt1uSNCrUCTJDt5aA"
      "E6x8wW1Kt9eRo4QPocSadnHXFxnt8Is9UzpERV0ePPQdLuW3IS_de3xyIrDaLGdjluPxUAhb6L2aXic1U12podGU0KL"
      "UQSE_oI-ZnmKJ3F4uOZDnd6QZWJushZ41Axf_fcIe8u9ipH84ogoree7vjbU5y18kDquDg");
  ASSERT_TRUE(signature);
  EXPECT_TRUE(verify(JwsAlgorithm::RS256, key, input, *signature));
  EXPECT_FALSE(verify(JwsAlgorithm::RS256, key, input + "x", *signature));
  EXPECT_FALSE(verify(JwsAlgorithm::PS256, key, input, *signature));
}

TEST(JoseVectors, Rfc7520Section44Hs256) {
  const auto key = jwk_key(
      R"({"kty":"oct","kid":"018c0ae5-4d9b-471b-bfd6-eef314bc7037","use":"sig","alg":"HS256","k":"hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG-Onbc6mxCcYg"})");
  const std::string input =
      "eyJhbGciOiJIUzI1NiIsImtpZCI6IjAxOGMwYWU1LTRkOWItNDcxYi1iZmQ2LWVlZjMxNGJjNzAzNyJ9." +
      std::string(kRfc7520Payload);
  const auto signature = base64url_decode("s0h6KThzkfBBBkLspW1h84VsJZFTsPPqMDA7g1Md7p0");
  ASSERT_TRUE(signature);
  EXPECT_TRUE(verify(JwsAlgorithm::HS256, key, input, *signature));
  EXPECT_FALSE(verify(JwsAlgorithm::HS256, key, input + "x", *signature));
}

TEST(JoseVectors, KidAndNoTyp) {
  std::string error;
  auto parts =
      parse_compact(token_of(R"({"alg":"ES384","kid":"2026-11"})", R"({"sub":"a"})"), error);
  ASSERT_TRUE(parts) << error;
  EXPECT_EQ(parts->algorithm, JwsAlgorithm::ES384);
  EXPECT_EQ(parts->kid, "2026-11");
  EXPECT_EQ(parts->signature, "sig");
  EXPECT_EQ(algorithm_name(JwsAlgorithm::EdDSA), "EdDSA");
  EXPECT_EQ(algorithm_from_name("PS512"), JwsAlgorithm::PS512);
}

TEST(JoseVectors, Rfc8037A4Ed25519) {
  std::string error;
  auto parts = parse_compact(kEd25519Token, error);
  ASSERT_FALSE(parts) << "the payload is not a JSON object";
  // The RFC's payload is plain text, not claims: verify the signature on its own.
  const std::string_view input = kEd25519Token.substr(0, kEd25519Token.rfind('.'));
  const auto signature = base64url_decode(kEd25519Token.substr(kEd25519Token.rfind('.') + 1));
  ASSERT_TRUE(signature);
  const auto key = jwk_key(kEd25519Jwk);
  EXPECT_TRUE(verify(JwsAlgorithm::EdDSA, key, input, *signature));
  expect_every_bit_flip_fails(JwsAlgorithm::EdDSA, key, input, *signature);
}

TEST(JoseVectors, Ps256RoundTripSignedHere) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey{EVP_RSA_gen(2048), EVP_PKEY_free};
  ASSERT_TRUE(pkey);
  const std::string input = base64url_encode(R"({"alg":"PS256"})") + "." + std::string(kRfcPayload);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx{EVP_MD_CTX_new(), EVP_MD_CTX_free};
  EVP_PKEY_CTX* pctx = nullptr;
  ASSERT_EQ(EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha256(), nullptr, pkey.get()), 1);
  ASSERT_EQ(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 1);
  ASSERT_EQ(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST), 1);
  std::string signature(256, '\0');
  std::size_t length = signature.size();
  ASSERT_EQ(EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                           reinterpret_cast<const unsigned char*>(input.data()), input.size()),
            1);
  signature.resize(length);

  std::unique_ptr<BIO, decltype(&BIO_free)> bio{BIO_new(BIO_s_mem()), BIO_free};
  ASSERT_EQ(PEM_write_bio_PUBKEY(bio.get(), pkey.get()), 1);
  char* pem = nullptr;
  const long pem_length = BIO_get_mem_data(bio.get(), &pem);
  std::string error;
  auto key = VerificationKey::from_pem(std::string_view(pem, pem_length), error);
  ASSERT_TRUE(key) << error;

  // signing_input is a view into the token: the token must outlive the parts.
  const std::string token = input + "." + base64url_encode(signature);
  std::string parse_error;
  auto parts = parse_compact(token, parse_error);
  ASSERT_TRUE(parts) << parse_error;
  EXPECT_EQ(parts->algorithm, JwsAlgorithm::PS256);
  EXPECT_TRUE(verify(JwsAlgorithm::PS256, *key, parts->signing_input, parts->signature));
  // The same key, the same bytes, but PKCS#1 v1.5: a PSS signature is not an RS256 one.
  EXPECT_FALSE(verify(JwsAlgorithm::RS256, *key, parts->signing_input, parts->signature));
  expect_every_bit_flip_fails(JwsAlgorithm::PS256, *key, parts->signing_input, signature);
}

// --- Refusals, one test each --------------------------------------------------------------

TEST(JoseRefusal, AlgNoneInEverySpelling) {
  for (std::string_view none : {"none", "None", "NONE", "nOnE", "noNe"}) {
    EXPECT_FALSE(algorithm_from_name(none)) << none;
    const std::string header = R"({"alg":")" + std::string(none) + R"("})";
    EXPECT_EQ(refusal(token_of(header)), "alg none is refused") << none;
  }
}

TEST(JoseRefusal, UnknownAlgorithmName) {
  EXPECT_FALSE(algorithm_from_name("hs256"));
  EXPECT_FALSE(algorithm_from_name("HS256 "));
  EXPECT_EQ(refusal(token_of(R"({"alg":"ES256K"})")), "alg is not a supported algorithm");
}

TEST(JoseRefusal, MissingAlg) {
  EXPECT_EQ(refusal(token_of(R"({"typ":"JWT"})")), "the header has no alg string");
}

TEST(JoseRefusal, HmacAlgorithmWithPublicKey) {
  const auto rsa = jwk_key(kA2Jwk);
  std::string error;
  EXPECT_FALSE(key_fits(JwsAlgorithm::HS256, rsa, error));
  EXPECT_EQ(error, "the key does not fit HS256");
  // The classic forgery: HMAC keyed with the public key's bytes must not verify.
  EXPECT_FALSE(verify(JwsAlgorithm::HS256, rsa, "a.b", std::string(32, 'x')));
}

TEST(JoseRefusal, JkuHeader) {
  EXPECT_EQ(refusal(token_of(R"({"alg":"RS256","jku":"https://evil.example/jwks"})")),
            "the header has jku");
}

TEST(JoseRefusal, X5uHeader) {
  EXPECT_EQ(refusal(token_of(R"({"alg":"RS256","x5u":"https://evil.example/cert"})")),
            "the header has x5u");
}

TEST(JoseRefusal, JwkHeader) {
  const std::string header = R"({"alg":"ES256","jwk":)" + std::string(kA3Jwk) + "}";
  EXPECT_EQ(refusal(token_of(header)), "the header has jwk");
}

TEST(JoseRefusal, X5cHeader) {
  EXPECT_EQ(refusal(token_of(R"({"alg":"RS256","x5c":["MIIB"]})")), "the header has x5c");
}

TEST(JoseRefusal, CritWithAnything) {
  EXPECT_EQ(refusal(token_of(R"({"alg":"HS256","crit":["exp"],"exp":1})")), "the header has crit");
  EXPECT_EQ(refusal(token_of(R"({"alg":"HS256","crit":[]})")), "the header has crit");
}

TEST(JoseRefusal, TokenOver8KiB) {
  const std::string big =
      token_of(R"({"alg":"HS256"})", R"({"x":")" + std::string(7000, 'a') + "\"}");
  ASSERT_GT(big.size(), kMaxTokenSize);
  EXPECT_EQ(refusal(big), "the token is larger than 8 KiB");
}

TEST(JoseRefusal, WrongNumberOfParts) {
  const std::string good = token_of(R"({"alg":"HS256"})");
  EXPECT_EQ(refusal(good.substr(0, good.rfind('.'))),
            "the token does not have exactly three parts");
  EXPECT_EQ(refusal(good + ".x"), "the token does not have exactly three parts");
  EXPECT_EQ(refusal(good + ".x.y"), "the token does not have exactly three parts");  // JWE
  EXPECT_EQ(refusal("abc"), "the token does not have exactly three parts");
}

TEST(JoseRefusal, EmptyPart) {
  EXPECT_EQ(refusal(base64url_encode(R"({"alg":"HS256"})") + ".e30."),
            "a part of the token is empty");
  EXPECT_EQ(refusal(".e30.c2ln"), "a part of the token is empty");
}

TEST(JoseRefusal, NonCanonicalBase64urlInToken) {
  // "e30" is "{}"; "e31" spells the same bytes with a non-zero unused bit.
  const std::string header = base64url_encode(R"({"alg":"HS256"})");
  EXPECT_EQ(refusal(header + ".e31.c2ln"), "the payload is not canonical base64url");
  EXPECT_EQ(refusal(header + ".e30=.c2ln"), "the payload is not canonical base64url");
  EXPECT_EQ(refusal(header + ".e30.c2m"), "the signature is not canonical base64url");
}

TEST(JoseRefusal, DuplicateKeyInHeader) {
  EXPECT_EQ(refusal(token_of(R"({"alg":"none","alg":"HS256"})")), "the header has a duplicate key");
}

TEST(JoseRefusal, DuplicateKeyInClaims) {
  EXPECT_EQ(refusal(token_of(R"({"alg":"HS256"})", R"({"sub":"alice","sub":"admin"})")),
            "the payload has a duplicate key");
  // Nested objects count too; the same key in sibling objects does not.
  EXPECT_EQ(refusal(token_of(R"({"alg":"HS256"})", R"({"a":{"r":1,"r":2}})")),
            "the payload has a duplicate key");
  EXPECT_EQ(refusal(token_of(R"({"alg":"HS256"})", R"({"a":{"r":1},"b":{"r":1}})")), "");
  // The same key spelt with an escape is the same key.
  EXPECT_EQ(refusal(token_of(R"({"alg":"HS256"})", R"({"sub":1,"s\u0075b":2})")),
            "the payload has a duplicate key");
}

TEST(JoseRefusal, TypOtherThanJwt) {
  EXPECT_EQ(refusal(token_of(R"({"alg":"HS256","typ":"JWE"})")), "typ is neither JWT nor at+jwt");
  EXPECT_EQ(refusal(token_of(R"({"alg":"HS256","typ":"dpop+jwt"})")),
            "typ is neither JWT nor at+jwt");
  EXPECT_EQ(refusal(token_of(R"({"alg":"HS256","typ":1})")), "typ is neither JWT nor at+jwt");
  for (std::string_view typ :
       {"JWT", "jwt", "at+jwt", "AT+JWT", "application/jwt", "application/at+jwt"}) {
    EXPECT_EQ(refusal(token_of(R"({"alg":"HS256","typ":")" + std::string(typ) + "\"}")), "") << typ;
  }
}

TEST(JoseRefusal, KidNotAString) {
  EXPECT_EQ(refusal(token_of(R"({"alg":"HS256","kid":7})")), "kid is not a string");
}

TEST(JoseRefusal, PayloadNotAnObject) {
  EXPECT_EQ(refusal(token_of(R"({"alg":"HS256"})", "[1]")), "the payload is not a JSON object");
  EXPECT_EQ(refusal(token_of(R"({"alg":"HS256"})", "{,}")), "the payload is not JSON");
}

TEST(JoseRefusal, KeyOfTheWrongTypeOrCurve) {
  const auto p256 = jwk_key(kA3Jwk);
  const auto ed = jwk_key(kEd25519Jwk);
  const auto rsa = jwk_key(kA2Jwk);
  const auto secret = jwk_key(kA1Jwk);
  std::string error;
  EXPECT_FALSE(key_fits(JwsAlgorithm::RS256, p256, error));
  EXPECT_FALSE(key_fits(JwsAlgorithm::PS256, secret, error));
  EXPECT_FALSE(key_fits(JwsAlgorithm::ES384, p256, error));
  EXPECT_FALSE(key_fits(JwsAlgorithm::ES256, ed, error));
  EXPECT_FALSE(key_fits(JwsAlgorithm::EdDSA, rsa, error));
  EXPECT_TRUE(key_fits(JwsAlgorithm::HS512, secret, error)) << "64 bytes is long enough";
  EXPECT_TRUE(key_fits(JwsAlgorithm::HS384, secret, error));
  EXPECT_FALSE(key_fits(JwsAlgorithm::HS256, VerificationKey::from_secret("short"), error));
}

TEST(JoseRefusal, EcdsaSignatureOfTheWrongLength) {
  const auto key = jwk_key(kA3Jwk);
  const std::string input = "eyJhbGciOiJFUzI1NiJ9." + std::string(kRfcPayload);
  auto signature = *base64url_decode(kA3Signature);
  ASSERT_TRUE(verify(JwsAlgorithm::ES256, key, input, signature));
  EXPECT_FALSE(verify(JwsAlgorithm::ES256, key, input, signature + '\0'));
  EXPECT_FALSE(verify(JwsAlgorithm::ES256, key, input, signature.substr(1)));
  EXPECT_FALSE(verify(JwsAlgorithm::ES256, key, input, "\x30\x06\x02\x01\x01\x02\x01\x01"));
}

std::string jwk_refusal(std::string_view json) {
  std::string error;
  return VerificationKey::from_jwk(boost::json::parse(json).as_object(), error) ? "" : error;
}

TEST(JoseRefusal, JwkRules) {
  EXPECT_EQ(jwk_refusal(R"({"kty":"oct","k":"c2VjcmV0","use":"enc"})"), "the JWK's use is not sig");
  EXPECT_EQ(jwk_refusal(R"({"kty":"oct","k":"c2VjcmV0","key_ops":["sign"]})"),
            "the JWK's key_ops does not include verify");
  EXPECT_EQ(jwk_refusal(R"({"kty":"oct","k":"c2VjcmV0","key_ops":"verify"})"),
            "the JWK's key_ops does not include verify");
  EXPECT_EQ(jwk_refusal(R"({"kty":"oct","k":"c2VjcmV0","alg":"none"})"),
            "the JWK's alg is not a supported algorithm");
  EXPECT_EQ(jwk_refusal(R"({"kty":"oct","k":"c2VjcmV0="})"),
            "the JWK's k is missing or not canonical base64url");
  EXPECT_EQ(jwk_refusal(R"({"kty":"EC","crv":"secp256k1","x":"AA","y":"AA"})"),
            "the JWK's EC curve is not P-256, P-384 or P-521");
  EXPECT_EQ(jwk_refusal(R"({"kty":"EC","crv":"P-256","x":"AQ","y":"AQ"})"),
            "the JWK's x or y is not the size of a P-256 coordinate");
  // A.3's x with y + 1: a point that is not on P-256.
  EXPECT_EQ(
      jwk_refusal(
          R"({"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a4"})"),
      "the JWK's EC point is not on P-256");
  EXPECT_EQ(
      jwk_refusal(
          R"({"kty":"OKP","crv":"X25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})"),
      "the JWK's OKP curve is not Ed25519");
  EXPECT_EQ(jwk_refusal(R"({"kty":"RSA","e":"AQAB","n":")" +
                        base64url_encode(std::string(128, '\xff')) + "\"}"),
            "the JWK's RSA key is not 2048 to 16384 bits with an odd exponent above 1");
  EXPECT_EQ(jwk_refusal(R"({"kty":"DH"})"), "the JWK's kty is not RSA, EC, OKP or oct");
}

TEST(JoseRefusal, JwkPinnedAlgorithm) {
  std::string error;
  auto json = boost::json::parse(kA2Jwk).as_object();
  json["alg"] = "PS256";
  auto key = VerificationKey::from_jwk(json, error);
  ASSERT_TRUE(key) << error;
  EXPECT_FALSE(key_fits(JwsAlgorithm::RS256, *key, error));
  EXPECT_EQ(error, "the key is for another algorithm");
}

TEST(JoseRefusal, PemThatIsNotAPublicKey) {
  std::string error;
  EXPECT_FALSE(VerificationKey::from_pem(
      "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", error));
  EXPECT_EQ(error, "the PEM is not a PUBLIC KEY block");
}

// --- base64url ----------------------------------------------------------------------------

TEST(Base64url, RoundTripsEveryLength) {
  std::string bytes;
  for (int i = 0; i < 70; ++i) {
    EXPECT_EQ(base64url_decode(base64url_encode(bytes)), bytes) << i;
    bytes += static_cast<char>(i * 37 + 250);
  }
}

TEST(Base64url, MatchesOpenSslBase64) {
  // Differential: OpenSSL's standard base64 with the alphabet swapped and padding dropped.
  std::string bytes;
  for (int i = 0; i < 70; ++i) {
    std::string standard(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(standard.data()),
                                  reinterpret_cast<const unsigned char*>(bytes.data()),
                                  static_cast<int>(bytes.size()));
    standard.resize(static_cast<std::size_t>(n));
    while (!standard.empty() && standard.back() == '=') {
      standard.pop_back();
    }
    for (char& c : standard) {
      c = c == '+' ? '-' : c == '/' ? '_' : c;
    }
    EXPECT_EQ(base64url_encode(bytes), standard) << i;
    bytes += static_cast<char>(i * 91 + 7);
  }
}

TEST(Base64url, RefusesPadding) {
  EXPECT_FALSE(base64url_decode("YQ=="));
  EXPECT_FALSE(base64url_decode("YWI="));
  EXPECT_EQ(base64url_decode("YQ"), "a");
}

TEST(Base64url, RefusesStandardAlphabet) {
  EXPECT_FALSE(base64url_decode("+/8"));
  EXPECT_FALSE(base64url_decode("a+b"));
  EXPECT_FALSE(base64url_decode("a/b"));
  EXPECT_EQ(base64url_decode("-_8"), std::string("\xfb\xff", 2));
}

TEST(Base64url, RefusesOtherCharacters) {
  for (std::string_view text : {"YQ ", " YQ", "Y\nQ", "YQ."}) {
    EXPECT_FALSE(base64url_decode(text)) << text;
  }
}

TEST(Base64url, RefusesNonCanonicalLastCharacter) {
  // "a" is "YQ"; "YR".."YX" carry the same byte with non-zero unused bits.
  for (std::string_view text : {"YR", "YS", "YT", "YU", "YV", "YW", "YX", "YZ", "Y_"}) {
    EXPECT_FALSE(base64url_decode(text)) << text;
  }
  // "ab" is "YWI"; "YWJ", "YWK", "YWL" carry it with non-zero unused bits.
  EXPECT_EQ(base64url_decode("YWI"), "ab");
  for (std::string_view text : {"YWJ", "YWK", "YWL"}) {
    EXPECT_FALSE(base64url_decode(text)) << text;
  }
}

TEST(Base64url, RefusesImpossibleLength) {
  EXPECT_FALSE(base64url_decode("Y"));
  EXPECT_FALSE(base64url_decode("YWJjZ"));
  EXPECT_EQ(base64url_decode(""), "");
}

}  // namespace
}  // namespace rampart::policies::jwt
