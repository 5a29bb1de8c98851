#include "policies/request_id/request_id_policy.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <vector>

#include "http/ids.hpp"

namespace rampart::policies {
namespace {

const std::regex kUuid("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");

TEST(RequestId, AcceptsSaneClientIds) {
  EXPECT_TRUE(is_acceptable_request_id("abc-123_X.y:z"));
  EXPECT_TRUE(is_acceptable_request_id(std::string(128, 'a')));
  EXPECT_FALSE(is_acceptable_request_id(""));
  EXPECT_FALSE(is_acceptable_request_id(std::string(129, 'a')));
  EXPECT_FALSE(is_acceptable_request_id("has space"));
  EXPECT_FALSE(is_acceptable_request_id("inject\r\nX: y"));
  EXPECT_FALSE(is_acceptable_request_id("quote\""));
}

TEST(RequestId, GeneratesDistinctV4Uuids) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id;
    http::append_uuid_v4(id);
    EXPECT_TRUE(std::regex_match(id, kUuid)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(RequestId, EveryRandomDigitTakesEveryHexValue) {
  // Catches a broken hex encoding (a digit stuck, 'a'-'f' mapped wrong) that still matches
  // the format: over 2000 ids each random position sees all 16 digits.
  std::vector<std::set<char>> uuid_digits(36), trace_digits(55);
  for (int i = 0; i < 2000; ++i) {
    std::string id, trace;
    http::append_uuid_v4(id);
    http::append_new_traceparent(trace);
    for (std::size_t p = 0; p < id.size(); ++p) {
      uuid_digits[p].insert(id[p]);
    }
    for (std::size_t p = 0; p < trace.size(); ++p) {
      trace_digits[p].insert(trace[p]);
    }
  }
  for (std::size_t p = 0; p < 36; ++p) {
    const std::size_t expected = (p == 8 || p == 13 || p == 18 || p == 23) ? 1  // dashes
                                 : p == 14                                 ? 1  // version 4
                                 : p == 19                                 ? 4  // variant
                                                                           : 16;
    EXPECT_EQ(uuid_digits[p].size(), expected) << "uuid position " << p;
  }
  for (std::size_t p = 3; p < 52; ++p) {
    if (p == 35) {
      continue;
    }
    // The last digit of each id is odd (| 1 keeps ids from being all zeros).
    const std::size_t expected = (p == 18 || p == 51) ? 8 : 16;
    EXPECT_EQ(trace_digits[p].size(), expected) << "traceparent position " << p;
  }
}

TEST(RequestId, Traceparent) {
  EXPECT_TRUE(is_valid_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
  EXPECT_FALSE(is_valid_traceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01"));
  EXPECT_FALSE(is_valid_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"));
  EXPECT_FALSE(is_valid_traceparent("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"));
  EXPECT_FALSE(is_valid_traceparent("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
  EXPECT_FALSE(is_valid_traceparent("garbage"));
  std::string fresh;
  http::append_new_traceparent(fresh);
  EXPECT_TRUE(is_valid_traceparent(fresh)) << fresh;
}

TEST(RequestIdPolicy, KeepsValidIdAndReplacesInvalid) {
  RequestIdPolicy policy;
  http::Exchange ok;
  ok.request.headers.add(http::field::unknown, "X-Request-ID", "client-id-1");
  EXPECT_TRUE(policy.on_request(ok) == Verdict::next);
  EXPECT_EQ(ok.request_id, "client-id-1");
  EXPECT_NE(ok.upstream_extra_headers.find("X-Request-ID: client-id-1\r\n"), std::string::npos);
  EXPECT_TRUE(ok.request.headers.fields()[0].removed);  // forwarded once, by rampart

  http::Exchange bad;
  bad.request.headers.add(http::field::unknown, "x-request-id", "bad id!");
  policy.on_request(bad);
  EXPECT_TRUE(std::regex_match(bad.request_id, kUuid)) << bad.request_id;

  policy.on_response(ok);
  EXPECT_EQ(ok.response_extra_headers, "X-Request-ID: client-id-1\r\n");
}

TEST(RequestIdPolicy, PassesValidTraceparentOn) {
  RequestIdPolicy policy;
  http::Exchange ex;
  const std::string tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  ex.request.headers.add(http::field::unknown, "traceparent", tp);
  policy.on_request(ex);
  EXPECT_EQ(ex.traceparent, tp);
  EXPECT_NE(ex.upstream_extra_headers.find("traceparent: " + tp), std::string::npos);
}

}  // namespace
}  // namespace rampart::policies
