#pragma once
// One worker's connection to the Redis that holds the shared rate limits. hiredis parses the
// replies and formats the commands; Asio does the I/O on the worker's own io_context, so a
// Redis call costs no thread and no lock, and many calls share one pipelined connection.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "limits/redis_url.hpp"
#include "net/asio.hpp"

struct redisReader;  // hiredis/read.h

namespace rampart::limits {

/// What a command ended with: one of the server's reply types, or why there is no reply.
enum class RedisReplyKind { integer, array, string, status, nil, error, timeout, unavailable };

/// A reply as plain values. `text` holds a string, status or error reply; for `timeout` and
/// `unavailable` it says why there is none (never a password).
struct RedisReply {
  RedisReplyKind kind = RedisReplyKind::nil;
  std::int64_t integer = 0;
  std::string text;
  std::vector<RedisReply> elements;
};

/// A Lua script and its SHA-1 (lower-case hex), for EVALSHA.
struct RedisScript {
  std::string source;
  std::string sha1;
};
RedisScript make_script(std::string source);

/// hiredis' reply reader with bounds a hostile or broken server cannot get past: a reply of
/// more than kMaxReplyBytes on the wire, an array of more than kMaxArrayElements, or more than
/// kMaxValues values in one reply is a protocol error. So the reader holds at most one reply
/// plus one read's bytes, and the values it builds stay below ~1 MiB too.
class RedisReplyReader {
 public:
  static constexpr std::size_t kMaxReplyBytes = 1024 * 1024;
  static constexpr int kMaxArrayElements = 1024;
  static constexpr int kMaxValues = 8192;  ///< nested arrays must not multiply
  enum class Result { reply, need_more, protocol_error };

  RedisReplyReader();
  ~RedisReplyReader();
  RedisReplyReader(const RedisReplyReader&) = delete;
  RedisReplyReader& operator=(const RedisReplyReader&) = delete;

  /// Adds bytes read from the server; false after a protocol error.
  bool feed(const char* data, std::size_t size);
  /// The next whole reply into `out`, if the bytes fed so far hold one.
  Result next(RedisReply& out);
  /// What the protocol error was; empty while there is none.
  const std::string& error() const { return error_; }
  /// Forgets everything, for a new connection.
  void reset();

 private:
  friend struct ReplyBuilder;  // hiredis' callbacks, in the .cpp
  redisReader* reader_ = nullptr;
  RedisReply root_;                ///< the reply being built: no allocation for the top-level value
  int values_ = 0;                 ///< in the reply being built
  std::uint64_t fed_ = 0;          ///< bytes fed since reset()
  std::uint64_t reply_start_ = 0;  ///< where, in those, the reply being built starts
  std::string error_;
};

/// One eval's wait for its reply, for a caller that is not a coroutine (RedisConnection::send):
/// a fixed object the caller keeps in place until `done` has been called. The request path uses
/// it: a coroutine frame, an any_completion_handler and an event-loop hop per decision cost
/// ~2,000 instructions (callgrind).
struct RedisCall {
  /// Called once per send(), with the reply, or with a `timeout` or `unavailable` one. For a
  /// reply, straight from the connection's read loop (which then goes on with the next reply:
  /// `done` may send, but must not close the connection); for everything else (a timeout, a
  /// lost connection, close()) from a handler of its own, through the io_context.
  void (*done)(RedisCall& call, const RedisReply& reply) = nullptr;

 private:
  friend class RedisConnection;
  enum class Phase : std::uint8_t { idle, queued, completing };
  Phase phase_ = Phase::idle;
  bool with_source_ = false;  ///< sent as EVAL after a NOSCRIPT
  void* state_ = nullptr;     ///< the connection's State while queued
  std::uint64_t seq_ = 0;
  const RedisScript* script_ = nullptr;
  std::span<const std::string_view> keys_;
  std::span<const std::string_view> args_;
};

/// One worker's connection to Redis, used only on that worker's io_context thread. It
/// connects in the background (AUTH and SELECT when the URL asks) and after any failure
/// reconnects with backoff (100 ms doubling to 5 s) until close(). Commands are pipelined:
/// every eval is written at once (those that pile up while a write is in flight go out in one
/// write) and replies are matched in order. Close it, or destroy it, before its io_context.
class RedisConnection {
 public:
  RedisConnection(net::asio::io_context& io, RedisUrl url,
                  std::chrono::milliseconds connect_timeout,
                  std::chrono::milliseconds command_timeout);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  /// Connected and authenticated: eval() sends now.
  bool ready() const;

  /// EVALSHA; on a NOSCRIPT error (a restarted or flushed server) EVAL with the source, once.
  /// Never waits for a connection: when not ready() it ends at once with `unavailable`, and
  /// the caller decides without Redis. Without a reply within command_timeout it ends with
  /// `timeout`, and the connection is reset: the commands behind it end with `unavailable`.
  /// A terminal cancellation of the calling coroutine (the route's policy deadline) ends it
  /// at once with `timeout` ("cancelled"); its reply is skipped when it comes. `script`,
  /// `keys` and `args` must outlive the call (they do in `co_await conn.eval(...)`).
  net::Task<RedisReply> eval(const RedisScript& script, std::span<const std::string_view> keys,
                             std::span<const std::string_view> args);

  /// eval() for a RedisCall: EVALSHA, then EVAL once on NOSCRIPT, and call.done when it ends
  /// (never from within send(): when not ready() it ends with `unavailable` through the
  /// io_context). The same timeout as eval(). `call` must be idle (its done called, or never
  /// sent); `script`, `keys` and `args` must stay in place until done is called.
  void send(RedisCall& call, const RedisScript& script, std::span<const std::string_view> keys,
            std::span<const std::string_view> args);
  /// Takes a call back: true when it was waiting for its reply, which is then skipped and done
  /// is not called; false when it was not sent or done is already on its way (and will come).
  static bool cancel(RedisCall& call);

  /// Stops for good: pending commands end with `unavailable`, no reconnection.
  void close();

  /// Replies received to eval's commands (EVALSHA and EVAL each count).
  std::uint64_t round_trips() const;
  /// Connection attempts that failed and connections that were reset.
  std::uint64_t failures() const;
  /// Why the last failure happened, for the operator's log; never with the password.
  const std::string& last_error() const;
  /// The URL with its password hidden.
  const std::string& display() const;
  const std::string& host() const;
  std::uint16_t port() const;

  /// Called with true when the connection becomes ready, false when a ready one is lost (not
  /// on close()). The caller logs once and flips its readiness; it must not destroy *this.
  std::function<void(bool up)> on_state_change;

 private:
  struct State;  // everything else, shared with the background coroutines (in the .cpp)
  std::shared_ptr<State> state_;
};

}  // namespace rampart::limits
