#include "policies/hygiene/hygiene_policy.hpp"

#include <gtest/gtest.h>

namespace rampart::policies {
namespace {

TEST(HygienePolicy, RemovesFingerprintsAndAddsDefaults) {
  HygienePolicy policy(false);
  http::Exchange ex;
  ex.response.headers.add(http::field::server, "Server", "gunicorn");
  ex.response.headers.add(http::field::unknown, "X-Powered-By", "Express");
  ex.response.headers.add(http::field::access_control_allow_origin, "Access-Control-Allow-Origin",
                          "*");
  ex.response.headers.add(http::field::content_type, "Content-Type", "text/plain");
  policy.on_response(ex);
  EXPECT_TRUE(ex.response.headers.fields()[0].removed);
  EXPECT_TRUE(ex.response.headers.fields()[1].removed);
  EXPECT_TRUE(ex.response.headers.fields()[2].removed);
  EXPECT_FALSE(ex.response.headers.fields()[3].removed);
  EXPECT_EQ(ex.response_extra_headers,
            "X-Content-Type-Options: nosniff\r\nX-Frame-Options: DENY\r\n"
            "Referrer-Policy: no-referrer\r\n");
}

TEST(HygienePolicy, KeepsUpstreamChoicesAndAddsHstsInProduction) {
  HygienePolicy policy(true);
  http::Exchange ex;
  ex.response.headers.add(http::field::x_frame_options, "X-Frame-Options", "SAMEORIGIN");
  ex.response.headers.add(http::field::unknown, "referrer-policy", "origin");
  policy.on_response(ex);
  EXPECT_FALSE(ex.response.headers.fields()[0].removed);
  EXPECT_EQ(ex.response_extra_headers,
            "X-Content-Type-Options: nosniff\r\n"
            "Strict-Transport-Security: max-age=31536000\r\n");
}

}  // namespace
}  // namespace rampart::policies
