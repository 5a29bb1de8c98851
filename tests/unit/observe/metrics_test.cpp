#include "observe/metrics.hpp"

#include <gtest/gtest.h>

namespace rampart::observe {
namespace {

TEST(Metrics, SumsWorkersAndRendersPrometheusText) {
  WorkerMetrics a, b;
  a.route("api").count("GET", 200);
  a.route("api").count("GET", 200);
  b.route("api").count("GET", 200);
  b.route("api").count("BREW", 404);
  a.route("api").duration.observe(0.003);
  b.upstream("app").error(UpstreamErrorKind::connect);
  a.active_connections = 2;
  b.active_connections = 1;
  ProcessMetrics process;
  process.version = "1.2.3";
  process.reloads_success = 4;
  process.upstream_healthy = {{"app", true}};
  auto text = render_prometheus({a.copy(), b.copy()}, process);
  EXPECT_NE(
      text.find("rampart_http_requests_total{route=\"api\",method=\"GET\",status=\"200\"} 3\n"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("method=\"OTHER\",status=\"404\"} 1\n"), std::string::npos);
  EXPECT_NE(
      text.find("rampart_http_request_duration_seconds_bucket{route=\"api\",le=\"0.005\"} 1\n"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find("rampart_http_request_duration_seconds_bucket{route=\"api\",le=\"+Inf\"} 1\n"),
      std::string::npos);
  EXPECT_NE(text.find("rampart_upstream_errors_total{upstream=\"app\",kind=\"connect\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("rampart_active_connections 3\n"), std::string::npos);
  EXPECT_NE(text.find("rampart_upstream_healthy{upstream=\"app\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("rampart_config_reloads_total{result=\"success\"} 4\n"), std::string::npos);
  EXPECT_NE(text.find("rampart_build_info{version=\"1.2.3\"} 1\n"), std::string::npos);
}

TEST(Histogram, BucketsAreCumulativeWhenRendered) {
  Histogram h;
  h.observe(0.0005);
  h.observe(0.2);
  h.observe(100);
  EXPECT_EQ(h.count, 3u);
  EXPECT_EQ(h.buckets.front(), 1u);
  EXPECT_EQ(h.buckets.back(), 1u);
}

}  // namespace
}  // namespace rampart::observe
