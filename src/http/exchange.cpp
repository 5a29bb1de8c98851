#include "http/exchange.hpp"

namespace rampart::http {

void Exchange::clear() {
  request.verb = boost::beast::http::verb::unknown;
  request.method.clear();
  request.target = {};
  request.path.clear();
  request.version = 11;
  request.headers.clear();
  request.has_body = false;
  request.content_length.reset();
  request.chunked = false;
  client_ip.clear();
  forwarded_for.clear();
  request_id.clear();
  traceparent.clear();
  route = nullptr;
  route_index = 0;
  captures.clear();
  upstream_path.clear();
  stage = 0;
  body_limit = 0;
  body = {};
  body_read = false;
  policy_timed_out = false;
  dry_run_refusal.clear();
  identity.clear();
  tier.clear();
  upstream_extra_headers.clear();
  limit_headers.clear();
  rate_limited = false;
  pending_note.clear();
  hold.reset();
  client_host.clear();
  response.status = 0;
  response.reason = {};
  response.headers.clear();
  response_extra_headers.clear();
  problem.reset();
  reply.status = 0;
  reply.headers.clear();
  reply.content_type = {};
  reply.body.clear();
  bytes_in = 0;
  bytes_out = 0;
  upstream_ms.reset();
}

}  // namespace rampart::http
