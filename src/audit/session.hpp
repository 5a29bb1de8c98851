#pragma once
// The audit's hard bounds in one place: every probe sends through a ProbeSession, which
// refuses once the request budget or the time budget is spent, paces to --rate, and stops
// after a run of transport failures (a service that resets or never answers every request
// gets a report of undecided checks, quickly, instead of a wait per probe).

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

#include "audit/http_client.hpp"
#include "audit/options.hpp"

namespace rampart::audit {

/// How long one ordinary probe request may take; the --slow probe asks for more.
inline constexpr std::chrono::milliseconds kRequestTimeout{3000};
/// Consecutive transport failures after which the service counts as not answering.
inline constexpr int kFailuresBeforeGivingUp = 3;

/// Sends probe requests within the audit's bounds and counts them.
class ProbeSession {
 public:
  ProbeSession(HttpClient& client, const AuditOptions& options);

  /// The response, or nullopt when no request may be sent (see why_not()). A transport
  /// failure is a response (answered() false). `may_be_slow`: a timeout here is the expected
  /// answer of the probe, not a sign that the service is gone.
  std::optional<ProbeResponse> send(const ProbeRequest& request,
                                    std::chrono::milliseconds timeout = kRequestTimeout,
                                    bool may_be_slow = false);

  /// One TLS handshake, counted like a request (the https:// checks).
  std::optional<Handshake> handshake(boost::asio::ssl::context& context, bool verify);

  /// Why the last send() returned nullopt: an "undecided" detail.
  const std::string& why_not() const { return why_not_; }
  std::size_t requests_left() const;
  std::chrono::milliseconds time_left() const;
  std::size_t requests_sent() const { return sent_; }
  std::chrono::milliseconds elapsed() const;
  const Target& target() const { return client_.target(); }

 private:
  /// Checks the budgets and --rate; counts the request; returns its deadline.
  std::optional<std::chrono::milliseconds> admit(std::chrono::milliseconds wanted);

  HttpClient& client_;
  const AuditOptions& options_;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point last_send_{};
  std::size_t sent_ = 0;
  int failures_in_a_row_ = 0;
  std::string gave_up_;  ///< non-empty once the service stopped answering
  std::string why_not_;
};

}  // namespace rampart::audit
