#include "net/write_now.hpp"

#include <gtest/gtest.h>

#include <boost/asio/read.hpp>
#include <string>
#include <thread>

namespace rampart::net {
namespace {

/// A connected loopback pair: `writer` non-blocking with a small send buffer, `reader` plain.
struct Pair {
  asio::io_context ioc;
  Socket writer{ioc.get_executor()};
  Socket reader{ioc.get_executor()};

  Pair() {
    Acceptor acceptor(ioc.get_executor(), tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    writer.connect(acceptor.local_endpoint());
    acceptor.accept(reader);
    writer.set_option(asio::socket_base::send_buffer_size(4096));
    writer.non_blocking(true);
    writer.set_option(tcp::no_delay(true));  // tiny buffers must not wait on delayed ACKs
  }

  std::string read_exactly(std::size_t n) {
    std::string out(n, '\0');
    asio::read(reader, asio::buffer(out));
    return out;
  }
};

TEST(WriteNow, SendsEverythingThatFitsAndEmptiesTheList) {
  Pair pair;
  std::string head = "HTTP/1.1 200 OK\r\n\r\n", body = "hello";
  std::vector<asio::const_buffer> buffers{asio::buffer(head), asio::const_buffer(),
                                          asio::buffer(body)};
  error_code ec;
  EXPECT_EQ(write_now(pair.writer, buffers, ec), head.size() + body.size());
  EXPECT_FALSE(ec);
  EXPECT_TRUE(buffers.empty());
  EXPECT_EQ(pair.read_exactly(head.size() + body.size()), head + body);
}

TEST(WriteNow, KeepsExactlyWhatDidNotFit) {
  Pair pair;
  // Far more than the socket buffers hold: sends are partial until one finds the buffer
  // full, which is would_block (nothing sent), not an error.
  std::string a(2 * 1024 * 1024, 'a'), b(2 * 1024 * 1024, 'b');
  for (std::size_t i = 0; i < a.size(); i += 7) {
    a[i] = static_cast<char>('0' + i % 10);
  }
  const std::string expected = a + b;
  std::vector<asio::const_buffer> buffers{asio::buffer(a), asio::buffer(b)};
  error_code ec;
  std::size_t sent = 0;
  for (;;) {
    std::size_t n = write_now(pair.writer, buffers, ec);
    ASSERT_FALSE(ec) << ec.message();
    if (n == 0) {
      break;
    }
    sent += n;
  }
  ASSERT_GT(sent, 0u);
  ASSERT_LT(sent, expected.size());
  ASSERT_FALSE(buffers.empty());

  // What was sent, then what is left, is the whole message in order.
  std::string received = pair.read_exactly(sent);
  EXPECT_TRUE(received == expected.substr(0, sent));
  std::string rest;
  for (const auto& buffer : buffers) {
    rest.append(static_cast<const char*>(buffer.data()), buffer.size());
  }
  EXPECT_EQ(rest.size(), expected.size() - sent);
  EXPECT_TRUE(rest == expected.substr(sent));

  // write_rest sends exactly that rest, waiting for the reader to make room.
  std::size_t written = sent;
  error_code rest_ec = asio::error::would_block;
  asio::co_spawn(
      pair.ioc,
      [&]() -> Task<void> { rest_ec = co_await write_rest(pair.writer, buffers, written); },
      asio::detached);
  std::thread loop([&] { pair.ioc.run(); });
  std::string tail = pair.read_exactly(expected.size() - sent);
  loop.join();
  EXPECT_FALSE(rest_ec) << rest_ec.message();
  EXPECT_EQ(written, expected.size());
  EXPECT_TRUE(buffers.empty());
  EXPECT_TRUE(tail == expected.substr(sent));
}

TEST(WriteNow, ReportsAClosedPeer) {
  Pair pair;
  pair.reader.set_option(asio::socket_base::linger(true, 0));
  pair.reader.close();  // RST: the writer's sends fail from now on
  std::string data(1024, 'x');
  error_code ec;
  for (int i = 0; i < 10 && !ec; ++i) {
    std::vector<asio::const_buffer> buffers{asio::buffer(data)};
    write_now(pair.writer, buffers, ec);
  }
  EXPECT_TRUE(ec);
}

}  // namespace
}  // namespace rampart::net
