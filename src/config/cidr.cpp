#include "config/cidr.hpp"

#include <charconv>
#include <string>

namespace rampart::config {

namespace {

using Bytes16 = boost::asio::ip::address_v6::bytes_type;

// Both families compared as 16 bytes: IPv4 as its IPv4-mapped IPv6 form (::ffff:a.b.c.d), so a
// v4 network also matches a v4 peer seen through a dual-stack socket, and the other way round.
Bytes16 as_v6_bytes(const boost::asio::ip::address& address) {
  if (address.is_v4()) {
    return boost::asio::ip::make_address_v6(boost::asio::ip::v4_mapped, address.to_v4()).to_bytes();
  }
  return address.to_v6().to_bytes();
}

// Prefix length as counted in the 16-byte form.
unsigned v6_prefix_length(const Cidr& cidr) {
  return cidr.network.is_v4() ? cidr.prefix_length + 96 : cidr.prefix_length;
}

bool same_prefix(const Bytes16& a, const Bytes16& b, unsigned bits) {
  std::size_t whole = bits / 8;
  for (std::size_t i = 0; i < whole; ++i) {
    if (a[i] != b[i]) {
      return false;
    }
  }
  unsigned rest = bits % 8;
  if (rest == 0) {
    return true;
  }
  auto mask = static_cast<unsigned char>(0xFFu << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

template <typename Bytes>
Bytes clear_host_bits(Bytes bytes, unsigned prefix_length) {
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    unsigned bit = static_cast<unsigned>(i) * 8;
    if (bit >= prefix_length) {
      bytes[i] = 0;
    } else if (prefix_length - bit < 8) {
      bytes[i] &= static_cast<unsigned char>(0xFFu << (8 - (prefix_length - bit)));
    }
  }
  return bytes;
}

// The network address: every bit after the prefix cleared.
boost::asio::ip::address masked(const boost::asio::ip::address& address, unsigned prefix_length) {
  if (address.is_v4()) {
    return boost::asio::ip::address_v4(clear_host_bits(address.to_v4().to_bytes(), prefix_length));
  }
  return boost::asio::ip::address_v6(clear_host_bits(address.to_v6().to_bytes(), prefix_length));
}

}  // namespace

std::optional<Cidr> Cidr::parse(std::string_view text) {
  auto slash = text.find('/');
  std::string address_text(text.substr(0, slash));
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(address_text, ec);
  // A zone ("fe80::1%eth0") names an interface, which a network cannot be matched against.
  if (ec || address_text.find('%') != std::string::npos) {
    return std::nullopt;
  }
  unsigned max_length = address.is_v4() ? 32 : 128;
  unsigned length = max_length;
  if (slash != std::string_view::npos) {
    auto digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 3) {
      return std::nullopt;
    }
    auto [end, err] = std::from_chars(digits.data(), digits.data() + digits.size(), length);
    if (err != std::errc{} || end != digits.data() + digits.size() || length > max_length) {
      return std::nullopt;
    }
  }
  return Cidr{masked(address, length), length};
}

bool Cidr::contains(const boost::asio::ip::address& address) const {
  return same_prefix(as_v6_bytes(network), as_v6_bytes(address), v6_prefix_length(*this));
}

}  // namespace rampart::config
