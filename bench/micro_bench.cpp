// Micro-benchmarks of the request path's hot pieces (`make bench`). Numbers are per call on
// this machine; compare runs of the same binary, not absolute values across machines.

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <unistd.h>

#include <boost/asio/buffer.hpp>
#include <filesystem>

#include "gateway/router.hpp"
#include "http/ids.hpp"
#include "limits/local_limiter.hpp"
#include "net/head_writer.hpp"
#include "net/request_parser.hpp"
#include "net/response_parser.hpp"
#include "observe/metrics.hpp"
#include "observe/request_log.hpp"
#include "policies/auth/auth_policy.hpp"
#include "store/api_key.hpp"

namespace {

using namespace rampart;

constexpr std::string_view kRequest =
    "GET /api/v1/users/42?expand=teams HTTP/1.1\r\n"
    "Host: api.example.com\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0\r\n"
    "Accept: application/json\r\n"
    "Accept-Encoding: gzip, deflate, br\r\n"
    "Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl\r\n"
    "X-Request-ID: 7f3c2a1e-5b4d-4c3a-9e2f-1a2b3c4d5e6f\r\n"
    "Connection: keep-alive\r\n\r\n";

std::vector<config::RouteConfig> make_routes() {
  std::vector<config::RouteConfig> routes;
  for (int i = 0; i < 9; ++i) {
    config::RouteConfig r;
    // fmt, not string concatenation: GCC 12 warns (-Wrestrict) falsely on the latter here.
    r.name = fmt::format("r{}", i);
    r.match.kind = config::PathKind::prefix;
    r.match.path_prefix = fmt::format("/api/v0/service{}/", i);
    r.match.methods = {"GET", "POST"};
    routes.push_back(r);
  }
  config::RouteConfig users;
  users.name = "users";
  users.match.kind = config::PathKind::prefix;
  users.match.path_prefix = "/api/v1/users/";
  routes.push_back(users);
  return routes;
}

// Beast's basic_parser<true>, which RequestParser replaced, took 1.8x as long on this.
void BM_ParseHeadAndRoute(benchmark::State& state) {
  auto routes = make_routes();
  gateway::Router router(routes);
  http::RequestHead head;
  for (auto _ : state) {
    head.headers.clear();
    net::RequestParser parser(head);
    parser.header_limit(16 * 1024);
    boost::system::error_code ec;
    auto used = parser.put(boost::asio::buffer(kRequest.data(), kRequest.size()), ec);
    auto match = router.match(head.method, head.path);
    benchmark::DoNotOptimize(used);
    benchmark::DoNotOptimize(match.route);
  }
}
BENCHMARK(BM_ParseHeadAndRoute);

constexpr std::string_view kUpstreamResponse =
    "HTTP/1.1 200 OK\r\n"
    "Server: nginx/1.24.0\r\n"
    "Date: Mon, 23 Nov 2026 14:21:29 GMT\r\n"
    "Content-Type: application/json\r\n"
    "Content-Length: 100\r\n"
    "Connection: keep-alive\r\n\r\n"
    "{\"ok\":true,\"items\":[1,2,3],\"message\":\"hello from the upstream\","
    "\"padding\":\"xxxxxxxxxxxxxxxxxxxxxxxx\"}";

// Beast's basic_parser<false>, which ResponseParser replaced, took 1.8x as long on this.
void BM_ParseUpstreamResponseHead(benchmark::State& state) {
  http::ResponseHead head;
  std::vector<std::string_view> pieces;
  for (auto _ : state) {
    head.headers.clear();
    net::ResponseParser parser(head, pieces);
    parser.header_limit(64 * 1024);
    parser.body_limit(boost::none);
    parser.eager(true);
    boost::system::error_code ec;
    auto used =
        parser.put(boost::asio::buffer(kUpstreamResponse.data(), kUpstreamResponse.size()), ec);
    benchmark::DoNotOptimize(used);
    benchmark::DoNotOptimize(parser.is_done());
  }
}
BENCHMARK(BM_ParseUpstreamResponseHead);

void BM_WriteUpstreamHead(benchmark::State& state) {
  http::Exchange ex;
  net::RequestParser parser(ex.request);
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(kRequest.data(), kRequest.size()), ec);
  ex.forwarded_for = "127.0.0.1";
  ex.upstream_extra_headers =
      "X-Request-ID: 7f3c2a1e-5b4d-4c3a-9e2f-1a2b3c4d5e6f\r\n"
      "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n";
  config::UpstreamConfig upstream;
  upstream.host_header = "127.0.0.1:8000";
  std::string out;
  for (auto _ : state) {
    net::write_upstream_head(out, ex, upstream);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_WriteUpstreamHead);

void BM_RequestIdGeneration(benchmark::State& state) {
  std::string id;
  for (auto _ : state) {
    id.clear();
    http::append_uuid_v4(id);
    benchmark::DoNotOptimize(id.data());
  }
}
BENCHMARK(BM_RequestIdGeneration);

void BM_RequestLogLine(benchmark::State& state) {
  http::Exchange ex;
  ex.request.method = "GET";
  ex.request.path = "/api/v1/users/42";
  ex.request_id = "7f3c2a1e-5b4d-4c3a-9e2f-1a2b3c4d5e6f";
  ex.response.status = 200;
  ex.client_ip = "127.0.0.1";
  ex.identity = "ip:127.0.0.1";
  ex.upstream_ms = 0.42;
  ex.bytes_in = 312;
  ex.bytes_out = 480;
  std::string line;
  for (auto _ : state) {
    line.clear();
    observe::append_request_line(line, ex, config::LogLevel::info, 0.000512,
                                 std::chrono::system_clock::now());
    benchmark::DoNotOptimize(line.data());
  }
}
BENCHMARK(BM_RequestLogLine);

void BM_MetricsUpdate(benchmark::State& state) {
  observe::WorkerMetrics metrics;
  auto& route = metrics.route("users");
  auto& upstream = metrics.upstream("app");
  for (auto _ : state) {
    route.count("GET", 200);
    route.duration.observe(0.000512);
    upstream.duration.observe(0.00042);
  }
  benchmark::DoNotOptimize(route.duration.count);
}
BENCHMARK(BM_MetricsUpdate);

// The auth policy on a request with a key this worker has seen before (issue 9: < 200 ns): the
// header scan, the table lookup, the constant-time compare, the identity. A store in a temp
// dir backs the directory; the request path never touches it.
void BM_ApiKeyCheckCached(benchmark::State& state) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("rampart-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string error;
  auto where = *config::parse_store_url("sqlite:" + (dir / "bench.db").string(), error);
  auto made = store::generate_api_key();
  {
    auto opened = store::open_store(where);
    opened->migrate();
    store::ApiKeyRecord record;
    record.id = made.id;
    record.secret_sha256 = made.secret_sha256;
    record.name = "bench";
    record.tier = "pro";
    opened->insert_key(record);
  }
  auto keys = std::make_shared<policies::KeyDirectory>(where);
  const policies::AuthSettings settings;
  policies::AuthPolicy policy(config::AuthMode::required, settings, keys, nullptr);
  boost::asio::io_context io;
  observe::WorkerMetrics metrics;
  net::WorkerContext worker{io, metrics, [](std::function<void()>) {}};
  auto slot = policy.make_slot(worker);
  http::Exchange exchange;
  for (auto _ : state) {
    exchange.request.headers.clear();
    exchange.request.headers.add(http::field::host, "Host", "api.example.com");
    exchange.request.headers.add(http::field::accept, "Accept", "application/json");
    exchange.request.headers.add(http::field::unknown, "X-API-Key", made.key);
    exchange.identity.clear();
    exchange.upstream_extra_headers.clear();
    auto verdict = policy.on_request(exchange, slot.get());
    benchmark::DoNotOptimize(verdict);
  }
  if (exchange.identity != "key:" + made.id) {
    state.SkipWithError("the key was not accepted");
  }
  slot.reset();
  keys->stop();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_ApiKeyCheckCached);

// One rate-limit decision on the local table (issue 11: < 100 ns): the key built, one shard
// locked, the window advanced and checked. A limit that never bites, as in bench/compare.
void BM_RateLimitDecision(benchmark::State& state) {
  limits::LocalLimiter limiter;
  std::string error;
  const limits::Rate rates[] = {*limits::parse_rate("1000000000/minute", error)};
  const std::int64_t now_ms = 1'800'000'000'000;
  std::int64_t i = 0;
  bool allowed = true;
  for (auto _ : state) {
    auto decision = limiter.take("generation", "key:Ab3dE5gH", rates, now_ms + (++i % 1000));
    allowed = allowed && decision.allowed;
    benchmark::DoNotOptimize(decision);
  }
  if (!allowed) {
    state.SkipWithError("a request was refused");
  }
}
BENCHMARK(BM_RateLimitDecision);

}  // namespace

BENCHMARK_MAIN();
