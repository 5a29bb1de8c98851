#pragma once
// The Asio types rampart uses everywhere: the concrete io_context executor (the type-erased
// any_io_executor costs ~9% on the request path) and error-code-returning awaitables.

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <span>
#include <vector>

namespace rampart::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using Executor = asio::io_context::executor_type;
using Socket = asio::basic_stream_socket<tcp, Executor>;
using Acceptor = asio::basic_socket_acceptor<tcp, Executor>;
using Timer = asio::basic_waitable_timer<std::chrono::steady_clock,
                                         asio::wait_traits<std::chrono::steady_clock>, Executor>;
template <typename T>
using Task = asio::awaitable<T, Executor>;

/// Completion token: `auto [ec, n] = co_await op(..., use_tuple);` never throws. Deferred
/// operations are awaited directly by the coroutine, without a coroutine frame of their own
/// (use_awaitable would allocate one per operation).
constexpr auto use_tuple = asio::as_tuple(asio::deferred);

/// A gather list as a buffer sequence that is cheap to copy: async_write keeps a copy of its
/// buffer sequence, and a std::vector would be copied (allocated) twice per write.
inline std::span<const asio::const_buffer> buffer_span(
    const std::vector<asio::const_buffer>& buffers) {
  return {buffers.data(), buffers.size()};
}

}  // namespace rampart::net
