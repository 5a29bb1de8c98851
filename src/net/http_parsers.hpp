#pragma once
// Beast's HTTP/1.1 parser without Beast's message containers: these subclasses record the
// head into the Exchange as views into the read buffer (no copies, no allocation) and let the
// connection forward body bytes exactly as they arrived.

#include <boost/beast/http/basic_parser.hpp>
#include <cstdint>
#include <string_view>
#include <vector>

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

class ResponseParser final : public http::basic_parser<false> {
 public:
  /// `pieces` is kept by the caller so that its capacity outlives the parser.
  ResponseParser(gateway::ResponseHead& head, std::vector<std::string_view>& pieces)
      : head_(head), pieces_(pieces) {}

  /// When set, decoded body pieces (chunk framing removed) are collected in pieces().
  void collect_decoded(bool on) { collect_ = on; }
  std::vector<std::string_view>& pieces() { return pieces_; }
  int version() const { return version_; }

 private:
  void on_request_impl(http::verb, beast_string_view, beast_string_view, int,
                       boost::system::error_code&) override {}
  void on_response_impl(int code, beast_string_view reason, int version,
                        boost::system::error_code& ec) override;
  void on_field_impl(http::field name, beast_string_view name_string, beast_string_view value,
                     boost::system::error_code& ec) override;
  void on_header_impl(boost::system::error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>&,
                         boost::system::error_code&) override {}
  std::size_t on_body_impl(beast_string_view body, boost::system::error_code&) override {
    if (collect_) {
      pieces_.emplace_back(body.data(), body.size());
    }
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, beast_string_view, boost::system::error_code&) override {
  }
  std::size_t on_chunk_body_impl(std::uint64_t, beast_string_view body,
                                 boost::system::error_code&) override {
    if (collect_) {
      pieces_.emplace_back(body.data(), body.size());
    }
    return body.size();
  }
  void on_finish_impl(boost::system::error_code&) override {}

  gateway::ResponseHead& head_;
  bool collect_ = false;
  int version_ = 11;
  std::vector<std::string_view>& pieces_;
};

}  // namespace rampart::net
