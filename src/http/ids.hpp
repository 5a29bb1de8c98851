#pragma once
// Random ids for requests and traces (SPEC §3 step 2), shared by the request-id policy, the
// problem writer and the admin listener.

#include <string>

namespace rampart::http {

/// Appends a random version-4 UUID, lower-case 8-4-4-4-12 (per-thread generator, no lock).
void append_uuid_v4(std::string& out);
/// Appends a new W3C traceparent with random trace and span ids.
void append_new_traceparent(std::string& out);

}  // namespace rampart::http
