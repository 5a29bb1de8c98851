// One test per rejection rule of the `headers:` route key, each asserting the key path and
// the message the user reads.

#include <gtest/gtest.h>

#include <string>

#include "../config/config_test_support.hpp"
#include "policies/headers/config.hpp"

namespace rampart::policies {
namespace {

using config::LoadResult;
using namespace config::testing_support;

LoadResult with_headers(const std::string& headers_yaml) {
  config::LoadOptions options;
  options.route_keys = {config::RouteKeyReader{kHeadersKey, read_headers}};
  return load_config_text(kAdmin + kUpstreams + kRoutes + "    headers: " + headers_yaml + "\n",
                          "test.yaml", options);
}

const HeadersSettings* settings_of(const LoadResult& result) {
  if (result.config == nullptr) {
    return nullptr;
  }
  return static_cast<const HeadersSettings*>(result.config->routes[0].setting(kHeadersKey));
}

TEST(HeadersConfigTest, ValidConfigIsRead) {
  auto result = with_headers(
      R"({request_add: {X-Tenant: acme, Authorization: "Bearer s3cret"}, request_remove: [Cookie],
          response_add: {Cache-Control: "max-age=10"}, response_remove: [X-Debug-Token]})");
  ASSERT_TRUE(result.problems.empty()) << printed(result);
  const auto* s = settings_of(result);
  ASSERT_NE(s, nullptr);
  ASSERT_EQ(s->request.add.size(), 2u);
  EXPECT_EQ(s->request.add[0].name.name, "X-Tenant");
  EXPECT_EQ(s->request.add[0].name.id, http::field::unknown);
  EXPECT_EQ(s->request.add[0].value, "acme");
  EXPECT_EQ(s->request.add[1].name.id, http::field::authorization);
  // The added names are dropped too: an added field replaces the client's.
  ASSERT_EQ(s->request.drop.size(), 3u);
  EXPECT_EQ(s->request.drop[2].id, http::field::cookie);
  ASSERT_EQ(s->response.add.size(), 1u);
  EXPECT_EQ(s->response.add[0].name.id, http::field::cache_control);
  EXPECT_EQ(s->response.add[0].value, "max-age=10");
  ASSERT_EQ(s->response.drop.size(), 2u);
  EXPECT_EQ(s->response.drop[1].name, "X-Debug-Token");
}

TEST(HeadersConfigTest, EmptyValuesAreNothingToDo) {
  for (const char* yaml : {"{}", "",
                           "{request_add: {}, request_remove: [], response_add: ,"
                           " response_remove: }"}) {
    auto result = with_headers(yaml);
    ASSERT_TRUE(result.problems.empty()) << yaml << "\n" << printed(result);
    const auto* s = settings_of(result);
    ASSERT_NE(s, nullptr) << yaml;
    EXPECT_TRUE(s->request.empty());
    EXPECT_TRUE(s->response.empty());
  }
}

TEST(HeadersConfigTest, NotAMapping) {
  EXPECT_TRUE(has_only_problem(with_headers("[Cookie]"), "routes[0].headers",
                               "expected a mapping, got a list"));
}

TEST(HeadersConfigTest, UnknownKeyGetsASuggestion) {
  EXPECT_TRUE(has_only_problem(with_headers("{request_ad: {X-Tenant: acme}}"),
                               "routes[0].headers.request_ad",
                               "unknown key; did you mean \"request_add\"?"));
}

TEST(HeadersConfigTest, AddIsAMappingRemoveIsAList) {
  EXPECT_TRUE(has_only_problem(with_headers("{request_add: [X-Tenant]}"),
                               "routes[0].headers.request_add", "expected a mapping, got a list"));
  EXPECT_TRUE(has_only_problem(with_headers("{response_remove: X-Debug}"),
                               "routes[0].headers.response_remove",
                               "expected a list, got a single value"));
}

TEST(HeadersConfigTest, NameMustBeAToken) {
  EXPECT_TRUE(has_only_problem(with_headers(R"({request_add: {"X Tenant": acme}})"),
                               "routes[0].headers.request_add.X Tenant", "is not a header name"));
  EXPECT_TRUE(has_only_problem(with_headers(R"({response_remove: ["X-A:b"]})"),
                               "routes[0].headers.response_remove[0]", "is not a header name"));
  EXPECT_TRUE(has_only_problem(with_headers(R"({request_remove: ["X-\u00e9"]})"),
                               "routes[0].headers.request_remove[0]", "is not a header name"));
  EXPECT_TRUE(has_only_problem(with_headers(R"({request_remove: [""]})"),
                               "routes[0].headers.request_remove[0]",
                               "a header name must not be empty"));
}

// ---- names rampart writes itself --------------------------------------------------------------

struct Refused {
  const char* name;
  const char* reason;  ///< a part of the message
};

void expect_refused_on(const char* side, const Refused& refused) {
  const std::string name = refused.name;
  const std::string prefix = std::string("routes[0].headers.") + side;
  auto added = with_headers(std::string("{") + side + "_add: {\"" + name + "\": x}}");
  EXPECT_TRUE(
      has_only_problem(added, prefix + "_add." + name, name + " cannot be set by a route: "));
  EXPECT_TRUE(has_problem(added, prefix + "_add." + name, refused.reason));
  auto removed = with_headers(std::string("{") + side + "_remove: [\"" + name + "\"]}");
  EXPECT_TRUE(
      has_only_problem(removed, prefix + "_remove[0]", name + " cannot be removed by a route: "));
  EXPECT_TRUE(has_problem(removed, prefix + "_remove[0]", refused.reason));
}

TEST(HeadersConfigTest, RequestFieldsRampartWritesAreRefused) {
  const Refused refused[] = {
      {"Content-Length", "framing"},
      {"transfer-encoding", "framing"},
      {"Connection", "hop-by-hop"},
      {"Keep-Alive", "hop-by-hop"},
      {"Proxy-Connection", "hop-by-hop"},
      {"TE", "hop-by-hop"},
      {"Trailer", "hop-by-hop"},
      {"Upgrade", "hop-by-hop"},
      {"Proxy-Authorization", "hop-by-hop"},
      {"HOST", "upstream's own host"},
      {"Expect", "100-continue"},
      {"X-Forwarded-For", "trusted_proxies"},
      {"x-forwarded-proto", "trusted_proxies"},
      {"X-Request-ID", "request_id policy"},
      {"traceparent", "request_id policy"},
      {"X-Rampart-Identity", "X-Rampart-*"},
      {"x-rampart-tier", "X-Rampart-*"},
      // WSGI, Rack and CGI read these as X-Forwarded-For and X-Rampart-Identity.
      {"X_Forwarded_For", "trusted_proxies"},
      {"X_Rampart_Identity", "X-Rampart-*"},
  };
  for (const auto& r : refused) {
    SCOPED_TRACE(r.name);
    expect_refused_on("request", r);
  }
}

TEST(HeadersConfigTest, ResponseFieldsRampartWritesAreRefused) {
  const Refused refused[] = {
      {"Content-Length", "framing"},
      {"Transfer-Encoding", "framing"},
      {"Connection", "hop-by-hop"},
      {"Keep-Alive", "hop-by-hop"},
      {"Proxy-Connection", "hop-by-hop"},
      {"Trailer", "hop-by-hop"},
      {"Upgrade", "hop-by-hop"},
      {"TE", "hop-by-hop"},
      {"X-Request-ID", "request_id policy"},
      {"Access-Control-Allow-Origin", "rampart owns CORS"},
      {"access-control-max-age", "rampart owns CORS"},
  };
  for (const auto& r : refused) {
    SCOPED_TRACE(r.name);
    expect_refused_on("response", r);
  }
}

TEST(HeadersConfigTest, ServerFingerprintCannotBeAddedButMayBeRemoved) {
  EXPECT_TRUE(has_only_problem(with_headers("{response_add: {Server: nginx}}"),
                               "routes[0].headers.response_add.Server",
                               "Server cannot be set by a route: the hygiene policy removes it"));
  EXPECT_TRUE(has_only_problem(with_headers("{response_add: {X-Powered-By: PHP}}"),
                               "routes[0].headers.response_add.X-Powered-By", "hygiene policy"));
  EXPECT_TRUE(with_headers("{response_remove: [Server, X-Powered-By]}").problems.empty());
}

TEST(HeadersConfigTest, EachSideRefusesOnlyItsOwnNames) {
  // Host and X-Rampart-* are rampart's on the way to the upstream, not on the way back.
  auto result = with_headers(
      "{response_add: {X-Rampart-Cache: hit}, response_remove: [Expect],"
      " request_remove: [Access-Control-Request-Headers]}");
  EXPECT_TRUE(result.problems.empty()) << printed(result);
}

// ---- values -------------------------------------------------------------------------------

TEST(HeadersConfigTest, ValueWithLineBreakIsRefused) {
  // A CR LF would end the field and let the config write a field of its choosing after it.
  EXPECT_TRUE(has_only_problem(with_headers(R"({request_add: {X-Tenant: "acme\r\nX-Admin: 1"}})"),
                               "routes[0].headers.request_add.X-Tenant",
                               "has byte 0x0d at offset 4; a value is printable ASCII"));
  EXPECT_TRUE(has_only_problem(with_headers(R"({response_add: {X-A: "a\nb"}})"),
                               "routes[0].headers.response_add.X-A", "has byte 0x0a at offset 1"));
}

TEST(HeadersConfigTest, ValueWithControlOrNonAsciiByteIsRefused) {
  EXPECT_TRUE(has_only_problem(with_headers(R"({request_add: {X-A: "a\0b"}})"),
                               "routes[0].headers.request_add.X-A", "has byte 0x00 at offset 1"));
  EXPECT_TRUE(has_only_problem(with_headers(R"({request_add: {X-A: "a\x7fb"}})"),
                               "routes[0].headers.request_add.X-A", "has byte 0x7f at offset 1"));
  EXPECT_TRUE(has_only_problem(with_headers(R"({request_add: {X-A: "caf\u00e9"}})"),
                               "routes[0].headers.request_add.X-A", "has byte 0xc3 at offset 3"));
  EXPECT_TRUE(with_headers(R"({request_add: {X-A: "a\tb c"}})").problems.empty());
}

TEST(HeadersConfigTest, ValueOver8KiBIsRefused) {
  EXPECT_TRUE(
      with_headers("{request_add: {X-A: " + std::string(8192, 'a') + "}}").problems.empty());
  EXPECT_TRUE(has_only_problem(with_headers("{request_add: {X-A: " + std::string(8193, 'a') + "}}"),
                               "routes[0].headers.request_add.X-A",
                               "is 8193 bytes; a value may have at most 8192 bytes"));
}

TEST(HeadersConfigTest, ValueWithOuterWhitespaceIsRefused) {
  EXPECT_TRUE(has_only_problem(with_headers(R"({request_add: {X-A: " a"}})"),
                               "routes[0].headers.request_add.X-A",
                               "must not start or end with a space or tab"));
  EXPECT_TRUE(has_only_problem(with_headers(R"({response_add: {X-A: "a\t"}})"),
                               "routes[0].headers.response_add.X-A",
                               "must not start or end with a space or tab"));
}

TEST(HeadersConfigTest, EmptyValueIsRefused) {
  EXPECT_TRUE(has_only_problem(with_headers(R"({request_add: {X-A: ""}})"),
                               "routes[0].headers.request_add.X-A",
                               "must not be empty; to send no such field, list its name in "
                               "request_remove"));
  EXPECT_TRUE(has_only_problem(with_headers("{response_add: {X-A: }}"),
                               "routes[0].headers.response_add.X-A",
                               "expected a string, got nothing"));
}

TEST(HeadersConfigTest, ValueMustBeAString) {
  EXPECT_TRUE(has_only_problem(with_headers("{request_add: {X-A: [1, 2]}}"),
                               "routes[0].headers.request_add.X-A",
                               "expected a string, got a list"));
}

// ---- names used twice ---------------------------------------------------------------------

TEST(HeadersConfigTest, NameAddedAndRemovedOnOneSideIsRefused) {
  EXPECT_TRUE(has_only_problem(
      with_headers("{request_add: {X-Tenant: acme}, request_remove: [Cookie, x-tenant]}"),
      "routes[0].headers.request_remove[1]",
      "x-tenant is also set by request_add (routes[0].headers.request_add.X-Tenant), which "
      "replaces the client's field already; keep it in one of the two"));
  EXPECT_TRUE(has_only_problem(
      with_headers("{response_add: {Cache-Control: no-cache}, response_remove: [cache-control]}"),
      "routes[0].headers.response_remove[0]", "replaces the upstream's field already"));
  // Each side is its own: a request field may be set while the response's is removed.
  EXPECT_TRUE(with_headers("{request_add: {X-Tenant: acme}, response_remove: [X-Tenant]}")
                  .problems.empty());
}

TEST(HeadersConfigTest, DuplicateNameInAListIsRefused) {
  EXPECT_TRUE(has_only_problem(with_headers("{request_remove: [Cookie, COOKIE]}"),
                               "routes[0].headers.request_remove[1]",
                               "duplicate header name: routes[0].headers.request_remove[0] names "
                               "it already"));
  EXPECT_TRUE(has_only_problem(with_headers("{response_remove: [X-Debug-Token, x_debug_token]}"),
                               "routes[0].headers.response_remove[1]", "duplicate header name"));
}

TEST(HeadersConfigTest, DuplicateNameInAMappingIsRefused) {
  EXPECT_TRUE(has_only_problem(with_headers("{request_add: {X-Tenant: a, x-tenant: b}}"),
                               "routes[0].headers.request_add.x-tenant",
                               "duplicate header name: routes[0].headers.request_add.X-Tenant "
                               "names it already (names are case-insensitive"));
  EXPECT_TRUE(has_only_problem(with_headers("{response_add: {X-A: a, X_A: b}}"),
                               "routes[0].headers.response_add.X_A", "duplicate header name"));
}

TEST(HeadersConfigTest, EveryProblemIsReportedAtOnce) {
  auto result =
      with_headers(R"({request_add: {Host: evil, X-A: "a\r\nb"}, request_remove: [Cookie, cookie],)"
                   R"( response_add: {Access-Control-Allow-Origin: "*"}, respons_remove: [X]})");
  EXPECT_EQ(result.problems.size(), 5u) << printed(result);
  EXPECT_TRUE(has_problem(result, "routes[0].headers.request_add.Host", "cannot be set"));
  EXPECT_TRUE(has_problem(result, "routes[0].headers.request_add.X-A", "has byte 0x0d"));
  EXPECT_TRUE(has_problem(result, "routes[0].headers.request_remove[1]", "duplicate"));
  EXPECT_TRUE(has_problem(result, "routes[0].headers.response_add.Access-Control-Allow-Origin",
                          "rampart owns CORS"));
  EXPECT_TRUE(has_problem(result, "routes[0].headers.respons_remove", "did you mean"));
  EXPECT_EQ(result.config, nullptr);
}

}  // namespace
}  // namespace rampart::policies
