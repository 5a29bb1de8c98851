// Route matching at 10, 100 and 1,000 routes (issue 14: < 150 ns at 1,000 for a prefix or a
// template hit). A third of the routes are prefixes, a third templates, a third exact paths;
// the path asked for is the last route of its kind, the worst case for a loop over the routes.

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "config/route_template.hpp"
#include "gateway/router.hpp"

namespace {

using namespace rampart;

std::vector<config::RouteConfig> make_routes(int n) {
  std::vector<config::RouteConfig> routes;
  for (int i = 0; i < n; ++i) {
    config::RouteConfig r;
    r.name = fmt::format("r{}", i);
    r.match.methods = {"GET", "POST"};
    switch (i % 3) {
      case 0:
        r.match.kind = config::PathKind::prefix;
        r.match.path_prefix = fmt::format("/api/v0/service{}/", i);
        break;
      case 1: {
        r.match.kind = config::PathKind::path_template;
        r.match.path_template = fmt::format("/api/v1/svc{}/items/{{id}}/detail", i);
        std::string error;
        r.match.segments = *config::parse_path_template(r.match.path_template, error);
        r.match.capture_names = {"id"};
        break;
      }
      default:
        r.match.kind = config::PathKind::exact;
        r.match.path = fmt::format("/api/v2/exact{}", i);
        break;
    }
    routes.push_back(std::move(r));
  }
  return routes;
}

int last_of_kind(int n, int kind) {
  int last = kind;
  while (last + 3 < n) {
    last += 3;
  }
  return last;
}

void BM_RouteMatchPrefix(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  auto routes = make_routes(n);
  gateway::Router router(routes);
  const auto path = fmt::format("/api/v0/service{}/users/42", last_of_kind(n, 0));
  for (auto _ : state) {
    auto match = router.match("GET", path);
    benchmark::DoNotOptimize(match.route);
  }
  if (router.match("GET", path).index != static_cast<std::size_t>(last_of_kind(n, 0))) {
    state.SkipWithError("wrong route");
  }
}
BENCHMARK(BM_RouteMatchPrefix)->Arg(10)->Arg(100)->Arg(1000);

void BM_RouteMatchTemplate(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  auto routes = make_routes(n);
  gateway::Router router(routes);
  const auto path = fmt::format("/api/v1/svc{}/items/4711/detail", last_of_kind(n, 1));
  std::vector<config::CaptureSpan> captures;
  for (auto _ : state) {
    auto match = router.match("GET", path);
    captures.clear();
    gateway::capture(match.route->match, path, captures);
    benchmark::DoNotOptimize(captures.data());
  }
  if (captures.size() != 1 || captures[0].value != "4711") {
    state.SkipWithError("wrong capture");
  }
}
BENCHMARK(BM_RouteMatchTemplate)->Arg(10)->Arg(100)->Arg(1000);

void BM_RouteMatchExact(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  auto routes = make_routes(n);
  gateway::Router router(routes);
  const auto path = fmt::format("/api/v2/exact{}", last_of_kind(n, 2));
  for (auto _ : state) {
    auto match = router.match("GET", path);
    benchmark::DoNotOptimize(match.route);
  }
}
BENCHMARK(BM_RouteMatchExact)->Arg(10)->Arg(100)->Arg(1000);

void BM_RouteMatchMiss(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  auto routes = make_routes(n);
  gateway::Router router(routes);
  const std::string path = "/api/v3/nothing/here";
  for (auto _ : state) {
    auto match = router.match("GET", path);
    benchmark::DoNotOptimize(match.route);
  }
}
BENCHMARK(BM_RouteMatchMiss)->Arg(10)->Arg(100)->Arg(1000);

// What the router did before the indexes (a loop in file order), for comparison.
void BM_RouteLinearScanPrefix(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  auto routes = make_routes(n);
  const auto path = fmt::format("/api/v0/service{}/users/42", last_of_kind(n, 0));
  for (auto _ : state) {
    const config::RouteConfig* found = nullptr;
    for (const auto& r : routes) {
      if (gateway::path_matches(r.match, path)) {
        found = &r;
        break;
      }
    }
    benchmark::DoNotOptimize(found);
  }
}
BENCHMARK(BM_RouteLinearScanPrefix)->Arg(10)->Arg(100)->Arg(1000);

}  // namespace
