#include "audit/session.hpp"

#include <algorithm>
#include <thread>

namespace rampart::audit {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

ProbeSession::ProbeSession(HttpClient& client, const AuditOptions& options)
    : client_(client), options_(options), started_(Clock::now()) {}

std::size_t ProbeSession::requests_left() const {
  return options_.max_requests > sent_ ? options_.max_requests - sent_ : 0;
}

milliseconds ProbeSession::elapsed() const {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - started_);
}

milliseconds ProbeSession::time_left() const {
  auto left = options_.timeout - elapsed();
  return left.count() > 0 ? left : milliseconds(0);
}

std::optional<milliseconds> ProbeSession::admit(milliseconds wanted) {
  if (!gave_up_.empty()) {
    why_not_ = gave_up_;
    return std::nullopt;
  }
  if (requests_left() == 0) {
    why_not_ =
        "request budget spent (--max-requests " + std::to_string(options_.max_requests) + ")";
    return std::nullopt;
  }
  if (options_.rate > 0 && sent_ > 0) {
    auto gap = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(1.0 / options_.rate));
    auto next = last_send_ + gap;
    if (next > Clock::now()) {
      if (next - started_ >= options_.timeout) {
        why_not_ = "time budget spent (--timeout) at --rate " + std::to_string(options_.rate);
        return std::nullopt;
      }
      std::this_thread::sleep_until(next);
    }
  }
  // Under 50 ms left is no time for an honest answer: refuse rather than report a timeout.
  milliseconds left = time_left();
  if (left < milliseconds(50)) {
    why_not_ = "time budget spent (--timeout " + std::to_string(options_.timeout.count()) + " ms)";
    return std::nullopt;
  }
  last_send_ = Clock::now();
  ++sent_;
  return std::min(wanted, left);
}

std::optional<ProbeResponse> ProbeSession::send(const ProbeRequest& request, milliseconds timeout,
                                                bool may_be_slow) {
  auto allowed = admit(timeout);
  if (!allowed) {
    return std::nullopt;
  }
  ProbeResponse response = client_.send(request, *allowed);
  if (response.answered()) {
    failures_in_a_row_ = 0;
  } else if (!(may_be_slow && response.transport == Transport::timeout)) {
    if (++failures_in_a_row_ >= kFailuresBeforeGivingUp) {
      gave_up_ = "the service stopped answering (" + std::to_string(kFailuresBeforeGivingUp) +
                 " transport failures in a row, last: " + response.error + ")";
    }
  }
  return response;
}

std::optional<Handshake> ProbeSession::handshake(boost::asio::ssl::context& context, bool verify) {
  auto allowed = admit(kRequestTimeout);
  if (!allowed) {
    return std::nullopt;
  }
  return client_.handshake(context, verify, *allowed);
}

}  // namespace rampart::audit
