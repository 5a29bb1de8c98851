#pragma once
// An IPv4 or IPv6 network, for server.trusted_proxies.

#include <array>
#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <optional>
#include <string_view>

namespace rampart::config {

/// A network in CIDR form ("10.0.0.0/8", "::1/128"); a bare address is a /32 or /128.
struct Cidr {
  boost::asio::ip::address network;
  unsigned prefix_length = 0;

  static std::optional<Cidr> parse(std::string_view text);
  bool contains(const boost::asio::ip::address& address) const;
};

}  // namespace rampart::config
