// The body policy on a hand-built Exchange: the fast JSON path and the SAX check give the same
// answers (400 with the byte offset), a schema route answers 422 with errors[], a valid body is
// left untouched for the upstream, and a worker's slot is reused across requests.

#include "policies/body/body_policy.hpp"

#include <gtest/gtest.h>

#include "policies/body/schema.hpp"

namespace rampart::policies {
namespace {

BodySettings settings(bool json, std::string_view schema_text = {}) {
  BodySettings s;
  s.json = json;
  if (!schema_text.empty()) {
    std::string error;
    s.schema = JsonSchema::compile(schema_text, error);
    EXPECT_NE(s.schema, nullptr) << error;
    s.json = true;
  }
  return s;
}

/// The body lives in `held` (Exchange::body is a view, as of the connection's buffer).
Verdict post(const BodyPolicy& policy, PolicySlot* slot, std::string body, http::Exchange& ex) {
  static std::string held;
  held = std::move(body);
  ex.request.verb = boost::beast::http::verb::post;
  ex.request.has_body = true;
  ex.body = held;
  return policy.on_request(ex, slot);
}

TEST(BodyPolicyTest, InvalidJsonIsRefusedWithItsOffset) {
  const auto s = settings(true);
  BodyPolicy policy(s);
  BodySlot slot(0);
  for (int round = 0; round < 2; ++round) {  // the slot's parser is reused
    http::Exchange ex;
    EXPECT_NE(post(policy, &slot, R"({"a":1,})", ex), Verdict::next);
    ASSERT_TRUE(ex.problem);
    EXPECT_EQ(ex.problem->status, 400);
    EXPECT_EQ(ex.problem->reason, "syntax");
    EXPECT_NE(ex.problem->detail.find("at byte 7"), std::string::npos);
    http::Exchange nul;
    post(policy, &slot, R"({"a":"\u0000"})", nul);  // simdjson accepts it; rampart does not
    ASSERT_TRUE(nul.problem);
    EXPECT_EQ(nul.problem->reason, "nul");
    http::Exchange ok;
    EXPECT_EQ(post(policy, &slot, R"({"a":[1,2,{"b":null}]})", ok), Verdict::next);
    EXPECT_FALSE(ok.problem);
  }
}

TEST(BodyPolicyTest, SchemaViolationsAre422WithErrors) {
  const auto s = settings(true, R"({"type":"object","required":["name"],
      "properties":{"name":{"type":"string","maxLength":3}}})");
  BodyPolicy policy(s);
  BodySlot slot(64 * 1024);
  for (int round = 0; round < 3; ++round) {  // the arena is reused
    http::Exchange ex;
    post(policy, &slot, R"({"name":"sk_live_secret"})", ex);
    ASSERT_TRUE(ex.problem);
    EXPECT_EQ(ex.problem->status, 422);
    EXPECT_EQ(ex.problem->code, http::ProblemCode::schema_violation);
    EXPECT_EQ(ex.problem->reason, "schema_violation");
    ASSERT_EQ(ex.problem->errors.size(), 1u);
    EXPECT_EQ(ex.problem->errors[0].pointer, "/name");
    std::string body;
    http::append_problem_body(*ex.problem, "req-1", body);
    EXPECT_EQ(body.find("sk_live"), std::string::npos) << body;
    EXPECT_NE(body.find("\"pointer\":\"/name\""), std::string::npos) << body;
  }
  http::Exchange ok;
  const std::string valid = R"({ "name" : "bob" })";
  EXPECT_EQ(post(policy, &slot, valid, ok), Verdict::next);
  EXPECT_FALSE(ok.problem);
  EXPECT_EQ(ok.body, valid);  // forwarded as received
}

TEST(BodyPolicyTest, JsonIsCheckedBeforeTheSchema) {
  const auto s = settings(true, R"({"type":"object"})");
  BodyPolicy policy(s);
  BodySlot slot(16 * 1024);
  http::Exchange ex;
  post(policy, &slot, "[" + std::string(65, '[') + std::string(65, ']') + "]", ex);
  ASSERT_TRUE(ex.problem);
  EXPECT_EQ(ex.problem->status, 400);
  EXPECT_EQ(ex.problem->reason, "too_deep");
}

TEST(BodyPolicyTest, ADocumentLargerThanTheArenaStillValidates) {
  const auto s = settings(true, R"({"type":"array","items":{"type":"integer"}})");
  BodyPolicy policy(s);
  BodySlot slot(1024);
  std::string body = "[";
  for (int i = 0; i < 20000; ++i) {
    body += (i ? "," : "") + std::to_string(i);
  }
  http::Exchange ok;
  EXPECT_EQ(post(policy, &slot, body + "]", ok), Verdict::next);
  http::Exchange bad;
  post(policy, &slot, body + ",\"x\"]", bad);
  ASSERT_TRUE(bad.problem);
  EXPECT_EQ(bad.problem->errors.at(0).pointer, "/20000");
}

}  // namespace
}  // namespace rampart::policies
