#include "limits/redis_connection.hpp"

#include <hiredis/hiredis.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <charconv>
#include <cstring>
#include <initializer_list>
#include <new>
#include <optional>
#include <string_view>

namespace rampart::limits {

namespace asio = net::asio;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::chrono::milliseconds kFirstRetry{100};
constexpr std::chrono::milliseconds kLastRetry{5000};
// One read: a rate-limit reply is ~20 bytes, so one read takes in hundreds of them.
constexpr std::size_t kReadChunk = 16 * 1024;

RedisReply no_reply(RedisReplyKind kind, const char* why) {
  RedisReply reply;
  reply.kind = kind;
  reply.text = why;  // literals of at most 15 bytes: kept inline, no allocation
  return reply;
}

}  // namespace

RedisScript make_script(std::string source) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(source.data(), source.size(), digest, &size, EVP_sha1(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return {std::move(source), std::move(hex)};
}

/// hiredis' reply callbacks, building RedisReply values instead of hiredis' objects: one
/// conversion less, and the place where the element bounds are enforced (hiredis 0.14 has no
/// `maxelements` and would calloc a pointer array of any announced size).
struct ReplyBuilder {
  static RedisReply* place(const redisReadTask* task, RedisReplyKind kind) {
    auto& reader = *static_cast<RedisReplyReader*>(task->privdata);
    if (++reader.values_ > RedisReplyReader::kMaxValues) {
      reader.error_ = "a reply with more than 8192 values";
      return nullptr;  // hiredis stops with an error
    }
    RedisReply* value;
    if (task->parent != nullptr) {
      // The parent's elements were sized when it was made, so this pointer stays valid.
      value = &static_cast<RedisReply*>(task->parent->obj)->elements[task->idx];
    } else {
      // Cleared in place: the capacity of the reply before it is reused (an array reply's
      // elements were a malloc and a free per reply).
      value = &reader.root_;
      value->integer = 0;
      value->text.clear();
      value->elements.clear();
    }
    value->kind = kind;
    return value;
  }
  static void* create_string(const redisReadTask* task, char* data, size_t size) {
    auto kind = task->type == REDIS_REPLY_ERROR    ? RedisReplyKind::error
                : task->type == REDIS_REPLY_STATUS ? RedisReplyKind::status
                                                   : RedisReplyKind::string;
    RedisReply* value = place(task, kind);
    if (value != nullptr) {
      value->text.assign(data, size);
    }
    return value;
  }
  static void* create_array(const redisReadTask* task, int elements) {
    if (elements < 0 || elements > RedisReplyReader::kMaxArrayElements) {
      static_cast<RedisReplyReader*>(task->privdata)->error_ =
          "an array of more than 1024 elements";
      return nullptr;
    }
    RedisReply* value = place(task, RedisReplyKind::array);
    if (value != nullptr) {
      value->elements.resize(static_cast<std::size_t>(elements));
    }
    return value;
  }
  static void* create_integer(const redisReadTask* task, long long number) {
    RedisReply* value = place(task, RedisReplyKind::integer);
    if (value != nullptr) {
      value->integer = number;
    }
    return value;
  }
  static void* create_nil(const redisReadTask* task) { return place(task, RedisReplyKind::nil); }
  // Every value lives in root_, which the next reply or reset() replaces.
  static void free_object(void*) {}

  static inline redisReplyObjectFunctions functions = {create_string, create_array, create_integer,
                                                       create_nil, free_object};
};

RedisReplyReader::RedisReplyReader() { reset(); }

RedisReplyReader::~RedisReplyReader() { redisReaderFree(reader_); }

void RedisReplyReader::reset() {
  if (reader_ != nullptr) {
    redisReaderFree(reader_);
  }
  reader_ = redisReaderCreateWithFunctions(&ReplyBuilder::functions);
  if (reader_ == nullptr) {
    throw std::bad_alloc();
  }
  reader_->privdata = this;
  // hiredis frees its buffer once it is empty with more than this unused: the memory a large
  // reply took goes back instead of staying with the connection.
  reader_->maxbuf = 2 * kReadChunk;
  root_ = RedisReply{};
  values_ = 0;
  fed_ = 0;
  reply_start_ = 0;
  error_.clear();
}

bool RedisReplyReader::feed(const char* data, std::size_t size) {
  if (!error_.empty()) {
    return false;
  }
  if (redisReaderFeed(reader_, data, size) != REDIS_OK) {
    error_ = reader_->errstr[0] != '\0' ? reader_->errstr : "out of memory";
    return false;
  }
  fed_ += size;
  return true;
}

RedisReplyReader::Result RedisReplyReader::next(RedisReply& out) {
  if (!error_.empty()) {
    return Result::protocol_error;
  }
  void* reply = nullptr;
  if (redisReaderGetReply(reader_, &reply) != REDIS_OK) {
    if (error_.empty()) {
      error_ = reader_->errstr[0] != '\0' ? reader_->errstr : "unreadable reply";
    }
    return Result::protocol_error;
  }
  const std::uint64_t unread = reader_->len - reader_->pos;
  if (reply == nullptr) {
    // Everything since reply_start_ belongs to the unfinished reply: hiredis would buffer a
    // bulk string of any announced length, so the bound is enforced here, on the wire size.
    if (fed_ - reply_start_ > kMaxReplyBytes) {
      error_ = "a reply larger than 1 MiB";
      return Result::protocol_error;
    }
    return Result::need_more;
  }
  const std::uint64_t size = fed_ - unread - reply_start_;
  reply_start_ += size;
  values_ = 0;
  if (size > kMaxReplyBytes) {
    error_ = "a reply larger than 1 MiB";
    return Result::protocol_error;
  }
  std::swap(out, root_);  // root_ keeps out's old capacity for the next reply
  return Result::reply;
}

/// The connection's state, shared by the handle, the background coroutines and the evals
/// waiting for a reply, so that whichever ends last frees it.
struct RedisConnection::State : std::enable_shared_from_this<State> {
  enum class Phase { down, connecting, up };

  /// One eval()'s wait for its reply, in the eval's coroutine frame (which stays put
  /// meanwhile): a RedisCall whose done() resumes the coroutine through the io_context.
  struct Waiter : RedisCall {
    // An optional, to be constructed in place: Boost 1.81's move assignment of an
    // any_completion_handler wraps it in itself without end (fixed in 1.82).
    std::optional<asio::any_completion_handler<void(net::error_code)>> handler;
    RedisReply reply;
    asio::io_context* io = nullptr;

    static void on_done(RedisCall& call, const RedisReply& reply) {
      auto& waiter = static_cast<Waiter&>(call);
      waiter.reply = reply;
      waiter.resume({});
    }
    /// Never from inside the read loop or the cancellation: the eval's caller may do anything
    /// next, close() included.
    void resume(net::error_code ec) {
      asio::post(io->get_executor(),
                 [handler = std::move(*handler), ec]() mutable { std::move(handler)(ec); });
      handler.reset();
    }
  };
  /// Ends a waiting eval when its caller's cancellation slot fires. Its command stays in the
  /// FIFO without a call, and the reply is skipped when it comes.
  struct CancelWaiter {
    // A constructor, not aggregate initialisation: slot.emplace() constructs with parentheses,
    // which clang 14 (the fuzz build) does not accept for an aggregate.
    explicit CancelWaiter(Waiter* w) : waiter(w) {}
    Waiter* waiter;
    void operator()(asio::cancellation_type type) const {
      if ((type & asio::cancellation_type::terminal) != asio::cancellation_type::none &&
          RedisConnection::cancel(*waiter)) {
        waiter->resume(asio::error::operation_aborted);
      }
    }
  };
  struct Pending {
    RedisCall* call;   ///< null when the call was cancelled, or for AUTH and SELECT
    const char* step;  ///< "AUTH" or "SELECT" while connecting, else null
    Clock::time_point deadline;
  };
  /// The commands sent and not answered, oldest first: a ring that grows by doubling and never
  /// shrinks, so that a warm connection allocates nothing here per command (a std::deque
  /// allocates a block every ~20 commands).
  class PendingQueue {
   public:
    bool empty() const { return size_ == 0; }
    Pending& front() { return ring_[head_]; }
    Pending& at(std::uint64_t seq) { return ring_[(head_ + (seq - first_)) & (ring_.size() - 1)]; }
    std::uint64_t push(Pending p) {
      if (size_ == ring_.size()) {
        std::vector<Pending> bigger(std::max<std::size_t>(64, ring_.size() * 2));
        for (std::size_t i = 0; i < size_; ++i) {
          bigger[i] = ring_[(head_ + i) & (ring_.size() - 1)];
        }
        ring_.swap(bigger);
        head_ = 0;
      }
      ring_[(head_ + size_++) & (ring_.size() - 1)] = p;
      return first_ + size_ - 1;
    }
    Pending pop() {
      Pending p = ring_[head_];
      head_ = (head_ + 1) & (ring_.size() - 1);
      --size_;
      ++first_;
      return p;
    }

   private:
    std::vector<Pending> ring_;
    std::size_t head_ = 0;
    std::size_t size_ = 0;
    std::uint64_t first_ = 0;  ///< the sequence number of front()
  };

  State(asio::io_context& io, RedisUrl url, std::chrono::milliseconds connect_timeout,
        std::chrono::milliseconds command_timeout)
      : io(io),
        url(std::move(url)),
        connect_timeout(connect_timeout),
        command_timeout(command_timeout),
        socket(io.get_executor()),
        resolver(io.get_executor()),
        deadline_timer(io.get_executor(), Clock::time_point::max()),
        retry_timer(io.get_executor()) {}

  /// Appends one command, a RESP array of the words of `groups` as bulk strings: sized once,
  /// then written in place. Appended piece by piece, an EVALSHA cost ~1,700 instructions
  /// (callgrind), most of them in std::string's append.
  void append_command(std::initializer_list<std::span<const std::string_view>> groups) {
    constexpr std::size_t kFraming = 24;  // '$', at most 20 digits, two CRLFs
    std::size_t count = 0;
    std::size_t most = kFraming;
    for (const auto& group : groups) {
      count += group.size();
      for (const auto& word : group) {
        most += kFraming + word.size();
      }
    }
    const std::size_t start = out.size();
    out.resize(start + most);
    char* at = put_length(out.data() + start, '*', count);
    for (const auto& group : groups) {
      for (const auto& word : group) {
        at = put_length(at, '$', word.size());
        if (!word.empty()) {  // an empty view's data() may be null
          std::memcpy(at, word.data(), word.size());
          at += word.size();
        }
        *at++ = '\r';
        *at++ = '\n';
      }
    }
    out.resize(static_cast<std::size_t>(at - out.data()));
  }

  static char* put_length(char* at, char kind, std::size_t n) {
    *at++ = kind;
    at = std::to_chars(at, at + 20, n).ptr;
    *at++ = '\r';
    *at++ = '\n';
    return at;
  }

  /// Appends the call's EVALSHA (EVAL once it met a NOSCRIPT) and queues it.
  void send(RedisCall& call) {
    char digits[20];
    const std::string_view head[] = {
        call.with_source_ ? "EVAL" : "EVALSHA",
        call.with_source_ ? call.script_->source : call.script_->sha1,
        {digits, std::to_chars(digits, digits + sizeof digits, call.keys_.size()).ptr}};
    append_command({head, call.keys_, call.args_});
    queue(&call, nullptr, Clock::now() + command_timeout);
  }

  /// Queues the reply of the command just appended for `call` or `step`, and sends it as
  /// soon as the write in flight is done.
  void queue(RedisCall* call, const char* step, Clock::time_point deadline) {
    auto seq = pending.push({call, step, deadline});
    if (call != nullptr) {
      call->phase_ = RedisCall::Phase::queued;
      call->state_ = this;
      call->seq_ = seq;
    }
    if (deadline_timer.expiry() > deadline) {
      deadline_timer.expires_at(deadline);  // it was idle: the watchdog wakes and re-arms
    }
    if (!write_in_flight) {
      start_write();
    }
  }

  /// Ends a call without a reply, through the io_context: never from inside fail() or close(),
  /// whose caller goes on with the connection.
  void end_later(RedisCall& call, RedisReplyKind kind, const char* why) {
    call.phase_ = RedisCall::Phase::completing;
    asio::post(io.get_executor(), [&call, kind, why] {
      call.phase_ = RedisCall::Phase::idle;
      call.done(call, no_reply(kind, why));
    });
  }

  /// The single write in flight: whatever piles up in `out` meanwhile goes out next, in one.
  void start_write() {
    write_in_flight = true;
    writing.swap(out);
    out.clear();
    asio::async_write(
        socket, asio::buffer(writing),
        [self = shared_from_this(), started = generation](net::error_code ec, std::size_t) {
          self->write_in_flight = false;
          if (ec && started == self->generation && self->phase != Phase::down) {
            self->fail("cannot write: " + ec.message());
          } else if (self->phase != Phase::down && !self->out.empty()) {
            self->start_write();
          }
        });
  }

  /// Ends the connection: every pending command ends (the oldest with `oldest_kind`), the
  /// socket closes, and the owner hears of it when the connection was ready.
  void fail(std::string_view why, RedisReplyKind oldest_kind = RedisReplyKind::unavailable,
            const char* oldest_text = "connection lost") {
    ++failures;
    last_error = scrub(why);
    const bool was_up = phase == Phase::up;
    phase = Phase::down;
    net::error_code ignored;
    socket.close(ignored);
    resolver.cancel();
    out.clear();
    fail_pending(oldest_kind, oldest_text);
    if (was_up && owner != nullptr && owner->on_state_change) {
      owner->on_state_change(false);
    }
  }

  void fail_pending(RedisReplyKind oldest_kind, const char* oldest_text) {
    for (bool oldest = true; !pending.empty(); oldest = false) {
      Pending p = pending.pop();
      if (p.call != nullptr) {
        end_later(*p.call, oldest ? oldest_kind : RedisReplyKind::unavailable,
                  oldest ? oldest_text : "connection lost");
      }
    }
  }

  /// A message for the log: one line, bounded, and never the password, even when a hostile
  /// server echoes it in an error reply.
  std::string scrub(std::string_view why) const {
    std::string text(why.substr(0, 300));
    for (auto at = url.password.empty() ? std::string::npos : text.find(url.password);
         at != std::string::npos; at = text.find(url.password, at + 3)) {
      text.replace(at, url.password.size(), "***");
    }
    std::replace_if(
        text.begin(), text.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; }, ' ');
    return text;
  }

  /// Fails the attempt, unless it ended already (timed out by the watchdog, or closed).
  bool connect_failed(std::string_view why) {
    if (phase == Phase::connecting) {
      fail(why);
    }
    return false;
  }

  /// Connects and sends AUTH and SELECT; the read loop takes their replies.
  net::Task<bool> connect() {
    phase = Phase::connecting;
    ++generation;
    reader.reset();
    connect_deadline = Clock::now() + connect_timeout;
    deadline_timer.expires_at(connect_deadline);
    std::vector<net::tcp::endpoint> endpoints;
    net::error_code not_an_address;
    if (auto address = asio::ip::make_address(url.host, not_an_address); !not_an_address) {
      endpoints.emplace_back(address, url.port);  // no resolver, and so no resolver thread
    } else {
      auto [resolve_ec, results] =
          co_await resolver.async_resolve(url.host, std::to_string(url.port), net::use_tuple);
      if (resolve_ec || phase != Phase::connecting) {
        co_return connect_failed("cannot resolve " + url.host + ": " + resolve_ec.message());
      }
      for (const auto& entry : results) {
        endpoints.push_back(entry.endpoint());
      }
    }
    auto [connect_ec, endpoint] = co_await asio::async_connect(socket, endpoints, net::use_tuple);
    if (connect_ec || phase != Phase::connecting) {
      co_return connect_failed("cannot connect: " + connect_ec.message());
    }
    net::error_code ignored;
    socket.set_option(net::tcp::no_delay(true), ignored);
    if (!url.password.empty()) {
      const std::string_view auth[] = {"AUTH", url.user};
      const std::string_view password[] = {url.password};
      // "AUTH <password>" without a user (the default user, and Redis before 6)
      append_command({std::span(auth).first(url.user.empty() ? 1 : 2), password});
      queue(nullptr, "AUTH", connect_deadline);
    }
    const std::string db = std::to_string(url.db);
    if (url.db != 0) {
      const std::string_view select[] = {"SELECT", db};
      append_command({select});
      queue(nullptr, "SELECT", connect_deadline);
    }
    if (pending.empty()) {
      went_up();
    }
    co_return true;
  }

  void went_up() {
    phase = Phase::up;
    next_retry = kFirstRetry;
    if (owner != nullptr && owner->on_state_change) {
      owner->on_state_change(true);
    }
  }

  /// Hands each reply to the oldest pending command, until the connection fails.
  net::Task<void> read_replies() {
    const auto reading = generation;
    RedisReply reply;
    for (;;) {
      auto [ec, size] = co_await socket.async_read_some(asio::buffer(in), net::use_tuple);
      if (phase == Phase::down || generation != reading) {
        co_return;  // ended already: timed out, a failed write, or close()
      }
      if (ec) {
        fail(ec == asio::error::eof ? "the server closed the connection"
                                    : "cannot read: " + ec.message());
        co_return;
      }
      if (!reader.feed(in.data(), size)) {
        fail("protocol error: " + reader.error());
        co_return;
      }
      for (;;) {
        auto result = reader.next(reply);
        if (result == RedisReplyReader::Result::need_more) {
          break;
        }
        if (result == RedisReplyReader::Result::protocol_error) {
          fail("protocol error: " + reader.error());
          co_return;
        }
        if (pending.empty()) {
          fail("protocol error: a reply to no command");
          co_return;
        }
        Pending p = pending.pop();
        if (p.step != nullptr) {
          if (reply.kind == RedisReplyKind::error) {
            fail(std::string(p.step) + " refused: " + reply.text);
            co_return;
          }
          if (pending.empty()) {
            went_up();
          }
          continue;
        }
        ++round_trips;
        RedisCall* call = p.call;
        if (call == nullptr) {
          continue;  // cancelled
        }
        if (!call->with_source_ && reply.kind == RedisReplyKind::error &&
            reply.text.starts_with("NOSCRIPT")) {
          call->with_source_ = true;  // a restarted or flushed server: once more, with the source
          send(*call);
          continue;
        }
        // Straight to the caller, not through the io_context: a post per reply cost ~400
        // instructions, and the caller is a request waiting to go on.
        call->phase_ = RedisCall::Phase::idle;
        call->done(*call, reply);
        if (phase == Phase::down || generation != reading) {
          co_return;  // a broken promise (done must not close), but never a use after free
        }
      }
    }
  }

  net::Task<void> run(std::shared_ptr<State> self) {
    while (!closed) {
      // Not `if (co_await ...)`: GCC 12.2 miscompiles a co_await in a condition.
      const bool connected = co_await connect();
      if (connected) {
        co_await read_replies();
      }
      if (closed) {
        break;
      }
      retry_timer.expires_after(next_retry);
      next_retry = std::min(next_retry * 2, kLastRetry);
      co_await retry_timer.async_wait(net::use_tuple);
    }
  }

  /// The one timer for all deadlines: the connect deadline while connecting, then the oldest
  /// pending command's. It is re-armed lazily: when it fires early (that command was
  /// answered), it moves on to the new oldest, so an answered command costs no timer call.
  net::Task<void> watch(std::shared_ptr<State> self) {
    while (!closed) {
      co_await deadline_timer.async_wait(net::use_tuple);
      const auto now = Clock::now();
      if (phase == Phase::connecting && now >= connect_deadline) {
        fail("no connection within " + std::to_string(connect_timeout.count()) + " ms");
      } else if (phase == Phase::up && !pending.empty() && now >= pending.front().deadline) {
        // Its reply may still come, and would then be taken for the next command's.
        fail("no reply within " + std::to_string(command_timeout.count()) + " ms",
             RedisReplyKind::timeout, "timed out");
      }
      deadline_timer.expires_at(phase == Phase::connecting ? connect_deadline
                                : phase == Phase::up && !pending.empty()
                                    ? pending.front().deadline
                                    : Clock::time_point::max());
    }
  }

  void close() {
    if (closed) {
      return;
    }
    closed = true;
    owner = nullptr;
    phase = Phase::down;
    net::error_code ignored;
    socket.close(ignored);
    resolver.cancel();
    deadline_timer.cancel();
    retry_timer.cancel();
    out.clear();
    fail_pending(RedisReplyKind::unavailable, "closed");
  }

  asio::io_context& io;
  const RedisUrl url;
  const std::chrono::milliseconds connect_timeout;
  const std::chrono::milliseconds command_timeout;
  RedisConnection* owner = nullptr;  ///< for on_state_change; null once closed
  net::Socket socket;
  asio::ip::basic_resolver<net::tcp, net::Executor> resolver;
  net::Timer deadline_timer;
  net::Timer retry_timer;
  RedisReplyReader reader;
  std::array<char, kReadChunk> in;
  std::string out;      ///< formatted commands not yet written
  std::string writing;  ///< the write in flight
  bool write_in_flight = false;
  PendingQueue pending;
  Phase phase = Phase::down;
  std::uint64_t generation = 0;  ///< connection attempts: a late write completion is ignored
  Clock::time_point connect_deadline;
  std::chrono::milliseconds next_retry = kFirstRetry;
  bool closed = false;
  std::uint64_t round_trips = 0;
  std::uint64_t failures = 0;
  std::string last_error;
};

RedisConnection::RedisConnection(asio::io_context& io, RedisUrl url,
                                 std::chrono::milliseconds connect_timeout,
                                 std::chrono::milliseconds command_timeout)
    : state_(std::make_shared<State>(io, std::move(url), connect_timeout, command_timeout)) {
  state_->owner = this;
  asio::co_spawn(io.get_executor(), state_->run(state_), asio::detached);
  asio::co_spawn(io.get_executor(), state_->watch(state_), asio::detached);
}

RedisConnection::~RedisConnection() { close(); }

void RedisConnection::close() { state_->close(); }
bool RedisConnection::ready() const { return state_->phase == State::Phase::up; }
std::uint64_t RedisConnection::round_trips() const { return state_->round_trips; }
std::uint64_t RedisConnection::failures() const { return state_->failures; }
const std::string& RedisConnection::host() const { return state_->url.host; }
std::uint16_t RedisConnection::port() const { return state_->url.port; }
const std::string& RedisConnection::last_error() const { return state_->last_error; }
const std::string& RedisConnection::display() const { return state_->url.display; }

void RedisConnection::send(RedisCall& call, const RedisScript& script,
                           std::span<const std::string_view> keys,
                           std::span<const std::string_view> args) {
  call.with_source_ = false;
  call.script_ = &script;
  call.keys_ = keys;
  call.args_ = args;
  if (state_->phase != State::Phase::up) {
    state_->end_later(call, RedisReplyKind::unavailable, "not connected");
    return;
  }
  state_->send(call);
}

bool RedisConnection::cancel(RedisCall& call) {
  if (call.phase_ != RedisCall::Phase::queued) {
    return false;
  }
  static_cast<State*>(call.state_)->pending.at(call.seq_).call = nullptr;
  call.phase_ = RedisCall::Phase::idle;
  return true;
}

net::Task<RedisReply> RedisConnection::eval(const RedisScript& script,
                                            std::span<const std::string_view> keys,
                                            std::span<const std::string_view> args) {
  const std::shared_ptr<State> state = state_;  // *this may be destroyed while this waits
  if (state->phase != State::Phase::up) {
    co_return no_reply(RedisReplyKind::unavailable, "not connected");
  }
  // Checked here, as co_await would throw for a coroutine cancelled already.
  const auto cancellation = co_await asio::this_coro::cancellation_state;
  if (cancellation.cancelled() != asio::cancellation_type::none) {
    co_return no_reply(RedisReplyKind::timeout, "cancelled");
  }
  State::Waiter waiter;
  waiter.done = &State::Waiter::on_done;
  waiter.io = &state->io;
  send(waiter, script, keys, args);
  // A custom operation rather than a timer or a channel per command: storing the handler
  // costs one allocation from Asio's per-thread recycling cache, and neither the reactor's
  // timer queue nor its mutex is touched.
  auto [ec] = co_await asio::async_initiate<decltype(net::use_tuple), void(net::error_code)>(
      [&waiter](auto handler) {
        waiter.handler.emplace(std::move(handler));
        // Through the wrapper's slot: wrapping puts a cancellation state of its own into
        // the caller's slot, in place of any handler installed there before.
        auto slot = waiter.handler->get_cancellation_slot();
        if (slot.is_connected()) {
          slot.template emplace<State::CancelWaiter>(&waiter);
        }
      },
      net::use_tuple);
  if (ec) {
    co_return no_reply(RedisReplyKind::timeout, "cancelled");
  }
  co_return std::move(waiter.reply);
}

}  // namespace rampart::limits
