// body.schema `pattern`: PatternDfa against re2::RE2::PartialMatch (what the schema program runs
// today) on the two patterns of the order schema in json_bench.cpp, one short string each.

#include <benchmark/benchmark.h>
#include <re2/re2.h>

#include "policies/body/pattern_dfa.hpp"

namespace rampart::policies {
namespace {

struct Case {
  const char* pattern;
  const char* text;
};
constexpr Case kCases[] = {{"^[A-Z]{3}-[0-9]{4}$", "ABC-1234"},
                           {"^[^@]+@[^@]+$", "ada@example.com"}};

void BM_PatternDfa(benchmark::State& state) {
  const Case& c = kCases[state.range(0)];
  const auto dfa = PatternDfa::compile(c.pattern);
  if (dfa == nullptr || !dfa->search(c.text)) {
    state.SkipWithError("the pattern does not compile or match");
    return;
  }
  std::string_view text = c.text;
  for (auto _ : state) {
    benchmark::DoNotOptimize(text);
    benchmark::DoNotOptimize(dfa->search(text));
  }
  state.SetLabel(c.pattern);
}
BENCHMARK(BM_PatternDfa)->Arg(0)->Arg(1);

void BM_PatternRe2(benchmark::State& state) {
  const Case& c = kCases[state.range(0)];
  re2::RE2::Options options;
  options.set_log_errors(false);
  const re2::RE2 re(c.pattern, options);
  if (!re2::RE2::PartialMatch(c.text, re)) {
    state.SkipWithError("the pattern does not match");
    return;
  }
  const re2::StringPiece text(c.text);
  for (auto _ : state) {
    benchmark::DoNotOptimize(re2::RE2::PartialMatch(text, re));
  }
  state.SetLabel(c.pattern);
}
BENCHMARK(BM_PatternRe2)->Arg(0)->Arg(1);

}  // namespace
}  // namespace rampart::policies
