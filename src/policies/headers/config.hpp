#pragma once
// The `headers:` route key (SPEC §2): fields a route sets on or removes from the request to the
// upstream and the response from it. Every rule is checked here, at load; the policy
// (headers_policy.hpp) only applies what this reader accepted.

#include <bitset>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/policy_settings.hpp"
#include "http/header_list.hpp"

namespace rampart::policies {

inline constexpr std::string_view kHeadersKey = "headers";

/// The most bytes one configured value may have: far below any server's head limit, far above
/// any honest Cache-Control or Content-Security-Policy.
inline constexpr std::size_t kMaxHeaderValueBytes = 8 * 1024;

using http::same_header_name;

/// One bit per Beast field id (field::xref is the last).
inline constexpr std::size_t kFieldIds = static_cast<std::size_t>(http::field::xref) + 1;

/// A field name as the policy matches it: Beast's id, or field::unknown and the name itself
/// (compared case-insensitively) for names Beast does not know.
struct HeaderName {
  std::string name;  ///< as written in the config, which is how an added field is sent
  http::field id = http::field::unknown;
};

/// A field a route sets, replacing any field of that name.
struct HeaderToAdd {
  HeaderName name;
  std::string value;
};

/// What one side (request or response) of a route does to its head.
struct HeaderEdits {
  std::vector<HeaderToAdd> add;
  /// Every name marked removed before `add` goes in: the `*_remove` names and the `*_add`
  /// ones (an added field replaces the peer's), each once.
  std::vector<HeaderName> drop;
  /// The same names as ids, for the fields Beast knows: one bit test per field of a head.
  std::bitset<kFieldIds> drop_ids;
  /// The same names as text, for fields Beast does not know (X_Tenant, User_Agent).
  std::vector<std::string_view> drop_names;

  bool empty() const { return add.empty() && drop.empty(); }
};

/// The `headers:` key as read. Immutable and owned by the Config: the policy's added fields
/// point into these strings for as long as a request served with this config lives.
struct HeadersSettings final : config::PolicySettings {
  HeaderEdits request;   ///< request_add, request_remove
  HeaderEdits response;  ///< response_add, response_remove
};

/// Reads `headers:`; adds a problem naming the key path for every rule broken (all of them, not
/// the first). Returns null when a value is unusable; any problem fails the whole load, so what
/// it returns alongside one is never served.
std::shared_ptr<const config::PolicySettings> read_headers(const config::Field& field,
                                                           config::ProblemList& problems,
                                                           config::Env env);

}  // namespace rampart::policies
