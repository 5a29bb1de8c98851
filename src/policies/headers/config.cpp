// headers: — the fields a route sets on or removes from each side. A config is trusted, but a
// field it could set is one an attacker who can edit it (or a careless template) could use to
// forge framing or identity, so the names rampart writes itself are refused here.

#include "policies/headers/config.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <initializer_list>
#include <optional>

namespace rampart::policies {

namespace {

using config::Field;
using config::ProblemList;

enum class Side { request, response };
enum class Action { add, remove };

/// Where a name was first written, to name it in a duplicate's problem.
struct NameAt {
  std::string name;
  std::string path;
};

constexpr std::string_view kFraming =
    "rampart writes a message's framing itself from what it parsed, so that client, rampart "
    "and upstream agree on where the message ends";
constexpr std::string_view kHopByHop =
    "it is a hop-by-hop field (RFC 9110 §7.6.1), about one connection only, and rampart never "
    "forwards it";
constexpr std::string_view kRequestId =
    "rampart writes it itself (the request_id policy), so the upstream, the logs and the client "
    "see the same id";

bool is_any_of(std::string_view name, std::initializer_list<std::string_view> names) {
  return std::any_of(names.begin(), names.end(),
                     [&](std::string_view n) { return same_header_name(name, n); });
}

bool starts_with_name(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && same_header_name(text.substr(0, prefix.size()), prefix);
}

/// Why a route may not add or remove `name` on `side`, or nothing when it may. These are the
/// fields rampart writes or drops itself: a route could only forge them, or believe it removed
/// what rampart sends anyway.
std::optional<std::string_view> refusal(std::string_view name, Side side, Action action) {
  if (is_any_of(name, {"content-length", "transfer-encoding"})) {
    return kFraming;
  }
  if (is_any_of(name, {"connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade",
                       "proxy-authorization", "proxy-authenticate"})) {
    return kHopByHop;
  }
  if (is_any_of(name, {"x-request-id"}) ||
      (side == Side::request && is_any_of(name, {"traceparent"}))) {
    return kRequestId;
  }
  if (side == Side::request) {
    if (is_any_of(name, {"host"})) {
      return "rampart sends the upstream's own host, from its url (or the client's, with "
             "preserve_host: true)";
    }
    if (is_any_of(name, {"expect"})) {
      return "rampart answers Expect: 100-continue itself and never forwards it";
    }
    if (is_any_of(name, {"x-forwarded-host"})) {
      return "rampart writes it itself from the client's Host";
    }
    if (is_any_of(name, {"x-forwarded-for", "x-forwarded-proto"})) {
      return "rampart writes it itself from the client address it believes "
             "(server.trusted_proxies)";
    }
    if (starts_with_name(name, "x-rampart-")) {
      return "X-Rampart-* fields are rampart's word to the upstream (who the client is)";
    }
    return std::nullopt;
  }
  if (starts_with_name(name, "access-control-")) {
    return "rampart owns CORS, so an upstream's Access-Control-* fields are dropped and a cors: "
           "block sets them";
  }
  // Only adding is refused: removing them is what hygiene does already.
  if (action == Action::add && is_any_of(name, {"server", "x-powered-by"})) {
    return "the hygiene policy removes it from every response, so it would never be sent";
  }
  return std::nullopt;
}

/// tchar of RFC 9110 §5.6.2.
bool is_tchar(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

/// Adds a problem and returns false when `name` may not be added or removed on `side`. `key` is
/// the list it is in (request_add...).
bool check_name(std::string_view name, const YAML::Mark& mark, const std::string& path, Side side,
                Action action, std::string_view key, ProblemList& problems) {
  if (name.empty()) {
    problems.add(mark, path, "a header name must not be empty");
    return false;
  }
  if (!std::all_of(name.begin(), name.end(), [](char c) { return is_tchar(c); })) {
    problems.add(mark, path,
                 "is not a header name: use letters, digits and ! # $ % & ' * + - . ^ _ ` | ~ "
                 "only (an RFC 9110 token; no spaces, no colon)");
    return false;
  }
  if (auto reason = refusal(name, side, action)) {
    problems.add(mark, path,
                 fmt::format("{} cannot be {} by a route: {}; remove it from {}", name,
                             action == Action::add ? "set" : "removed", *reason, key));
    return false;
  }
  return true;
}

/// What is wrong with a value to add, or nothing.
std::optional<std::string> value_problem(std::string_view value, std::string_view remove_key) {
  if (value.empty()) {
    return fmt::format("must not be empty; to send no such field, list its name in {}", remove_key);
  }
  if (value.size() > kMaxHeaderValueBytes) {
    return fmt::format("is {} bytes; a value may have at most {} bytes", value.size(),
                       kMaxHeaderValueBytes);
  }
  for (std::size_t i = 0; i < value.size(); ++i) {
    auto c = static_cast<unsigned char>(value[i]);
    if ((c < 0x20 && c != '\t') || c >= 0x7F) {
      // A CR or LF would end the field early and start another one of the config's choosing.
      return fmt::format(
          "has byte 0x{:02x} at offset {}; a value is printable ASCII, spaces and tabs only "
          "(no line breaks, control bytes or non-ASCII text)",
          c, i);
    }
  }
  if (value.front() == ' ' || value.front() == '\t' || value.back() == ' ' ||
      value.back() == '\t') {
    return std::string(
        "must not start or end with a space or tab (HTTP strips them, so the upstream or client "
        "would not see what is written); remove them");
  }
  return std::nullopt;
}

/// Adds a problem and returns false when `seen` has `name` already (per same_header_name).
bool check_unique(const std::string& name, const YAML::Mark& mark, const std::string& path,
                  std::vector<NameAt>& seen, ProblemList& problems) {
  auto earlier = std::find_if(seen.begin(), seen.end(),
                              [&](const NameAt& n) { return same_header_name(n.name, name); });
  if (earlier != seen.end()) {
    problems.add(mark, path,
                 fmt::format("duplicate header name: {} names it already (names are "
                             "case-insensitive, and many backends read '_' as '-'); keep one",
                             earlier->path));
    return false;
  }
  seen.push_back({name, path});
  return true;
}

HeaderName make_name(std::string name) {
  auto id = boost::beast::http::string_to_field(name);
  return HeaderName{std::move(name), id};
}

/// One side's keys, as its problems name them.
struct SideKeys {
  Side side;
  std::string_view add;     ///< "request_add"
  std::string_view remove;  ///< "request_remove"
  std::string_view peer;    ///< whose fields an added one replaces
};

constexpr SideKeys kRequestKeys{Side::request, "request_add", "request_remove", "client"};
constexpr SideKeys kResponseKeys{Side::response, "response_add", "response_remove", "upstream"};

/// request_add / response_add: a mapping of name to value.
bool read_add(const Field& field, const SideKeys& keys, ProblemList& problems, HeaderEdits& edits,
              std::vector<NameAt>& added) {
  auto entries = config::read_entries(field, problems);
  if (!entries) {
    return false;
  }
  bool ok = true;
  for (const auto& [name, value_field] : *entries) {
    const auto& mark = value_field.key_mark;
    bool name_ok =
        check_name(name, mark, value_field.path, keys.side, Action::add, keys.add, problems) &&
        check_unique(name, mark, value_field.path, added, problems);
    auto value = config::read_string(value_field, problems);
    if (value) {
      if (auto problem = value_problem(*value, keys.remove)) {
        problems.add(value_field.mark, value_field.path, *problem);
        value.reset();
      }
    }
    if (!name_ok || !value) {
      ok = false;
      continue;
    }
    edits.add.push_back(HeaderToAdd{make_name(name), *value});
  }
  return ok;
}

/// request_remove / response_remove: a list of names. Nothing at all is an empty list, as
/// nothing is an empty mapping for *_add.
bool read_remove(const Field& field, const SideKeys& keys, ProblemList& problems,
                 const std::vector<NameAt>& added, std::vector<HeaderName>& removed) {
  if (!field.node.IsDefined() || field.node.IsNull()) {
    return true;
  }
  auto items = config::read_list(field, problems);
  if (!items) {
    return false;
  }
  std::vector<NameAt> seen;
  bool ok = true;
  for (const auto& item : *items) {
    auto name = config::read_string(item, problems);
    if (!name ||
        !check_name(*name, item.mark, item.path, keys.side, Action::remove, keys.remove,
                    problems) ||
        !check_unique(*name, item.mark, item.path, seen, problems)) {
      ok = false;
      continue;
    }
    auto in_add = std::find_if(added.begin(), added.end(),
                               [&](const NameAt& n) { return same_header_name(n.name, *name); });
    if (in_add != added.end()) {
      problems.add(item.mark, item.path,
                   fmt::format("{} is also set by {} ({}), which replaces the {}'s field "
                               "already; keep it in one of the two",
                               *name, keys.add, in_add->path, keys.peer));
      ok = false;
      continue;
    }
    removed.push_back(make_name(*name));
  }
  return ok;
}

bool read_side(const config::MappingReader& reader, const SideKeys& keys, ProblemList& problems,
               HeaderEdits& edits) {
  std::vector<NameAt> added;
  std::vector<HeaderName> removed;
  bool ok = true;
  if (auto add = reader.get(keys.add)) {
    ok = read_add(*add, keys, problems, edits, added) && ok;
  }
  if (auto remove = reader.get(keys.remove)) {
    ok = read_remove(*remove, keys, problems, added, removed) && ok;
  }
  // An added field replaces the peer's: the one pass over the head drops both kinds of name.
  for (const auto& field : edits.add) {
    edits.drop.push_back(field.name);
  }
  edits.drop.insert(edits.drop.end(), removed.begin(), removed.end());
  for (const auto& name : edits.drop) {
    if (name.id != http::field::unknown) {
      edits.drop_ids.set(static_cast<std::size_t>(name.id));
    }
    // Every name, known or not: a client's User_Agent is a field Beast does not know.
    edits.drop_names.push_back(name.name);
  }
  return ok;
}

}  // namespace

std::shared_ptr<const config::PolicySettings> read_headers(const config::Field& field,
                                                           config::ProblemList& problems,
                                                           config::Env /*env*/) {
  config::MappingReader reader(
      field, problems, {"request_add", "request_remove", "response_add", "response_remove"});
  if (!reader.is_mapping()) {
    return nullptr;
  }
  auto settings = std::make_shared<HeadersSettings>();
  bool ok = read_side(reader, kRequestKeys, problems, settings->request);
  ok = read_side(reader, kResponseKeys, problems, settings->response) && ok;
  return ok ? settings : nullptr;
}

}  // namespace rampart::policies
