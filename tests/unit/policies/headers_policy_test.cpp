#include "policies/headers/headers_policy.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <string>

#include "../config/config_test_support.hpp"
#include "net/head_writer.hpp"

namespace rampart::policies {
namespace {

using http::field;

/// A config whose one route has `headers: <headers_yaml>`; it owns the settings the policy
/// keeps a reference to, so a test holds it as long as the policy.
std::shared_ptr<const config::Config> load_route(const std::string& headers_yaml) {
  config::LoadOptions options;
  options.route_keys = {config::RouteKeyReader{kHeadersKey, read_headers}};
  auto result = config::load_config_text(
      config::testing_support::valid_yaml() + "    headers: " + headers_yaml + "\n", "test.yaml",
      options);
  EXPECT_TRUE(result.problems.empty()) << config::testing_support::printed(result);
  return result.config;
}

const HeadersSettings& settings_of(const config::Config& config) {
  return static_cast<const HeadersSettings&>(*config.routes[0].setting(kHeadersKey));
}

http::Exchange proxied_request() {
  http::Exchange ex;
  ex.request.method = "GET";
  ex.request.target = "/api/status";
  ex.forwarded_for = "127.0.0.1";
  ex.identity = "ip:127.0.0.1";
  return ex;
}

std::string upstream_head(http::Exchange& ex) {
  config::UpstreamConfig upstream;
  upstream.host_header = "127.0.0.1:8000";
  std::string out;
  net::write_upstream_head(out, ex, upstream, net::Framing{});
  return out;
}

std::string response_head(http::Exchange& ex) {
  std::string out;
  net::write_response_head(out, ex, net::Framing::length_of(0), false);
  return out;
}

/// How many lines of `head` start with `name:` in any case.
int count_field(const std::string& head, std::string name) {
  auto lower = [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
  };
  const std::string text = lower(head), needle = "\r\n" + lower(name) + ":";
  int count = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

TEST(HeadersPolicyTest, HooksOnlyWhereThereIsWork) {
  auto request_only = load_route("{request_remove: [Cookie]}");
  HeadersPolicy on_the_way_in(settings_of(*request_only));
  EXPECT_TRUE(on_the_way_in.has_request_hook());
  EXPECT_FALSE(on_the_way_in.has_response_hook());

  auto response_only = load_route(R"({response_add: {Cache-Control: "max-age=10"}})");
  HeadersPolicy on_the_way_out(settings_of(*response_only));
  EXPECT_FALSE(on_the_way_out.has_request_hook());
  EXPECT_TRUE(on_the_way_out.has_response_hook());

  auto nothing = load_route("{}");
  HeadersPolicy idle(settings_of(*nothing));
  EXPECT_FALSE(idle.has_request_hook());
  EXPECT_FALSE(idle.has_response_hook());
}

TEST(HeadersPolicyTest, RequestAddReplacesEveryClientCopyInAnyCase) {
  auto config = load_route("{request_add: {X-Tenant: acme}}");
  HeadersPolicy policy(settings_of(*config));
  auto ex = proxied_request();
  ex.request.headers.add(field::unknown, "x-tenant", "evil-1");
  ex.request.headers.add(field::accept, "Accept", "*/*");
  ex.request.headers.add(field::unknown, "X-TENANT", "evil-2");
  // WSGI, Rack and CGI read X_Tenant as X-Tenant: it must not reach them either.
  ex.request.headers.add(field::unknown, "X_Tenant", "evil-3");
  EXPECT_EQ(policy.on_request(ex, nullptr), Verdict::next);

  const auto& fields = ex.request.headers.fields();
  ASSERT_EQ(fields.size(), 5u);
  EXPECT_TRUE(fields[0].removed);
  EXPECT_FALSE(fields[1].removed);
  EXPECT_TRUE(fields[2].removed);
  EXPECT_TRUE(fields[3].removed);
  EXPECT_EQ(fields[4].name, "X-Tenant");
  EXPECT_EQ(fields[4].value, "acme");
  EXPECT_FALSE(fields[4].removed);

  auto head = upstream_head(ex);
  EXPECT_EQ(count_field(head, "X-Tenant"), 1) << head;
  EXPECT_NE(head.find("\r\nX-Tenant: acme\r\n"), std::string::npos) << head;
  EXPECT_EQ(head.find("evil"), std::string::npos) << head;
  EXPECT_NE(head.find("\r\nAccept: */*\r\n"), std::string::npos) << head;
}

TEST(HeadersPolicyTest, RequestRemoveMatchesKnownFieldsByIdAndOthersByName) {
  auto config = load_route("{request_remove: [cookie, User-Agent, X-Debug]}");
  HeadersPolicy policy(settings_of(*config));
  auto ex = proxied_request();
  // The parser gives a field Beast knows its id whatever the case it arrived in.
  ex.request.headers.add(field::cookie, "Cookie", "session=1");
  ex.request.headers.add(field::cookie, "COOKIE", "session=2");
  ex.request.headers.add(field::unknown, "User_Agent", "spoofed");
  ex.request.headers.add(field::unknown, "x-debug", "1");
  ex.request.headers.add(field::unknown, "X-Debugger", "kept");
  EXPECT_EQ(policy.on_request(ex, nullptr), Verdict::next);

  const auto& fields = ex.request.headers.fields();
  ASSERT_EQ(fields.size(), 5u);
  EXPECT_TRUE(fields[0].removed && fields[1].removed && fields[2].removed && fields[3].removed);
  EXPECT_FALSE(fields[4].removed);

  auto head = upstream_head(ex);
  EXPECT_EQ(count_field(head, "Cookie"), 0) << head;
  EXPECT_EQ(head.find("session"), std::string::npos) << head;
  EXPECT_EQ(head.find("spoofed"), std::string::npos) << head;
  EXPECT_EQ(count_field(head, "X-Debugger"), 1) << head;
}

TEST(HeadersPolicyTest, ClientConnectionOptionCannotStripAnAddedField) {
  // "Connection: X-Tenant" makes the head writer drop every field named X-Tenant: the client's
  // copy, and it must not be the route's.
  auto config = load_route("{request_add: {X-Tenant: acme}}");
  HeadersPolicy policy(settings_of(*config));
  auto ex = proxied_request();
  ex.request.headers.add(field::connection, "Connection", "X-Tenant");
  ex.request.headers.add(field::unknown, "X-Tenant", "evil");
  policy.on_request(ex, nullptr);
  auto head = upstream_head(ex);
  EXPECT_EQ(count_field(head, "X-Tenant"), 1) << head;
  EXPECT_NE(head.find("\r\nX-Tenant: acme\r\n"), std::string::npos) << head;
}

TEST(HeadersPolicyTest, UpstreamConnectionOptionCannotStripAnAddedField) {
  auto config = load_route(R"({response_add: {Cache-Control: "max-age=10"}})");
  HeadersPolicy policy(settings_of(*config));
  auto ex = proxied_request();
  ex.response.status = 200;
  ex.response.headers.add(field::connection, "Connection", "Cache-Control");
  ex.response.headers.add(field::cache_control, "Cache-Control", "no-cache");
  policy.on_response(ex, nullptr);
  auto head = response_head(ex);
  EXPECT_EQ(count_field(head, "Cache-Control"), 1) << head;
  EXPECT_NE(head.find("\r\nCache-Control: max-age=10\r\n"), std::string::npos) << head;
}

TEST(HeadersPolicyTest, ResponseAddReplacesTheUpstreamsFieldAndRemoveDropsIt) {
  auto config = load_route(
      R"({response_add: {Cache-Control: "max-age=10"}, response_remove: [X-Debug-Token]})");
  HeadersPolicy policy(settings_of(*config));
  auto ex = proxied_request();
  ex.response.status = 200;
  ex.response.headers.add(field::cache_control, "cache-control", "no-cache");
  ex.response.headers.add(field::cache_control, "Cache-Control", "private");
  ex.response.headers.add(field::unknown, "x-debug-token", "abc123");
  ex.response.headers.add(field::content_type, "Content-Type", "application/json");
  policy.on_response(ex, nullptr);

  const auto& fields = ex.response.headers.fields();
  ASSERT_EQ(fields.size(), 5u);
  EXPECT_TRUE(fields[0].removed && fields[1].removed && fields[2].removed);
  EXPECT_FALSE(fields[3].removed);
  EXPECT_EQ(fields[4].id, field::cache_control);
  EXPECT_EQ(fields[4].value, "max-age=10");

  auto head = response_head(ex);
  EXPECT_EQ(count_field(head, "Cache-Control"), 1) << head;
  EXPECT_NE(head.find("\r\nCache-Control: max-age=10\r\n"), std::string::npos) << head;
  EXPECT_EQ(count_field(head, "X-Debug-Token"), 0) << head;
  EXPECT_NE(head.find("\r\nContent-Type: application/json\r\n"), std::string::npos) << head;
}

TEST(HeadersPolicyTest, RampartsOwnAnswersAreLeftAlone) {
  // A problem is sent with Cache-Control: no-store; a route's max-age must not make it cacheable.
  auto config = load_route(
      R"({response_add: {Cache-Control: "max-age=10"}, response_remove: [Content-Type]})");
  HeadersPolicy policy(settings_of(*config));

  auto with_problem = proxied_request();
  with_problem.problem = http::Problem::of(http::ProblemCode::not_found);
  with_problem.response.headers.add(field::cache_control, "Cache-Control", "no-store");
  with_problem.response.headers.add(field::content_type, "Content-Type",
                                    "application/problem+json");
  policy.on_response(with_problem, nullptr);

  auto with_reply = proxied_request();
  with_reply.reply.status = 204;
  with_reply.response.headers.add(field::cache_control, "Cache-Control", "no-store");
  policy.on_response(with_reply, nullptr);

  for (const auto* ex : {&with_problem, &with_reply}) {
    for (const auto& f : ex->response.headers.fields()) {
      EXPECT_FALSE(f.removed) << f.name;
    }
  }
  EXPECT_EQ(with_problem.response.headers.fields().size(), 2u);
  EXPECT_EQ(with_reply.response.headers.fields().size(), 1u);
}

TEST(HeadersPolicyTest, EachSideTouchesOnlyItsOwnHead) {
  auto config = load_route("{request_remove: [X-Tenant], response_add: {X-Served-By: rampart}}");
  HeadersPolicy policy(settings_of(*config));
  auto ex = proxied_request();
  ex.request.headers.add(field::unknown, "X-Tenant", "acme");
  ex.response.status = 200;
  ex.response.headers.add(field::unknown, "X-Tenant", "acme");
  policy.on_request(ex, nullptr);
  policy.on_response(ex, nullptr);
  EXPECT_TRUE(ex.request.headers.fields()[0].removed);
  EXPECT_EQ(ex.request.headers.fields().size(), 1u);
  EXPECT_FALSE(ex.response.headers.fields()[0].removed);
  ASSERT_EQ(ex.response.headers.fields().size(), 2u);
  EXPECT_EQ(ex.response.headers.fields()[1].name, "X-Served-By");
}

TEST(HeadersPolicyTest, ReusedExchangeGetsTheFieldOnce) {
  // An Exchange is cleared and reused for every request on a connection.
  auto config = load_route("{request_add: {X-Tenant: acme}}");
  HeadersPolicy policy(settings_of(*config));
  auto ex = proxied_request();
  for (int i = 0; i < 3; ++i) {
    ex.clear();
    ex.request.method = "GET";
    ex.request.target = "/";
    policy.on_request(ex, nullptr);
    auto head = upstream_head(ex);
    EXPECT_EQ(count_field(head, "X-Tenant"), 1) << head;
  }
}

}  // namespace
}  // namespace rampart::policies
