#include "policies/headers/headers_policy.hpp"

#include <algorithm>

namespace rampart::policies {

namespace {

/// Whether `f` is one of the names `edits` drops. A field Beast knows is matched by id (the
/// parser gives it that id whatever its case): one bit test. An unknown one by name, which also
/// catches a client's X_Tenant for a route's X-Tenant (same_header_name) and a User_Agent for
/// User-Agent.
bool is_dropped(const http::HeaderField& f, const HeaderEdits& edits) {
  if (f.id != http::field::unknown) {
    return edits.drop_ids[static_cast<std::size_t>(f.id)];
  }
  return std::any_of(edits.drop_names.begin(), edits.drop_names.end(),
                     [&](std::string_view name) { return same_header_name(name, f.name); });
}

/// One pass marks the peer's fields removed, then the route's go in. The added fields view the
/// settings' strings, which live as long as the config this request is served with.
void apply(http::HeaderList& headers, const HeaderEdits& edits) {
  for (auto& f : headers.fields()) {
    if (!f.removed && is_dropped(f, edits)) {
      f.removed = true;
    }
  }
  for (const auto& field : edits.add) {
    headers.add(field.name.id, field.name.name, field.value);
  }
}

}  // namespace

Verdict HeadersPolicy::on_request(http::Exchange& exchange, PolicySlot* /*slot*/) const {
  apply(exchange.request.headers, settings_.request);
  return Verdict::next;
}

void HeadersPolicy::on_response(http::Exchange& exchange, PolicySlot* /*slot*/) const {
  if (exchange.problem || exchange.reply.status != 0) {
    return;
  }
  apply(exchange.response.headers, settings_.response);
}

}  // namespace rampart::policies
