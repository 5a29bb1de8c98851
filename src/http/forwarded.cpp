#include "http/forwarded.hpp"

#include <algorithm>

#include "http/header_list.hpp"

namespace rampart::http {

void resolve_client(const boost::asio::ip::address& peer, std::string_view peer_text,
                    const std::string_view* xff, std::span<const config::Cidr> trusted,
                    std::string& client_ip, std::string& forwarded_for) {
  auto is_trusted = [&](const boost::asio::ip::address& a) {
    return std::any_of(trusted.begin(), trusted.end(),
                       [&](const config::Cidr& c) { return c.contains(a); });
  };
  client_ip.assign(peer_text);
  if (xff == nullptr || xff->empty() || trusted.empty() || !is_trusted(peer)) {
    forwarded_for.assign(peer_text);
    return;
  }
  forwarded_for.assign(*xff);
  forwarded_for += ", ";
  forwarded_for += peer_text;
  std::string_view rest = *xff;
  while (!rest.empty()) {
    auto comma = rest.rfind(',');
    auto entry = trim_ows(rest.substr(comma == std::string_view::npos ? 0 : comma + 1));
    boost::system::error_code ec;
    auto address = boost::asio::ip::make_address(std::string(entry), ec);
    if (ec) {
      break;
    }
    client_ip = address.to_string();
    if (!is_trusted(address)) {
      break;
    }
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(0, comma);
  }
}

}  // namespace rampart::http
