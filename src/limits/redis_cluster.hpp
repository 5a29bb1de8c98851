#pragma once
// Redis Cluster for the rate limits: each decision's key is hash-tagged whole, so it lives in
// one slot, on one node. A worker sends it to the node it learned owns that slot, and learns
// the owners from the cluster's own MOVED answers ("MOVED <slot> <host>:<port>"): no slot map
// is fetched, and a standalone Redis, which never answers MOVED, costs nothing more.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "limits/redis_connection.hpp"

namespace rampart::limits {

class RedisBackend;

inline constexpr std::uint16_t kClusterSlots = 16384;

/// The slot Redis Cluster puts `key` in: CRC16 (XMODEM) of the hash tag, the part between the
/// first '{' and the next '}' when that is not empty, else of the whole key; mod 16384.
std::uint16_t key_slot(std::string_view key);

/// A "MOVED <slot> <host>:<port>" error reply, read. An empty host (a node that does not know
/// its own address) means the node that answered.
struct MovedTo {
  std::uint16_t slot = 0;
  std::string host;
  std::uint16_t port = 0;
};
std::optional<MovedTo> parse_moved(std::string_view error);

/// One worker's way to Redis: the connection to the configured address and, on a Cluster,
/// one to each node a MOVED pointed to (at most kMaxNodes). Used only on that worker's thread.
class RedisRouter {
 public:
  static constexpr std::size_t kMaxNodes = 32;

  RedisRouter(RedisBackend& backend, net::asio::io_context& io, RedisConnection& seed);
  RedisRouter(const RedisRouter&) = delete;
  RedisRouter& operator=(const RedisRouter&) = delete;

  /// The configured address answers (the decision may still go to another node).
  bool ready() const { return seed_.ready(); }
  RedisConnection& seed() { return seed_; }

  /// The connection for `key`: the node learned to own its slot, else the seed. No coroutine
  /// of its own: the caller evals on it directly (a frame and an event-loop hop less per
  /// decision than a routing coroutine around the eval).
  RedisConnection& pick(std::string_view key);
  /// When `reply` is a MOVED: the connection to the node it names (made now if new), and the
  /// slot is remembered as its. The caller sends the command there at once when it is ready(),
  /// else decides without Redis while the connection comes up. Null for any other reply.
  RedisConnection* moved(const RedisReply& reply);

  /// Closes every connection (the seed too): the worker is stopping.
  void close();

 private:
  RedisConnection* node(const std::string& host, std::uint16_t port);

  RedisBackend& backend_;
  net::asio::io_context& io_;
  RedisConnection& seed_;
  std::vector<RedisConnection*> nodes_;  ///< other nodes, owned by the backend
  /// Index + 1 into nodes_ of each slot's owner; 0: the seed (all of a standalone Redis).
  std::array<std::uint8_t, kClusterSlots> owner_{};
};

}  // namespace rampart::limits
