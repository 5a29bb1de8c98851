// https:// targets: a certificate valid for the host, and no TLS 1.0/1.1.

#include "audit/probes/probes.hpp"
#include "audit/tls_check.hpp"

namespace rampart::audit {

void probe_tls(ProbeSession& session, const AuditOptions& options, std::vector<Check>& out) {
  if (!session.target().https()) {
    add_not_applicable(out, "SEC-TLS-CERT", "http:// target");
    add_not_applicable(out, "SEC-TLS-OLD-PROTOCOL", "http:// target");
    return;
  }
  std::string origin = session.target().origin();
  auto verifying = verifying_context(options.ca_file);
  auto valid = session.handshake(verifying, /*verify=*/true);
  if (!valid) {
    add_undecided(out, "SEC-TLS-CERT", session.why_not());
  } else if (valid->completed) {
    add_pass(out, "SEC-TLS-CERT",
             "the certificate is valid for the host (" + valid->protocol + ")");
  } else if (valid->timed_out || valid->error.starts_with("connect:")) {
    add_undecided(out, "SEC-TLS-CERT", valid->error);
  } else {
    add_fail(out, "SEC-TLS-CERT", "the certificate does not verify: " + valid->error,
             "TLS handshake with " + origin + ", verifying against the system's CAs" +
                 (options.ca_file ? " and " + *options.ca_file : std::string()) + ": " +
                 valid->error + "\n");
  }
  auto legacy = legacy_context();
  auto old = session.handshake(legacy, /*verify=*/false);
  if (!old) {
    add_undecided(out, "SEC-TLS-OLD-PROTOCOL", session.why_not());
  } else if (old->completed) {
    add_fail(out, "SEC-TLS-OLD-PROTOCOL", "the server accepts " + old->protocol,
             "TLS handshake with " + origin + " offering only TLS 1.0 and 1.1: accepted (" +
                 old->protocol + ")\n");
  } else if (old->timed_out || old->error.starts_with("connect:")) {
    add_undecided(out, "SEC-TLS-OLD-PROTOCOL", old->error);
  } else {
    add_pass(out, "SEC-TLS-OLD-PROTOCOL", "TLS 1.0 and 1.1 are refused");
  }
}

}  // namespace rampart::audit
