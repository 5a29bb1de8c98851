#include "gateway/exchange.hpp"

namespace rampart::gateway {

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
  identity.clear();
  upstream_extra_headers.clear();
  response.status = 0;
  response.reason = {};
  response.headers.clear();
  response_extra_headers.clear();
  problem.reset();
  bytes_in = 0;
  bytes_out = 0;
  upstream_ms.reset();
}

}  // namespace rampart::gateway
