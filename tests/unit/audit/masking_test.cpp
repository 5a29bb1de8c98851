#include "audit/masking.hpp"

#include <gtest/gtest.h>

#include "audit/evidence.hpp"

namespace rampart::audit {
namespace {

TEST(MaskHeaderValue, CredentialsKeepOnlyTheirScheme) {
  EXPECT_EQ(mask_header_value("Authorization", "Bearer eyJhbGciOi.abc.def"), "Bearer ***");
  EXPECT_EQ(mask_header_value("authorization", "Basic dXNlcjpwYXNz"), "Basic ***");
  EXPECT_EQ(mask_header_value("X-API-Key", "rk_abcdefgh_secretsecret"), "***");
  EXPECT_EQ(mask_header_value("X-Auth-Token", "tok"), "***");
  EXPECT_EQ(mask_header_value("Stripe-Signature", "t=1,v1=ab"), "***");
  EXPECT_EQ(mask_header_value("Content-Type", "application/json"), "application/json");
}

TEST(MaskHeaderValue, CookiesKeepTheirNames) {
  EXPECT_EQ(mask_header_value("Set-Cookie", "session=abc123; HttpOnly; Path=/"),
            "session=***; HttpOnly; Path=***");
  EXPECT_EQ(mask_header_value("Cookie", "a=1; b=2"), "a=***; b=***");
}

TEST(MaskSecrets, TokensInBodies) {
  std::string masked = mask_secrets(
      R"({"token":"abc123","password": "hunter2","key":"rk_a1b2c3d4_0123456789abcdefghij",)"
      R"("jwt":"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig","auth":"Bearer abcdefghijkl",)"
      R"("stripe":"sk_live_0123456789abcdef"})");
  for (const char* secret : {"abc123", "hunter2", "0123456789abcdefghij", "eyJzdWIiOiIxIn0",
                             "abcdefghijkl", "sk_live_0123456789abcdef"}) {
    EXPECT_EQ(masked.find(secret), std::string::npos) << secret << " in " << masked;
  }
  EXPECT_NE(masked.find("\"password\""), std::string::npos);  // names stay: they explain
}

TEST(MaskSecrets, FormBodies) {
  EXPECT_EQ(mask_secrets("user=ann&password=hunter2&x=1"), "user=ann&password=***&x=1");
}

TEST(EvidenceOf, MasksRequestAndResponseAndStaysPrintable) {
  ProbeRequest request{"GET", "/x", {{"Authorization", "Bearer topsecretvalue"}}};
  ProbeResponse response;
  response.transport = Transport::ok;
  response.status = 200;
  response.reason = "OK";
  response.headers = {{"Set-Cookie", "sid=verysecret"}, {"Server", "app"}};
  response.body = std::string("{\"access_token\":\"zzzsecret\"}\x01\xff");
  std::string text = evidence_of(request, response);
  EXPECT_NE(text.find("> GET /x HTTP/1.1"), std::string::npos);
  EXPECT_NE(text.find("< HTTP/1.1 200 OK"), std::string::npos);
  EXPECT_NE(text.find("Bearer ***"), std::string::npos);
  EXPECT_EQ(text.find("topsecretvalue"), std::string::npos);
  EXPECT_EQ(text.find("verysecret"), std::string::npos);
  EXPECT_EQ(text.find("zzzsecret"), std::string::npos);
  EXPECT_NE(text.find("\\x01\\xFF"), std::string::npos);
  for (unsigned char c : text) {
    EXPECT_TRUE(c == '\n' || (c >= 0x20 && c < 0x7f)) << static_cast<int>(c);
  }
}

TEST(EvidenceOf, CentresTheExcerptOnTheLeak) {
  ProbeRequest request{"GET", "/", {}};
  ProbeResponse response;
  response.transport = Transport::ok;
  response.status = 500;
  response.body = std::string(5000, '.') + "NEEDLE" + std::string(5000, '.');
  std::string text = evidence_of(request, response, "NEEDLE");
  EXPECT_NE(text.find("NEEDLE"), std::string::npos);
  EXPECT_NE(text.find("<\n..."), std::string::npos);  // cut marks, ASCII only
  EXPECT_LT(text.size(), 1200u);
}

TEST(EvidenceOf, SaysWhyThereIsNoResponse) {
  ProbeRequest request{"GET", "/", {}};
  ProbeResponse response;
  response.transport = Transport::timeout;
  response.error = "no answer within 3000 ms";
  EXPECT_NE(evidence_of(request, response).find("(no response: no answer within 3000 ms)"),
            std::string::npos);
}

}  // namespace
}  // namespace rampart::audit
