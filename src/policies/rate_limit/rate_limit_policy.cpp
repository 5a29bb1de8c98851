#include "policies/rate_limit/rate_limit_policy.hpp"

#include <fmt/format.h>

#include <chrono>

namespace rampart::policies {

Verdict RateLimitPolicy::on_request(http::Exchange& exchange, PolicySlot* /*slot*/) const {
  const auto& rates = policy_.rates_for(exchange.tier);
  // Wall-clock time: instances sharing Redis compare their windows on the same clock.
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const auto decision = local_->take(key_, exchange.identity, rates, now_ms);
  const auto& rate = rates[decision.tightest];
  auto& headers = exchange.limit_headers;
  headers.clear();
  fmt::format_to(std::back_inserter(headers),
                 "RateLimit-Limit: {}\r\nRateLimit-Remaining: {}\r\nRateLimit-Reset: {}\r\n",
                 rate.limit, decision.window.remaining, decision.window.reset_s);
  if (decision.allowed) {
    return Verdict::next;
  }
  exchange.rate_limited = true;
  fmt::format_to(std::back_inserter(exchange.reply.headers), "Retry-After: {}\r\n",
                 decision.window.retry_after_s);
  auto problem = http::Problem::of(http::ProblemCode::rate_limited,
                                   fmt::format("limit {} exceeded", rate.text));
  problem.retry_after = static_cast<std::uint32_t>(decision.window.retry_after_s);
  return respond(exchange, std::move(problem));
}

void RateLimitPolicy::on_response(http::Exchange& exchange, PolicySlot* /*slot*/) const {
  exchange.response_extra_headers += exchange.limit_headers;
}

}  // namespace rampart::policies
