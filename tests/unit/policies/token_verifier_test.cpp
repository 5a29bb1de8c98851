// The JWT checks after JOSE: claims (one test per rule), the issuer/algorithm/key choice, the
// verified-token cache, and JWKS documents (skipped keys, refusals, keys kept across fetches).
// Tokens are HS256, signed here; jose_test.cpp covers the other algorithms' signatures.

#include "policies/jwt/token_verifier.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <string>

#include "policies/jwt/base64url.hpp"

namespace rampart::policies::jwt {
namespace {

constexpr std::int64_t kNow = 1'800'000'000;
const std::string kSecret(32, 's');

std::string hs(std::string_view header, std::string_view claims, std::string_view secret,
               const EVP_MD* md = EVP_sha256()) {
  const std::string input = base64url_encode(header) + "." + base64url_encode(claims);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(md, secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &length);
  return input + "." + base64url_encode(std::string_view(reinterpret_cast<char*>(mac), length));
}

std::string claims_json(const boost::json::object& extra = {}) {
  boost::json::object claims{{"iss", "https://issuer.test"},
                             {"sub", "user-1"},
                             {"aud", "api"},
                             {"exp", kNow + 300},
                             {"iat", kNow},
                             {"nbf", kNow}};
  for (const auto& [key, value] : extra) {
    if (value.is_null()) {
      claims.erase(key);
    } else {
      claims[key] = value;
    }
  }
  return boost::json::serialize(claims);
}

IssuerSettings hmac_issuer(std::string issuer = "https://issuer.test") {
  IssuerSettings settings;
  settings.name = "test";
  settings.issuer = std::move(issuer);
  settings.static_key =
      std::make_shared<const VerificationKey>(VerificationKey::from_secret(kSecret));
  settings.algorithms = {JwsAlgorithm::HS256};
  settings.audiences = {"api"};
  return settings;
}

std::string_view claims_verdict(const boost::json::object& extra,
                                IssuerSettings issuer = hmac_issuer()) {
  AcceptedClaims out;
  return check_claims(boost::json::parse(claims_json(extra)).as_object(), issuer, kNow, out);
}

// ---- claims -------------------------------------------------------------------------------

TEST(JwtClaims, GoodClaimsPass) {
  AcceptedClaims out;
  auto issuer = hmac_issuer();
  EXPECT_EQ(check_claims(boost::json::parse(claims_json()).as_object(), issuer, kNow, out), "");
  EXPECT_EQ(out.identity, "jwt:user-1");
  EXPECT_EQ(out.expires, kNow + 300);
  EXPECT_EQ(out.tier, "");
}

TEST(JwtClaims, ExpIsRequiredAndANumber) {
  EXPECT_EQ(claims_verdict({{"exp", nullptr}}), "malformed");
  EXPECT_EQ(claims_verdict({{"exp", "tomorrow"}}), "malformed");
  EXPECT_EQ(claims_verdict({{"exp", kNow + 0.5}}), "");  // a NumericDate may have a fraction
}

TEST(JwtClaims, ExpiredBeyondLeewayOnly) {
  EXPECT_EQ(claims_verdict({{"exp", kNow - 29}}), "");  // 30 s leeway by default
  EXPECT_EQ(claims_verdict({{"exp", kNow - 30}}), "expired");
  auto strict = hmac_issuer();
  strict.leeway = std::chrono::seconds(0);
  EXPECT_EQ(claims_verdict({{"exp", kNow}}, strict), "expired");
  EXPECT_EQ(claims_verdict({{"exp", kNow + 1}}, strict), "");
}

TEST(JwtClaims, NotBeforeInTheFuture) {
  EXPECT_EQ(claims_verdict({{"nbf", kNow + 30}}), "");
  EXPECT_EQ(claims_verdict({{"nbf", kNow + 31}}), "not_yet_valid");
  EXPECT_EQ(claims_verdict({{"nbf", "soon"}}), "malformed");
}

TEST(JwtClaims, IssuedInTheFuture) {
  EXPECT_EQ(claims_verdict({{"iat", kNow + 31}}), "not_yet_valid");
  EXPECT_EQ(claims_verdict({{"iat", nullptr}}), "");
}

TEST(JwtClaims, AudienceStringOrArray) {
  EXPECT_EQ(claims_verdict({{"aud", boost::json::array{"x", "api"}}}), "");
  EXPECT_EQ(claims_verdict({{"aud", boost::json::array{"x", "y"}}}), "wrong_audience");
  EXPECT_EQ(claims_verdict({{"aud", "other"}}), "wrong_audience");
  EXPECT_EQ(claims_verdict({{"aud", nullptr}}), "wrong_audience");
  EXPECT_EQ(claims_verdict({{"aud", 7}}), "wrong_audience");
  auto any = hmac_issuer();
  any.audiences.clear();  // no audiences configured: aud is not checked
  EXPECT_EQ(claims_verdict({{"aud", "whatever"}}, any), "");
}

TEST(JwtClaims, SubjectIsAShortPrintableString) {
  EXPECT_EQ(claims_verdict({{"sub", nullptr}}), "malformed");
  EXPECT_EQ(claims_verdict({{"sub", ""}}), "malformed");
  EXPECT_EQ(claims_verdict({{"sub", 42}}), "malformed");
  EXPECT_EQ(claims_verdict({{"sub", std::string(257, 'a')}}), "malformed");
  EXPECT_EQ(claims_verdict({{"sub", std::string(256, 'a')}}), "");
  // It becomes a header value: no CR, LF, NUL or other control, no non-ASCII.
  EXPECT_EQ(claims_verdict({{"sub", "a\r\nX-Evil: 1"}}), "malformed");
  EXPECT_EQ(claims_verdict({{"sub", std::string("a\0b", 3)}}), "malformed");
  EXPECT_EQ(claims_verdict({{"sub", "caf\xc3\xa9"}}), "malformed");
}

TEST(JwtClaims, TierClaimNestedAndOnlyWhenAString) {
  auto issuer = hmac_issuer();
  issuer.tier_claim = {"public_metadata", "plan"};
  issuer.tier_claim_name = "public_metadata.plan";
  AcceptedClaims out;
  auto claims =
      boost::json::parse(claims_json({{"public_metadata", boost::json::object{{"plan", "pro"}}}}))
          .as_object();
  ASSERT_EQ(check_claims(claims, issuer, kNow, out), "");
  EXPECT_EQ(out.tier, "pro");
  for (auto value : {boost::json::value(3), boost::json::value("a\nb"), boost::json::value("")}) {
    claims["public_metadata"] = boost::json::object{{"plan", value}};
    ASSERT_EQ(check_claims(claims, issuer, kNow, out), "");
    EXPECT_EQ(out.tier, "") << boost::json::serialize(value);
  }
  claims["public_metadata"] = "pro";  // not an object on the way
  ASSERT_EQ(check_claims(claims, issuer, kNow, out), "");
  EXPECT_EQ(out.tier, "");
}

TEST(JwtClaims, TierClaimNamespacedAtTopLevel) {
  auto issuer = hmac_issuer();
  issuer.tier_claim_name = "https://example.com/plan";
  issuer.tier_claim = {"https://example", "com/plan"};
  AcceptedClaims out;
  ASSERT_EQ(check_claims(
                boost::json::parse(claims_json({{"https://example.com/plan", "team"}})).as_object(),
                issuer, kNow, out),
            "");
  EXPECT_EQ(out.tier, "team");
  issuer.tier_claim_name = "plan";  // a plain name
  issuer.tier_claim = {"plan"};
  ASSERT_EQ(check_claims(boost::json::parse(claims_json({{"plan", "free"}})).as_object(), issuer,
                         kNow, out),
            "");
  EXPECT_EQ(out.tier, "free");
}

// ---- the verifier -------------------------------------------------------------------------

constexpr std::string_view kHs256Header = R"({"alg":"HS256","typ":"JWT"})";

struct VerifierFixture : ::testing::Test {
  std::vector<IssuerSettings> issuers{hmac_issuer(), hmac_issuer("https://second.test")};
  TokenVerifier verifier{issuers, nullptr};
  VerifierState state{verifier};

  TokenCheck check(std::string_view token, std::int64_t now = kNow) {
    return verifier.check(token, now, state);
  }
};

TEST_F(VerifierFixture, AcceptsAndCachesAGoodToken) {
  const auto token = hs(kHs256Header, claims_json(), kSecret);
  auto first = check(token);
  ASSERT_EQ(first.result, TokenCheck::Result::accepted) << first.reason;
  EXPECT_EQ(first.claims->identity, "jwt:user-1");
  EXPECT_EQ(state.cached_tokens(), 1u);
  auto again = check(token);
  ASSERT_EQ(again.result, TokenCheck::Result::accepted);
  EXPECT_EQ(again.claims, first.claims);  // the cached entry, not a second verification
  EXPECT_EQ(state.cached_tokens(), 1u);
}

TEST_F(VerifierFixture, ACachedTokenStillExpires) {
  const auto token = hs(kHs256Header, claims_json(), kSecret);
  ASSERT_EQ(check(token).result, TokenCheck::Result::accepted);
  auto later = check(token, kNow + 3600);
  EXPECT_EQ(later.result, TokenCheck::Result::refused);
  EXPECT_EQ(later.reason, "expired");
  EXPECT_EQ(state.cached_tokens(), 0u);
}

TEST_F(VerifierFixture, IssuerChosenByIss) {
  auto second = check(hs(kHs256Header, claims_json({{"iss", "https://second.test"}}), kSecret));
  EXPECT_EQ(second.result, TokenCheck::Result::accepted);
  auto unknown = check(hs(kHs256Header, claims_json({{"iss", "https://issuer.test/"}}), kSecret));
  EXPECT_EQ(unknown.reason, "wrong_issuer");
  EXPECT_EQ(check(hs(kHs256Header, claims_json({{"iss", nullptr}}), kSecret)).reason,
            "wrong_issuer");
  EXPECT_EQ(check(hs(kHs256Header, claims_json({{"iss", 5}}), kSecret)).reason, "wrong_issuer");
}

TEST_F(VerifierFixture, OnlyTheIssuersAlgorithms) {
  auto token = hs(R"({"alg":"HS384"})", claims_json(), std::string(48, 's'), EVP_sha384());
  EXPECT_EQ(check(token).reason, "algorithm_not_allowed");
}

TEST_F(VerifierFixture, WrongSecretIsABadSignature) {
  EXPECT_EQ(check(hs(kHs256Header, claims_json(), std::string(32, 't'))).reason, "bad_signature");
  EXPECT_EQ(state.cached_tokens(), 0u);
}

TEST_F(VerifierFixture, StructuralFailuresAreMalformed) {
  EXPECT_EQ(check("not.a.token").reason, "malformed");
  EXPECT_EQ(check(hs(R"({"alg":"none"})", claims_json(), kSecret)).reason, "malformed");
}

TEST_F(VerifierFixture, TheCacheIsBounded) {
  for (std::size_t i = 0; i <= VerifierState::kMaxCachedTokens; ++i) {
    auto token = hs(kHs256Header, claims_json({{"sub", "u" + std::to_string(i)}}), kSecret);
    ASSERT_EQ(check(token).result, TokenCheck::Result::accepted);
    ASSERT_LE(state.cached_tokens(), VerifierState::kMaxCachedTokens);
  }
}

// ---- JWKS documents -----------------------------------------------------------------------

constexpr std::string_view kEcJwk =
    R"({"kty":"EC","crv":"P-256","kid":"ec","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})";
constexpr std::string_view kEdJwk =
    R"({"kty":"OKP","crv":"Ed25519","kid":"ed","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})";

std::string jwks(std::initializer_list<std::string_view> keys) {
  std::string out = R"({"keys":[)";
  for (auto key : keys) {
    out += out.back() == '[' ? "" : ",";
    out += key;
  }
  return out + "]}";
}

TEST(Jwks, ParsesUsableKeysAndSkipsTheRest) {
  auto parsed = parse_jwks(
      jwks({kEcJwk, R"({"kty":"XYZ","kid":"odd"})",
            R"({"kty":"oct","kid":"enc","use":"enc","k":"AAAA"})", kEdJwk, R"("not an object")"}),
      nullptr);
  ASSERT_TRUE(parsed.set) << parsed.error;
  EXPECT_EQ(parsed.set->keys.size(), 2u);
  EXPECT_EQ(parsed.skipped, 3u);
  EXPECT_TRUE(parsed.set->find("ec"));
  EXPECT_TRUE(parsed.set->find("ed"));
  EXPECT_FALSE(parsed.set->find("odd"));
}

TEST(Jwks, RefusesDocumentsWithoutAUsableKey) {
  EXPECT_FALSE(parse_jwks("not json", nullptr).set);
  EXPECT_FALSE(parse_jwks("[]", nullptr).set);
  EXPECT_FALSE(parse_jwks(R"({"keys":{}})", nullptr).set);
  EXPECT_FALSE(parse_jwks(R"({"keys":[]})", nullptr).set);
  auto unusable = parse_jwks(jwks({R"({"kty":"XYZ"})"}), nullptr);
  EXPECT_FALSE(unusable.set);
  EXPECT_NE(unusable.error.find("no usable key"), std::string::npos);
  std::string huge = jwks({kEcJwk});
  huge.insert(huge.size() - 1, ",\"pad\":\"" + std::string(kMaxJwksBytes, 'x') + "\"");
  EXPECT_EQ(parse_jwks(huge, nullptr).error, "over 1 MiB");
}

TEST(Jwks, ASecondKeyUnderOneKidIsSkipped) {
  std::string other_ec(kEdJwk);
  other_ec.replace(other_ec.find(R"("kid":"ed")"), 10, R"("kid":"ec")");
  auto parsed = parse_jwks(jwks({kEcJwk, other_ec}), nullptr);
  ASSERT_TRUE(parsed.set);
  EXPECT_EQ(parsed.set->keys.size(), 1u);
  EXPECT_EQ(parsed.set->find("ec")->key->type(), VerificationKey::Type::ec_p256);
}

TEST(Jwks, AnUnchangedKeyKeepsItsSerialAcrossFetches) {
  auto first = parse_jwks(jwks({kEcJwk, kEdJwk}), nullptr);
  auto second = parse_jwks(jwks({kEdJwk}), first.set.get());
  ASSERT_TRUE(second.set);
  EXPECT_EQ(second.set->find("ed")->serial, first.set->find("ed")->serial);
  EXPECT_FALSE(second.set->contains(first.set->find("ec")->serial));
  auto fresh = parse_jwks(jwks({kEdJwk}), nullptr);
  EXPECT_NE(fresh.set->find("ed")->serial, first.set->find("ed")->serial);
}

TEST(Jwks, AKidlessTokenNeedsExactlyOneFittingKey) {
  auto parsed = parse_jwks(jwks({kEcJwk, kEdJwk}), nullptr);
  ASSERT_TRUE(parsed.set);
  EXPECT_EQ(parsed.set->only_key_for(JwsAlgorithm::ES256), parsed.set->find("ec"));
  EXPECT_EQ(parsed.set->only_key_for(JwsAlgorithm::EdDSA), parsed.set->find("ed"));
  EXPECT_EQ(parsed.set->only_key_for(JwsAlgorithm::RS256), nullptr);
  std::string second_ec(kEcJwk);
  second_ec.replace(second_ec.find(R"("kid":"ec")"), 10, R"("kid":"e2")");
  auto two = parse_jwks(jwks({kEcJwk, second_ec}), nullptr);
  EXPECT_EQ(two.set->only_key_for(JwsAlgorithm::ES256), nullptr);
}

}  // namespace
}  // namespace rampart::policies::jwt
