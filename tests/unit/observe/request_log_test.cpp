#include "observe/request_log.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace rampart::observe {
namespace {

TEST(RequestLog, HasEveryFieldAndNoSecrets) {
  gateway::Exchange ex;
  ex.request.method = "POST";
  ex.request.target = "/api/x?token=SECRET";
  ex.request.path = "/api/x";
  ex.request.headers.add(gateway::field::authorization, "Authorization", "Bearer SECRET2");
  ex.request.headers.add(gateway::field::cookie, "Cookie", "sid=SECRET3");
  ex.request_id = "rid-1";
  ex.response.status = 404;
  ex.problem = gateway::Problem::of(gateway::ProblemCode::not_found);
  ex.client_ip = "127.0.0.1";
  ex.identity = "ip:127.0.0.1";
  ex.bytes_in = 10;
  ex.bytes_out = 20;
  std::string line;
  append_request_line(
      line, ex, config::LogLevel::info, 0.0012345,
      std::chrono::system_clock::time_point(std::chrono::milliseconds(1700000000123)));
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find("SECRET"), std::string::npos) << line;
  auto json = boost::json::parse(line).as_object();
  EXPECT_EQ(json["ts"].as_string(), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(json["level"].as_string(), "info");
  EXPECT_EQ(json["event"].as_string(), "request");
  EXPECT_EQ(json["request_id"].as_string(), "rid-1");
  EXPECT_EQ(json["method"].as_string(), "POST");
  EXPECT_EQ(json["path"].as_string(), "/api/x");
  EXPECT_EQ(json["route"].as_string(), "none");
  EXPECT_EQ(json["status"].as_int64(), 404);
  EXPECT_EQ(json["code"].as_string(), "not_found");
  EXPECT_NEAR(json["duration_ms"].to_number<double>(), 1.234, 0.002);
  EXPECT_TRUE(json["upstream_ms"].is_null());
  EXPECT_EQ(json["bytes_in"].as_int64(), 10);
  EXPECT_EQ(json["bytes_out"].as_int64(), 20);
  EXPECT_EQ(json["client_ip"].as_string(), "127.0.0.1");
  EXPECT_EQ(json["identity"].as_string(), "ip:127.0.0.1");
}

}  // namespace
}  // namespace rampart::observe
