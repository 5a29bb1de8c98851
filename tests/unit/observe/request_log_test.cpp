#include "observe/request_log.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace rampart::observe {
namespace {

TEST(RequestLog, HasEveryFieldAndNoSecrets) {
  http::Exchange ex;
  ex.request.method = "POST";
  ex.request.target = "/api/x?token=SECRET";
  ex.request.path = "/api/x";
  ex.request.headers.add(http::field::authorization, "Authorization", "Bearer SECRET2");
  ex.request.headers.add(http::field::cookie, "Cookie", "sid=SECRET3");
  ex.request_id = "rid-1";
  ex.response.status = 404;
  ex.problem = http::Problem::of(http::ProblemCode::not_found);
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

TEST(RequestLog, FastAndEscapingWritersGiveTheSameLine) {
  config::RouteConfig route;
  route.name = "orders";
  const auto now = std::chrono::system_clock::time_point(std::chrono::milliseconds(1700000000007));
  for (int variant = 0; variant < 8; ++variant) {
    http::Exchange ex;
    ex.request.method = variant % 2 ? "DELETE" : "GET";
    ex.request.path = variant == 3   ? "/quote\"and\\back"
                      : variant == 4 ? "/caf\xc3\xa9"
                      : variant == 5 ? "/" + std::string(2000, 'p')
                                     : "/api/orders/42";
    ex.request_id = "0f4a1c9e-7b2d-4e8a-9c3f-5d6e7f8a9b0c";
    ex.route = variant % 3 ? &route : nullptr;
    ex.response.status = variant == 2 ? 429 : 200;
    if (variant == 2) {
      ex.problem = http::Problem::of(http::ProblemCode::not_found);
    }
    if (variant % 2) {
      ex.upstream_ms = 12.3456;
    }
    ex.client_ip = "203.0.113.9";
    ex.identity = variant == 6 ? "key:tab\there" : "ip:203.0.113.9";
    ex.bytes_in = 123;
    ex.bytes_out = 4567890123ULL;
    const double seconds = variant == 7 ? 1e10 : 0.0123456;
    std::string fast, escaped;
    append_request_line(fast, ex, config::LogLevel::info, seconds, now);
    append_request_line_escaped(escaped, ex, config::LogLevel::info, seconds, now);
    EXPECT_EQ(fast, escaped) << "variant " << variant;
    EXPECT_NO_THROW(boost::json::parse(fast)) << fast;
  }
}

}  // namespace
}  // namespace rampart::observe
