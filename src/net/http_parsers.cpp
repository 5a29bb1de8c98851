#include "net/http_parsers.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>

namespace rampart::net {

void RequestParser::on_request_impl(http::verb method, beast_string_view method_str,
                                    beast_string_view target_view, int version,
                                    boost::system::error_code& ec) {
  std::string_view target(target_view.data(), target_view.size());
  if (target.size() > kMaxUriBytes) {
    uri_too_long_ = true;
    ec = http::error::bad_target;
    return;
  }
  head_.verb = method;
  head_.method.assign(method_str);
  head_.target = target;
  auto path = target.substr(0, target.find('?'));
  head_.path.assign(path.data(), path.size());
  head_.version = version;
}

void RequestParser::on_field_impl(http::field name, beast_string_view name_string,
                                  beast_string_view value, boost::system::error_code& ec) {
  if (name == http::field::transfer_encoding) {
    transfer_encoding_seen_ = true;
  } else if (name == http::field::expect && boost::beast::iequals(value, "100-continue")) {
    expect_continue_ = true;
  }
  head_.headers.add(name, {name_string.data(), name_string.size()}, {value.data(), value.size()});
}

void RequestParser::on_header_impl(boost::system::error_code& ec) {
  // RFC 9112 §6.3: a request whose Transfer-Encoding does not end in chunked has no
  // determinable length; guessing is how smuggling starts.
  if (transfer_encoding_seen_ && !chunked()) {
    ec = http::error::bad_transfer_encoding;
    return;
  }
  head_.chunked = chunked();
  if (auto length = content_length()) {
    head_.content_length = *length;
  }
  head_.has_body = head_.chunked || (head_.content_length && *head_.content_length > 0);
}

}  // namespace rampart::net
