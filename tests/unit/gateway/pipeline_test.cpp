// The pipeline as data: stage order, refusals with headers and private reasons, dry run, the
// body phase's request, pending stages and their deadline, routing. No sockets: the
// connection's side is played by the test (pipeline_worker_test.cpp plays it for real).

#include "gateway/pipeline.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <list>

#include "http/problem.hpp"
#include "observe/request_log.hpp"
#include "test_policies.hpp"

namespace rampart::gateway {
namespace {

using namespace rampart::testing_policies;
using net::Step;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kConfig = R"(
admin: {api_key: "k7Qz2mXv9LpR4tYb8NcW3sHd6FgJ1aE5"}
upstreams:
  app: {url: "http://127.0.0.1:9"}
routes:
  - {name: a, match: {path_prefix: /a}, upstream: app, auth: none}
  - {name: dry, match: {path_prefix: /dry}, upstream: app, auth: none, dry_run: true}
  - {name: post, match: {path: /post, methods: [POST]}, upstream: app, auth: none}
  - name: item
    match: {path_template: "/items/{id}"}
    upstream: app
    auth: none
    rewrite: {template: "/internal/{id}"}
)";

std::shared_ptr<const config::Config> load_test_config() {
  auto result = config::load_config_text(std::string(kConfig), "test.yaml");
  EXPECT_TRUE(result.problems.empty()) << result.problems.front().to_string();
  return result.config;
}

/// A pipeline with `types` and one worker's state for it.
struct Fixture {
  explicit Fixture(const std::vector<PolicyType>& types)
      : pipeline(load_test_config(), std::make_shared<observe::HealthBoard>(), types) {
    net::WorkerContext context{
        io, metrics, [this](std::function<void()> f) { net::asio::post(io, std::move(f)); }};
    state = pipeline.make_state(context);
  }
  http::Exchange request(std::string method, std::string path) {
    http::Exchange ex;
    ex.request.method = std::move(method);
    ex.request.verb = boost::beast::http::string_to_verb(ex.request.method);
    ex.request.path = path;
    targets.push_back(std::move(path));
    ex.request.target = targets.back();
    ex.peer_text = "127.0.0.1";
    return ex;
  }
  std::uint64_t refusals(const std::string& route, const std::string& reason) {
    auto copy = metrics.copy();
    auto family = copy.families.find(std::string(kTestRefusals.name));
    if (family == copy.families.end()) {
      return 0;
    }
    auto it = family->second.values.find({route, reason});
    return it == family->second.values.end() ? 0 : it->second;
  }

  net::asio::io_context io;
  observe::WorkerMetrics metrics;
  Pipeline pipeline;
  std::unique_ptr<net::HandlerState> state;
  std::list<std::string> targets;  ///< the views' storage
};

TEST(Pipeline, StagesRunInRegistryOrderAndResponseHooksBackwards) {
  std::vector<std::string> trace;
  Fixture f(
      {global_stage("g", [&] { return std::make_unique<RecordingPolicy>("g", trace); }),
       route_stage("r1", "a", [&] { return std::make_unique<RecordingPolicy>("r1", trace); }),
       route_stage("r2", "a", [&] { return std::make_unique<RecordingPolicy>("r2", trace); })});
  auto ex = f.request("GET", "/a/x");
  EXPECT_EQ(f.pipeline.run(ex, *f.state), Step::proxy);
  f.pipeline.on_response(ex, *f.state);
  EXPECT_THAT(trace, ElementsAre("request:g", "request:r1", "request:r2", "response:r2",
                                 "response:r1", "response:g"));
  EXPECT_THAT(f.pipeline.route_stage_names(0), ElementsAre("g", "routing", "r1", "r2", "proxy"));
  // Another route has none of a's stages, only the global one.
  trace.clear();
  auto other = f.request("POST", "/post");
  EXPECT_EQ(f.pipeline.run(other, *f.state), Step::proxy);
  EXPECT_THAT(trace, ElementsAre("request:g"));
}

TEST(Pipeline, ARefusalAnswersWithItsHeadersAndKeepsItsReasonPrivate) {
  Fixture f({route_stage("auth", "a", [] { return std::make_unique<RefusingPolicy>(); })});
  auto ex = f.request("GET", "/a");
  ex.request_id = "rid-1";
  ASSERT_EQ(f.pipeline.run(ex, *f.state), Step::answer);
  ASSERT_TRUE(ex.problem);
  EXPECT_EQ(ex.problem->status, 401);
  EXPECT_EQ(ex.reply.headers, "WWW-Authenticate: Bearer\r\n");
  EXPECT_EQ(f.refusals("a", "missing_test_key"), 1u);

  std::string body;
  http::append_problem_body(*ex.problem, ex.request_id, body);
  EXPECT_THAT(body, HasSubstr(R"("code":"unauthorized")"));
  EXPECT_THAT(body, Not(HasSubstr("missing_test_key")));
  ex.response.status = 401;
  std::string line;
  observe::append_request_line(line, ex, config::LogLevel::info, 0.001,
                               std::chrono::system_clock::now());
  EXPECT_THAT(line, HasSubstr(R"("reason":"missing_test_key")"));

  // The metric is declared before its first count, so /metrics lists it from the start.
  Fixture fresh({route_stage("auth", "a", [] { return std::make_unique<RefusingPolicy>(); })});
  auto text = observe::render_prometheus({fresh.metrics.copy()}, {});
  EXPECT_THAT(text, HasSubstr("# TYPE rampart_test_refusals_total counter"));
}

TEST(Pipeline, DryRunCountsAndLogsARefusalButLetsTheRequestThrough) {
  Fixture f({route_stage("auth", "dry", [] { return std::make_unique<RefusingPolicy>(); })});
  auto ex = f.request("GET", "/dry");
  EXPECT_EQ(f.pipeline.run(ex, *f.state), Step::proxy);
  EXPECT_FALSE(ex.problem);
  EXPECT_TRUE(ex.reply.headers.empty());
  EXPECT_EQ(ex.dry_run_refusal, "auth:unauthorized:missing_test_key");
  EXPECT_EQ(f.refusals("dry", "missing_test_key"), 1u);
  ex.response.status = 200;
  std::string line;
  observe::append_request_line(line, ex, config::LogLevel::info, 0.001,
                               std::chrono::system_clock::now());
  EXPECT_THAT(line, HasSubstr(R"("dry_run":true)"));
}

TEST(Pipeline, TheBodyIsAskedForAtTheFirstStageThatReadsItAndNotBefore) {
  std::string seen;
  Fixture f(
      {route_stage("auth", "post", [] { return std::make_unique<RefusingPolicy>(); }),
       route_stage("webhook", "post", [&] { return std::make_unique<BodyPolicy>(100, seen); }),
       route_stage("body", "post", [&] { return std::make_unique<BodyPolicy>(50, seen); })});
  // Refused before the body stage: the body is never asked for (no 100 Continue either).
  auto refused = f.request("POST", "/post");
  refused.request.has_body = true;
  EXPECT_EQ(f.pipeline.run(refused, *f.state), Step::answer);

  auto ex = f.request("POST", "/post");
  ex.request.has_body = true;
  ex.request.headers.add(http::field::unknown, "X-Key", "1");
  ASSERT_EQ(f.pipeline.run(ex, *f.state), Step::read_body);
  EXPECT_EQ(ex.body_limit, 50u);  // the route's smallest limit
  ex.body_read = true;
  ex.body = "{\"hello\":1}";
  EXPECT_EQ(f.pipeline.run(ex, *f.state), Step::proxy);
  EXPECT_EQ(seen, "{\"hello\":1}");
}

TEST(Pipeline, APendingStageIsAwaitedOnTheWorkerAndThenDecides) {
  Fixture f({route_stage("slow", "a", [] {
    return std::make_unique<SlowPolicy>(std::chrono::milliseconds(1), "slow");
  })});
  auto ex = f.request("GET", "/a");
  ASSERT_EQ(f.pipeline.run(ex, *f.state), Step::wait);
  net::asio::co_spawn(f.io, f.pipeline.wait(ex, *f.state), net::asio::detached);
  f.io.run();
  ASSERT_EQ(f.pipeline.run(ex, *f.state), Step::answer);
  EXPECT_EQ(ex.reply.status, 200);
  EXPECT_EQ(ex.reply.body, "slow");
}

TEST(Pipeline, APolicyThatMissesItsDeadlineIsAnswered503WithoutItsStageInTheBody) {
  Fixture f({route_stage(
      "slow", "a", [] { return std::make_unique<SlowPolicy>(std::chrono::hours(1), "never"); })});
  auto ex = f.request("GET", "/a");
  ASSERT_EQ(f.pipeline.run(ex, *f.state), Step::wait);
  ex.policy_timed_out = true;  // what the connection's sweep sets at Deadline::policy
  ASSERT_EQ(f.pipeline.run(ex, *f.state), Step::answer);
  ASSERT_TRUE(ex.problem);
  EXPECT_EQ(ex.problem->code, http::ProblemCode::policy_timeout);
  EXPECT_EQ(ex.problem->status, 503);
  EXPECT_EQ(ex.problem->reason, "policy_timeout");
}

TEST(Pipeline, RoutingAnswersBuiltInsMissesAndUnsafePaths) {
  Fixture f({});
  auto health = f.request("GET", "/health");
  ASSERT_EQ(f.pipeline.run(health, *f.state), Step::answer);
  EXPECT_EQ(health.reply.status, 200);
  EXPECT_EQ(health.reply.body, R"({"status":"ok"})");

  auto missing = f.request("GET", "/nowhere");
  ASSERT_EQ(f.pipeline.run(missing, *f.state), Step::answer);
  EXPECT_EQ(missing.problem->status, 404);

  auto wrong_method = f.request("GET", "/post");
  ASSERT_EQ(f.pipeline.run(wrong_method, *f.state), Step::answer);
  EXPECT_EQ(wrong_method.problem->status, 405);
  EXPECT_EQ(wrong_method.reply.headers, "Allow: POST\r\n");

  auto dots = f.request("GET", "/a/../post");
  ASSERT_EQ(f.pipeline.run(dots, *f.state), Step::answer);
  EXPECT_EQ(dots.problem->status, 400);
  EXPECT_EQ(f.metrics.rejected[static_cast<std::size_t>(observe::RejectReason::path)], 1u);
}

TEST(Pipeline, TemplateRoutesCaptureAndRewriteAfterThePathCheck) {
  Fixture f({});
  auto item = f.request("GET", "/items/a%20b");
  ASSERT_EQ(f.pipeline.run(item, *f.state), Step::proxy);
  EXPECT_EQ(item.route->name, "item");
  ASSERT_EQ(item.captures.size(), 1u);
  EXPECT_EQ(item.captures[0].value, "a%20b");
  EXPECT_EQ(item.upstream_path, "/internal/a%20b");
  // An encoded slash would make one segment two at the backend: refused before matching.
  auto slash = f.request("GET", "/items/a%2Fb");
  ASSERT_EQ(f.pipeline.run(slash, *f.state), Step::answer);
  EXPECT_EQ(slash.problem->status, 400);
  EXPECT_TRUE(slash.captures.empty());
  // A plain prefix route captures and rewrites nothing.
  auto plain = f.request("GET", "/a/x");
  ASSERT_EQ(f.pipeline.run(plain, *f.state), Step::proxy);
  EXPECT_TRUE(plain.captures.empty());
  EXPECT_TRUE(plain.upstream_path.empty());
}

}  // namespace
}  // namespace rampart::gateway
