#pragma once
// Writing without a trip through the event loop. Most writes fit the socket's send buffer at
// once; sending them straight from the coroutine saves posting a completion and resuming
// (about 500 instructions per write), as nginx does. Only the rest waits for the reactor.

#include <vector>

#include "net/asio.hpp"

namespace rampart::net {

/// Drops the first `n` bytes from the front of `buffers`.
void consume_buffers(std::vector<asio::const_buffer>& buffers, std::size_t n);

/// One non-blocking send of `buffers` on a socket in non-blocking mode. What was sent is
/// dropped from the front of `buffers`, so an empty `buffers` means all of it went out.
/// would_block is not an error: nothing was sent, the caller awaits async_write for the rest.
std::size_t write_now(Socket& socket, std::vector<asio::const_buffer>& buffers, error_code& ec);

/// What write_now left: waits on the reactor until it is all written, adding the bytes to
/// `written`. A coroutine of its own, so only writes that did not fit pay for one.
Task<error_code> write_rest(Socket& socket, std::vector<asio::const_buffer>& buffers,
                            std::size_t& written);

}  // namespace rampart::net
