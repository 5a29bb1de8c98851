#include "net/write_now.hpp"

#include <algorithm>

namespace rampart::net {

std::size_t write_now(Socket& socket, std::vector<asio::const_buffer>& buffers, error_code& ec) {
  std::size_t sent = socket.write_some(buffer_span(buffers), ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again) {
    ec = {};
  }
  consume_buffers(buffers, sent);
  return sent;
}

void consume_buffers(std::vector<asio::const_buffer>& buffers, std::size_t n) {
  std::size_t done = 0;
  if (buffers.size() <= 2 && n == asio::buffer_size(buffer_span(buffers))) {
    buffers.clear();  // the usual write: a head, perhaps a body, all sent
    return;
  }
  while (done < buffers.size() && n >= buffers[done].size()) {
    n -= buffers[done].size();
    ++done;
  }
  if (done < buffers.size() && n > 0) {
    buffers[done] += n;
  }
  buffers.erase(buffers.begin(), buffers.begin() + static_cast<std::ptrdiff_t>(done));
}

Task<error_code> write_rest(Socket& socket, std::vector<asio::const_buffer>& buffers,
                            std::size_t& written) {
  auto [ec, n] = co_await asio::async_write(socket, buffer_span(buffers), use_tuple);
  written += n;
  buffers.clear();
  co_return ec;
}

}  // namespace rampart::net
