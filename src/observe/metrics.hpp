#pragma once
// Request metrics (SPEC §7). Each worker owns a WorkerMetrics and updates it with plain
// integer adds, no atomics and no lock; /metrics asks every worker for a copy on its own
// thread (WorkerMetrics::copy) and render_prometheus sums them, so scraping costs the hot path
// nothing. Policies declare their own counter families (CounterFamily), rendered the same way.

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rampart::observe {

/// Prometheus-style cumulative histogram in seconds with fixed buckets.
struct Histogram {
  static constexpr std::array<double, 12> kBounds = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                     0.25,  0.5,   1.0,  2.5,   5.0,  10.0};
  std::array<std::uint64_t, kBounds.size() + 1> buckets{};  ///< last is +Inf; not cumulative
  double sum = 0;
  std::uint64_t count = 0;

  void observe(double seconds);
  void merge(const Histogram& other);
};

/// Counts of requests by method and status for one route.
struct RouteMetrics {
  struct Count {
    std::uint8_t method;  ///< index into kMethodLabels
    std::uint16_t status;
    std::uint64_t value;
  };
  std::vector<Count> by_method_status;  ///< few distinct pairs: linear scan beats hashing
  Histogram duration;

  void count(std::string_view method, int status);
  void merge(const RouteMetrics& other);
};

enum class UpstreamErrorKind : std::uint8_t { connect, timeout, reset, protocol };
constexpr std::array<std::string_view, 4> kUpstreamErrorKinds = {"connect", "timeout", "reset",
                                                                 "protocol"};

struct UpstreamMetrics {
  Histogram duration;
  std::array<std::uint64_t, kUpstreamErrorKinds.size()> errors{};

  void error(UpstreamErrorKind kind) { ++errors[static_cast<std::size_t>(kind)]; }
  void merge(const UpstreamMetrics& other);
};

/// Why a client's request was refused before routing (rampart_rejected_requests_total).
enum class RejectReason : std::uint8_t {
  smuggling,  ///< framing two parsers could read differently, or Connection naming one of ours
  host,       ///< missing, repeated or malformed Host
  path,       ///< dot segments, encoded slashes, NUL: a path a backend could read differently
  malformed,  ///< anything else that is not HTTP/1.1
  header_too_large,
  uri_too_long,
  body_timeout,  ///< the body did not arrive within body_timeout / body_min_rate
};
constexpr std::array<std::string_view, 7> kRejectReasons = {
    "smuggling", "host", "path", "malformed", "header_too_large", "uri_too_long", "body_timeout"};

/// A counter family a policy declares next to itself (its metrics.hpp), e.g.
/// rampart_auth_failures_total{route,reason}: workers count into it by label values and
/// /metrics renders it like the built-in families. Declare it as a constant with static
/// storage: workers keep a pointer to it.
struct CounterFamily {
  std::string_view name;  ///< "rampart_..._total"
  std::string_view help;
  std::span<const std::string_view> labels;
  /// A gauge counted up and down (adding ~0 subtracts one: counts add modulo 2^64), rendered
  /// with TYPE gauge. Each worker only takes back what it added, so the sum never goes below 0.
  bool gauge = false;
};

/// One family's counts by label values (in the family's label order).
struct FamilyCounts {
  std::string help;
  std::vector<std::string> labels;
  std::map<std::vector<std::string>, std::uint64_t> values;
  bool gauge = false;

  void merge(const FamilyCounts& other);
};

/// Everything one worker counts. Only its own thread touches it.
class WorkerMetrics {
 public:
  /// Stable references: entries are never removed, so counts survive reloads.
  RouteMetrics& route(const std::string& name);
  UpstreamMetrics& upstream(const std::string& name);

  void reject(RejectReason reason) { ++rejected[static_cast<std::size_t>(reason)]; }
  /// Makes the family known, so /metrics lists it before its first count.
  void declare(const CounterFamily& family);
  /// Adds `n` to the family's counter for `values` (one per label, in the family's order).
  void add(const CounterFamily& family, std::span<const std::string_view> values,
           std::uint64_t n = 1);
  /// The counter for `values`, to increment directly: for a count taken on every request
  /// (add() builds a key and looks it up). Stable: entries are never removed.
  std::uint64_t& counter(const CounterFamily& family, std::span<const std::string_view> values);

  std::int64_t active_connections = 0;
  std::array<std::uint64_t, kRejectReasons.size()> rejected{};
  Histogram redis_round_trip;  ///< a rate-limit decision's EVALSHA, sent to answered

  /// A deep copy for the scraper.
  struct Copy {
    std::map<std::string, RouteMetrics> routes;
    std::map<std::string, UpstreamMetrics> upstreams;
    std::int64_t active_connections = 0;
    std::array<std::uint64_t, kRejectReasons.size()> rejected{};
    Histogram redis_round_trip;
    std::map<std::string, FamilyCounts> families;
  };
  Copy copy() const;

 private:
  FamilyCounts& family(const CounterFamily& family);

  std::map<std::string, FamilyCounts, std::less<>> families_;
  std::map<std::string, std::unique_ptr<RouteMetrics>, std::less<>> routes_;
  std::map<std::string, std::unique_ptr<UpstreamMetrics>, std::less<>> upstreams_;
};

/// Process-wide values the control thread owns.
struct ProcessMetrics {
  std::uint64_t reloads_success = 0;
  std::uint64_t reloads_failure = 0;
  std::vector<std::pair<std::string, bool>> upstream_healthy;
  std::string version;
  /// Counters kept by background threads (JWKS fetches), rendered with the workers' families.
  std::map<std::string, FamilyCounts> families;
  /// Unlabelled values of process-wide state (the rate-limit table's size).
  struct Value {
    std::string name;
    std::string_view type;  ///< "gauge" or "counter"
    std::string help;
    double value = 0;
  };
  std::vector<Value> values;
};

/// Sums the workers' copies into one Prometheus text exposition (format 0.0.4).
std::string render_prometheus(const std::vector<WorkerMetrics::Copy>& workers,
                              const ProcessMetrics& process);

/// The route label for requests that matched no route (404, 405, malformed).
constexpr std::string_view kNoRouteLabel = "none";

}  // namespace rampart::observe
