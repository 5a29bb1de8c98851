#include "observe/metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace rampart::observe {

namespace {

// Methods outside this list count as OTHER, so a client cannot grow the label set.
constexpr std::array<std::string_view, 10> kMethodLabels = {
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT", "OTHER"};

std::uint8_t method_index(std::string_view method) {
  for (std::size_t i = 0; i + 1 < kMethodLabels.size(); ++i) {
    if (kMethodLabels[i] == method) {
      return static_cast<std::uint8_t>(i);
    }
  }
  return static_cast<std::uint8_t>(kMethodLabels.size() - 1);
}

/// Label values are rampart's own names, but escape them as the format asks anyway.
std::string label_value(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string format_double(double value) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, end);
}

void render_histogram(std::string& out, std::string_view name, std::string_view label,
                      const std::string& label_text, const Histogram& h) {
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < Histogram::kBounds.size(); ++i) {
    cumulative += h.buckets[i];
    out += fmt::format("{}_bucket{{{}=\"{}\",le=\"{}\"}} {}\n", name, label, label_text,
                       format_double(Histogram::kBounds[i]), cumulative);
  }
  cumulative += h.buckets.back();
  out +=
      fmt::format("{}_bucket{{{}=\"{}\",le=\"+Inf\"}} {}\n", name, label, label_text, cumulative);
  out += fmt::format("{}_sum{{{}=\"{}\"}} {}\n", name, label, label_text, format_double(h.sum));
  out += fmt::format("{}_count{{{}=\"{}\"}} {}\n", name, label, label_text, h.count);
}

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

}  // namespace

void Histogram::observe(double seconds) {
  auto it = std::lower_bound(kBounds.begin(), kBounds.end(), seconds);
  ++buckets[static_cast<std::size_t>(it - kBounds.begin())];
  sum += seconds;
  ++count;
}

void Histogram::merge(const Histogram& other) {
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    buckets[i] += other.buckets[i];
  }
  sum += other.sum;
  count += other.count;
}

void RouteMetrics::count(std::string_view method, int status) {
  auto m = method_index(method);
  auto s = static_cast<std::uint16_t>(status);
  for (auto& c : by_method_status) {
    if (c.method == m && c.status == s) {
      ++c.value;
      return;
    }
  }
  by_method_status.push_back(Count{m, s, 1});
}

void RouteMetrics::merge(const RouteMetrics& other) {
  for (const auto& oc : other.by_method_status) {
    auto it = std::find_if(by_method_status.begin(), by_method_status.end(), [&](const Count& c) {
      return c.method == oc.method && c.status == oc.status;
    });
    if (it == by_method_status.end()) {
      by_method_status.push_back(oc);
    } else {
      it->value += oc.value;
    }
  }
  duration.merge(other.duration);
}

void UpstreamMetrics::merge(const UpstreamMetrics& other) {
  duration.merge(other.duration);
  for (std::size_t i = 0; i < errors.size(); ++i) {
    errors[i] += other.errors[i];
  }
}

RouteMetrics& WorkerMetrics::route(const std::string& name) {
  auto it = routes_.find(name);
  if (it == routes_.end()) {
    it = routes_.emplace(name, std::make_unique<RouteMetrics>()).first;
  }
  return *it->second;
}

UpstreamMetrics& WorkerMetrics::upstream(const std::string& name) {
  auto it = upstreams_.find(name);
  if (it == upstreams_.end()) {
    it = upstreams_.emplace(name, std::make_unique<UpstreamMetrics>()).first;
  }
  return *it->second;
}

void FamilyCounts::merge(const FamilyCounts& other) {
  if (labels.empty()) {
    help = other.help;
    labels = other.labels;
    gauge = other.gauge;
  }
  for (const auto& [label_values, n] : other.values) {
    values[label_values] += n;
  }
}

FamilyCounts& WorkerMetrics::family(const CounterFamily& family) {
  auto it = families_.find(family.name);
  if (it == families_.end()) {
    FamilyCounts counts;
    counts.help.assign(family.help);
    counts.gauge = family.gauge;
    counts.labels.assign(family.labels.begin(), family.labels.end());
    it = families_.emplace(std::string(family.name), std::move(counts)).first;
  }
  return it->second;
}

void WorkerMetrics::declare(const CounterFamily& family) { this->family(family); }

void WorkerMetrics::add(const CounterFamily& family, std::span<const std::string_view> values,
                        std::uint64_t n) {
  // Policies count refusals here, never every request: a map lookup is cheap enough.
  std::vector<std::string> key(values.begin(), values.end());
  this->family(family).values[std::move(key)] += n;
}

std::uint64_t& WorkerMetrics::counter(const CounterFamily& family,
                                      std::span<const std::string_view> values) {
  std::vector<std::string> key(values.begin(), values.end());
  return this->family(family).values[std::move(key)];
}

WorkerMetrics::Copy WorkerMetrics::copy() const {
  Copy copy;
  for (const auto& [name, m] : routes_) {
    copy.routes.emplace(name, *m);
  }
  for (const auto& [name, m] : upstreams_) {
    copy.upstreams.emplace(name, *m);
  }
  copy.active_connections = active_connections;
  copy.redis_round_trip = redis_round_trip;
  copy.rejected = rejected;
  copy.families.insert(families_.begin(), families_.end());
  return copy;
}

std::string render_prometheus(const std::vector<WorkerMetrics::Copy>& workers,
                              const ProcessMetrics& process) {
  WorkerMetrics::Copy total;
  for (const auto& w : workers) {
    for (const auto& [name, m] : w.routes) {
      total.routes[name].merge(m);
    }
    for (const auto& [name, m] : w.upstreams) {
      total.upstreams[name].merge(m);
    }
    total.active_connections += w.active_connections;
    total.redis_round_trip.merge(w.redis_round_trip);
    for (std::size_t r = 0; r < kRejectReasons.size(); ++r) {
      total.rejected[r] += w.rejected[r];
    }
    for (const auto& [name, counts] : w.families) {
      total.families[name].merge(counts);
    }
  }
  for (const auto& [name, counts] : process.families) {
    total.families[name].merge(counts);
  }

  std::string out;
  out.reserve(4096);
  header(out, "rampart_http_requests_total", "counter",
         "Requests answered, by route, method and status.");
  for (const auto& [name, m] : total.routes) {
    auto counts = m.by_method_status;
    std::sort(counts.begin(), counts.end(), [](const auto& a, const auto& b) {
      return std::tie(a.method, a.status) < std::tie(b.method, b.status);
    });
    for (const auto& c : counts) {
      out += fmt::format(
          "rampart_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{}\"}} {}\n",
          label_value(name), kMethodLabels[c.method], c.status, c.value);
    }
  }
  header(out, "rampart_http_request_duration_seconds", "histogram",
         "Time from the request head to the end of the response, by route.");
  for (const auto& [name, m] : total.routes) {
    render_histogram(out, "rampart_http_request_duration_seconds", "route", label_value(name),
                     m.duration);
  }
  header(out, "rampart_upstream_request_duration_seconds", "histogram",
         "Time from sending the request upstream to the end of its response, by upstream.");
  for (const auto& [name, m] : total.upstreams) {
    render_histogram(out, "rampart_upstream_request_duration_seconds", "upstream",
                     label_value(name), m.duration);
  }
  header(out, "rampart_upstream_errors_total", "counter",
         "Failed upstream exchanges, by upstream and kind (connect, timeout, reset, protocol).");
  for (const auto& [name, m] : total.upstreams) {
    for (std::size_t k = 0; k < kUpstreamErrorKinds.size(); ++k) {
      out += fmt::format("rampart_upstream_errors_total{{upstream=\"{}\",kind=\"{}\"}} {}\n",
                         label_value(name), kUpstreamErrorKinds[k], m.errors[k]);
    }
  }
  header(out, "rampart_rejected_requests_total", "counter",
         "Requests refused before routing, by reason (smuggling, host, path, malformed, "
         "header_too_large, uri_too_long, body_timeout).");
  for (std::size_t r = 0; r < kRejectReasons.size(); ++r) {
    out += fmt::format("rampart_rejected_requests_total{{reason=\"{}\"}} {}\n", kRejectReasons[r],
                       total.rejected[r]);
  }
  header(out, "rampart_redis_round_trip_seconds", "histogram",
         "Rate-limit decisions sent to Redis, from sending to the answer (those answered).");
  render_histogram(out, "rampart_redis_round_trip_seconds", "command", "evalsha",
                   total.redis_round_trip);
  header(out, "rampart_active_connections", "gauge", "Open client connections.");
  out += fmt::format("rampart_active_connections {}\n", total.active_connections);
  header(out, "rampart_upstream_healthy", "gauge",
         "1 when the upstream's last health check passed, else 0.");
  for (const auto& [name, healthy] : process.upstream_healthy) {
    out += fmt::format("rampart_upstream_healthy{{upstream=\"{}\"}} {}\n", label_value(name),
                       healthy ? 1 : 0);
  }
  header(out, "rampart_config_reloads_total", "counter", "Config reloads, by result.");
  out += fmt::format("rampart_config_reloads_total{{result=\"success\"}} {}\n",
                     process.reloads_success);
  out += fmt::format("rampart_config_reloads_total{{result=\"failure\"}} {}\n",
                     process.reloads_failure);
  for (const auto& [name, counts] : total.families) {
    header(out, name, counts.gauge ? "gauge" : "counter", counts.help);
    for (const auto& [values, n] : counts.values) {
      out += name;
      out += '{';
      for (std::size_t i = 0; i < counts.labels.size() && i < values.size(); ++i) {
        out +=
            fmt::format("{}{}=\"{}\"", i == 0 ? "" : ",", counts.labels[i], label_value(values[i]));
      }
      out += fmt::format("}} {}\n", n);
    }
  }
  for (const auto& v : process.values) {
    header(out, v.name, v.type, v.help);
    out += fmt::format("{} {}\n", v.name, v.value);
  }
  header(out, "rampart_build_info", "gauge", "Always 1; the version is in the label.");
  out += fmt::format("rampart_build_info{{version=\"{}\"}} 1\n", label_value(process.version));
  return out;
}

}  // namespace rampart::observe
