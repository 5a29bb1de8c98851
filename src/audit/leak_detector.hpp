#pragma once
// Finds what an error body must never show a client (SPEC §5): stack traces, server file
// paths, SQL and driver errors, framework names, internal host names and addresses.

#include <string>
#include <string_view>
#include <vector>

namespace rampart::audit {

/// The kinds of leak, each its own finding (SEC-LEAK-*).
enum class LeakKind { traceback, file_path, sql, framework, internal_host };

/// One match: its kind and the matched text (for the finding's detail and evidence focus).
struct Leak {
  LeakKind kind;
  std::string match;
};

/// The first match of each kind in `body`, in LeakKind order. RE2: linear time on any input.
std::vector<Leak> find_leaks(std::string_view body);

/// "SEC-LEAK-TRACEBACK" etc.
std::string_view leak_check_id(LeakKind kind);

}  // namespace rampart::audit
