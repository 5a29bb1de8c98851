#include "limits/redis_cluster.hpp"

#include <charconv>

#include "limits/redis_limiter.hpp"

namespace rampart::limits {

namespace {

// CRC16-CCITT (XMODEM: polynomial 0x1021, initial value 0), as Redis' crc16.c.
constexpr std::array<std::uint16_t, 256> make_crc_table() {
  std::array<std::uint16_t, 256> table{};
  for (unsigned byte = 0; byte < 256; ++byte) {
    std::uint16_t crc = static_cast<std::uint16_t>(byte << 8);
    for (int bit = 0; bit < 8; ++bit) {
      crc = static_cast<std::uint16_t>((crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1);
    }
    table[byte] = crc;
  }
  return table;
}

constexpr auto kCrcTable = make_crc_table();

std::uint16_t crc16(std::string_view data) {
  std::uint16_t crc = 0;
  for (unsigned char c : data) {
    crc = static_cast<std::uint16_t>((crc << 8) ^ kCrcTable[((crc >> 8) ^ c) & 0xff]);
  }
  return crc;
}

}  // namespace

std::uint16_t key_slot(std::string_view key) {
  const auto open = key.find('{');
  if (open != std::string_view::npos) {
    const auto close = key.find('}', open + 1);
    if (close != std::string_view::npos && close > open + 1) {
      key = key.substr(open + 1, close - open - 1);
    }
  }
  return static_cast<std::uint16_t>(crc16(key) & (kClusterSlots - 1));
}

std::optional<MovedTo> parse_moved(std::string_view error) {
  if (!error.starts_with("MOVED ")) {
    return std::nullopt;
  }
  error.remove_prefix(6);
  const auto space = error.find(' ');
  const auto colon = error.rfind(':');  // an IPv6 address has colons of its own
  if (space == std::string_view::npos || colon == std::string_view::npos || colon < space) {
    return std::nullopt;
  }
  MovedTo to;
  unsigned slot = 0;
  unsigned port = 0;
  auto slot_text = error.substr(0, space);
  auto port_text = error.substr(colon + 1);
  auto [slot_end, slot_ec] =
      std::from_chars(slot_text.data(), slot_text.data() + slot_text.size(), slot);
  auto [port_end, port_ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (slot_ec != std::errc() || slot_end != slot_text.data() + slot_text.size() ||
      slot >= kClusterSlots || port_ec != std::errc() ||
      port_end != port_text.data() + port_text.size() || port == 0 || port > 65535) {
    return std::nullopt;
  }
  auto host = error.substr(space + 1, colon - space - 1);
  if (host.starts_with('[') && host.ends_with(']')) {
    host = host.substr(1, host.size() - 2);
  }
  if (host.size() > 255 || host.find_first_of(" \r\n\t/@") != std::string_view::npos) {
    return std::nullopt;
  }
  to.slot = static_cast<std::uint16_t>(slot);
  to.host = std::string(host);
  to.port = static_cast<std::uint16_t>(port);
  return to;
}

RedisRouter::RedisRouter(RedisBackend& backend, net::asio::io_context& io, RedisConnection& seed)
    : backend_(backend), io_(io), seed_(seed) {}

RedisConnection* RedisRouter::node(const std::string& host, std::uint16_t port) {
  const auto& seed_url = backend_.url();
  const std::string& name = host.empty() ? seed_url.host : host;
  if (name == seed_url.host && port == seed_url.port) {
    return &seed_;
  }
  for (auto* conn : nodes_) {
    if (conn->host() == name && conn->port() == port) {
      return conn;
    }
  }
  if (nodes_.size() >= kMaxNodes) {
    return nullptr;  // a server naming node after node must not make us open without end
  }
  nodes_.push_back(&backend_.node(io_, name, port));
  return nodes_.back();
}

RedisConnection& RedisRouter::pick(std::string_view key) {
  if (nodes_.empty()) {
    return seed_;  // no MOVED yet (a standalone Redis): the key's CRC16 costs ~260 instructions
  }
  const auto owner = owner_[key_slot(key)];
  RedisConnection* conn = owner == 0 ? &seed_ : nodes_[owner - 1];
  // A node that is down: the seed says where the slot is now.
  return conn->ready() ? *conn : seed_;
}

RedisConnection* RedisRouter::moved(const RedisReply& reply) {
  if (reply.kind != RedisReplyKind::error) {
    return nullptr;
  }
  auto to = parse_moved(reply.text);
  if (!to) {
    return nullptr;
  }
  RedisConnection* target = node(to->host, to->port);
  if (target == nullptr) {
    return nullptr;  // the error stands: decided locally
  }
  owner_[to->slot] = 0;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i] == target) {
      owner_[to->slot] = static_cast<std::uint8_t>(i + 1);
    }
  }
  return target;
}

void RedisRouter::close() {
  for (auto* conn : nodes_) {
    conn->close();
  }
  seed_.close();
}

}  // namespace rampart::limits
