#pragma once
// Who the client is (SPEC §2 server.trusted_proxies): the TCP peer, unless the peer is a
// trusted proxy, in which case the right-most X-Forwarded-For entry that is not itself one.

#include <boost/asio/ip/address.hpp>
#include <span>
#include <string>
#include <string_view>

#include "config/cidr.hpp"

namespace rampart::http {

/// Sets the client address and the X-Forwarded-For value for the upstream. `xff` is the client's
/// X-Forwarded-For value, or null when it sent none. An untrusted peer's X-Forwarded-For is
/// replaced, a trusted one's is kept and the peer appended. The walk stops at an entry that is not
/// an address: nothing left of it can be believed.
void resolve_client(const boost::asio::ip::address& peer, std::string_view peer_text,
                    const std::string_view* xff, std::span<const config::Cidr> trusted,
                    std::string& client_ip, std::string& forwarded_for);

}  // namespace rampart::http
