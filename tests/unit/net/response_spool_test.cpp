#include "net/response_spool.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <string>

namespace rampart::net {
namespace {

/// A connected socketpair: `writer` non-blocking with a small send buffer, `reader` blocking.
struct Pair {
  int writer = -1;
  int reader = -1;

  Pair() {
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    writer = fds[0];
    reader = fds[1];
    int small = 4096;
    ::setsockopt(writer, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    ::fcntl(writer, F_SETFL, ::fcntl(writer, F_GETFL) | O_NONBLOCK);
  }
  ~Pair() {
    ::close(writer);
    if (reader >= 0) {
      ::close(reader);
    }
  }

  /// Reads what is there now (the writer has sent at least one byte).
  std::string read_some() {
    std::string out(64 * 1024, '\0');
    auto n = ::read(reader, out.data(), out.size());
    EXPECT_GT(n, 0);
    out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    return out;
  }
};

/// Distinct bytes at every offset, so a byte out of place is seen.
std::string pattern(std::size_t n, std::size_t seed) {
  std::string out(n, '\0');
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = static_cast<char>((i * 131 + seed * 7 + i / 251) & 0xff);
  }
  return out;
}

std::string rest_of(const std::vector<asio::const_buffer>& buffers) {
  std::string out;
  for (const auto& b : buffers) {
    out.append(static_cast<const char*>(b.data()), b.size());
  }
  return out;
}

ResponseSpool make_spool() {
  error_code ec;
  auto spool = ResponseSpool::create(ResponseSpool::default_dir(), ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_TRUE(spool.has_value());
  return std::move(*spool);
}

/// Sends everything pending, reading on the other end whenever the socket is full.
std::string drain(ResponseSpool& spool, Pair& pair, int* would_blocks = nullptr) {
  std::string received;
  while (spool.pending() > 0) {
    error_code ec;
    spool.send_to(pair.writer, ec);
    if (ec == asio::error::would_block) {
      if (would_blocks != nullptr) {
        ++*would_blocks;
      }
      received += pair.read_some();
      continue;
    }
    EXPECT_FALSE(ec) << ec.message();
    if (ec) {
      break;
    }
  }
  return received;
}

TEST(ResponseSpool, PiecesArriveInOrderThroughAFullSocket) {
  auto spool = make_spool();
  Pair pair;
  // Like relay's gather lists: a chunk size line, a body piece, CRLF; some empty buffers.
  std::string expected;
  for (std::size_t i = 0; i < 40; ++i) {
    std::string size_line = std::to_string(i) + "\r\n";
    std::string body = pattern(1000 + i * 9973, i);
    std::vector<asio::const_buffer> gather{asio::buffer(size_line), asio::const_buffer(),
                                           asio::buffer(body), asio::buffer("\r\n", 2)};
    ASSERT_FALSE(spool.append(gather));
    EXPECT_TRUE(gather.empty());
    expected += size_line + body + "\r\n";
  }
  EXPECT_EQ(spool.size(), expected.size());
  EXPECT_EQ(spool.pending(), expected.size());

  int would_blocks = 0;
  std::string received = drain(spool, pair, &would_blocks);
  // What is still in the socket after the last send.
  ::shutdown(pair.writer, SHUT_WR);
  for (;;) {
    char buf[65536];
    auto n = ::read(pair.reader, buf, sizeof buf);
    if (n <= 0) {
      break;
    }
    received.append(buf, static_cast<std::size_t>(n));
  }
  EXPECT_GT(would_blocks, 0) << "the socket never filled: EAGAIN was not exercised";
  EXPECT_EQ(spool.pending(), 0u);
  EXPECT_EQ(received.size(), expected.size());
  EXPECT_TRUE(received == expected);
}

TEST(ResponseSpool, AppendsWhileSendingKeepTheOrder) {
  // The relay appends each upstream piece and sends what the client takes in between.
  auto spool = make_spool();
  Pair pair;
  std::string expected, received;
  for (std::size_t i = 0; i < 30; ++i) {
    std::string piece = pattern(7000 + i * 3001, i + 100);
    std::vector<asio::const_buffer> gather{asio::buffer(piece)};
    ASSERT_FALSE(spool.append(gather));
    expected += piece;
    error_code ec;
    std::size_t before = spool.pending();
    std::size_t n = spool.send_to(pair.writer, ec);
    EXPECT_EQ(spool.pending(), before - n);
    if (ec) {
      EXPECT_EQ(ec, asio::error::would_block) << ec.message();
    } else {
      EXPECT_EQ(spool.pending(), 0u);
    }
    if (i % 3 == 0) {
      received += pair.read_some();
    }
  }
  received += drain(spool, pair);
  ::shutdown(pair.writer, SHUT_WR);
  char buf[65536];
  for (auto n = ::read(pair.reader, buf, sizeof buf); n > 0;
       n = ::read(pair.reader, buf, sizeof buf)) {
    received.append(buf, static_cast<std::size_t>(n));
  }
  EXPECT_EQ(spool.size(), expected.size());
  EXPECT_TRUE(received == expected);
}

TEST(ResponseSpool, NothingPendingIsNoErrorAndSendsNothing) {
  auto spool = make_spool();
  Pair pair;
  error_code ec;
  EXPECT_EQ(spool.send_to(pair.writer, ec), 0u);
  EXPECT_FALSE(ec);
}

TEST(ResponseSpool, AClosedClientIsAnErrorNotWouldBlock) {
  auto spool = make_spool();
  Pair pair;
  std::string body = pattern(200000, 3);
  std::vector<asio::const_buffer> gather{asio::buffer(body)};
  ASSERT_FALSE(spool.append(gather));
  ::close(pair.reader);
  pair.reader = -1;
  // rampart blocks SIGPIPE in every thread; so does this test while it writes.
  auto old = std::signal(SIGPIPE, SIG_IGN);
  error_code ec;
  spool.send_to(pair.writer, ec);
  std::signal(SIGPIPE, old);
  EXPECT_TRUE(ec);
  EXPECT_NE(ec, asio::error::would_block);
  EXPECT_GT(spool.pending(), 0u);
}

TEST(ResponseSpool, AFailedAppendKeepsExactlyWhatIsNotInTheFile) {
  // A full disk, simulated by a file size limit: the bytes that did not fit stay in the
  // gather list, so the relay can send them to the client after what the file holds.
  auto spool = make_spool();
  std::string a = pattern(60000, 1), b = pattern(60000, 2), c = pattern(60000, 3);
  std::vector<asio::const_buffer> gather{asio::buffer(a), asio::buffer(b), asio::buffer(c)};
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  auto old = std::signal(SIGXFSZ, SIG_IGN);
  rlimit limited = saved;
  limited.rlim_cur = 100000;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limited), 0);
  error_code ec = spool.append(gather);
  ::setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, old);

  EXPECT_EQ(ec.value(), EFBIG) << ec.message();
  EXPECT_EQ(spool.size(), 100000u);
  const std::string all = a + b + c;
  EXPECT_TRUE(rest_of(gather) == all.substr(100000));

  Pair pair;
  std::string received = drain(spool, pair);
  ::shutdown(pair.writer, SHUT_WR);
  char buf[65536];
  for (auto n = ::read(pair.reader, buf, sizeof buf); n > 0;
       n = ::read(pair.reader, buf, sizeof buf)) {
    received.append(buf, static_cast<std::size_t>(n));
  }
  EXPECT_TRUE(received == all.substr(0, 100000));
}

TEST(ResponseSpool, NoDirectoryIsAnErrorNotAThrow) {
  error_code ec;
  auto spool = ResponseSpool::create("/nonexistent-rampart-spool-dir", ec);
  EXPECT_FALSE(spool.has_value());
  EXPECT_EQ(ec.value(), ENOENT) << ec.message();
}

TEST(ResponseSpool, LeavesNoNameBehind) {
  // O_TMPFILE (or unlink at once): the directory holds no new entry while the spool is open.
  char dir_template[] = "/tmp/rampart-spool-test-XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  {
    error_code ec;
    auto spool = ResponseSpool::create(dir, ec);
    ASSERT_TRUE(spool.has_value()) << ec.message();
    std::string body = "x";
    std::vector<asio::const_buffer> gather{asio::buffer(body)};
    ASSERT_FALSE(spool->append(gather));
    EXPECT_EQ(::rmdir(dir.c_str()), 0) << "the spool left a file in " << dir;
  }
  ::rmdir(dir.c_str());
}

}  // namespace
}  // namespace rampart::net
