#pragma once
// Beast's HTTP/1.1 request parser without Beast's message containers: it records the head
// into the Exchange as views into the read buffer (no copies, no allocation) and lets the
// connection forward body bytes exactly as they arrived. Responses: response_parser.hpp.

#include <boost/beast/http/basic_parser.hpp>
#include <cstdint>
#include <string_view>

#include "gateway/exchange.hpp"

namespace rampart::net {

namespace http = boost::beast::http;
using beast_string_view = boost::beast::string_view;

constexpr std::size_t kMaxUriBytes = 8 * 1024;

class RequestParser final : public http::basic_parser<true> {
 public:
  explicit RequestParser(gateway::RequestHead& head) : head_(head) {}

  bool uri_too_long() const { return uri_too_long_; }
  bool expects_continue() const { return expect_continue_; }

 private:
  void on_request_impl(http::verb method, beast_string_view method_str, beast_string_view target,
                       int version, boost::system::error_code& ec) override;
  void on_response_impl(int, beast_string_view, int, boost::system::error_code&) override {}
  void on_field_impl(http::field name, beast_string_view name_string, beast_string_view value,
                     boost::system::error_code& ec) override;
  void on_header_impl(boost::system::error_code& ec) override;
  void on_body_init_impl(const boost::optional<std::uint64_t>&,
                         boost::system::error_code&) override {}
  std::size_t on_body_impl(beast_string_view body, boost::system::error_code&) override {
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, beast_string_view, boost::system::error_code&) override {
  }
  std::size_t on_chunk_body_impl(std::uint64_t, beast_string_view body,
                                 boost::system::error_code&) override {
    return body.size();
  }
  void on_finish_impl(boost::system::error_code&) override {}

  gateway::RequestHead& head_;
  bool uri_too_long_ = false;
  bool expect_continue_ = false;
  bool transfer_encoding_seen_ = false;
};

}  // namespace rampart::net
