#include "net/upstream_pool.hpp"

#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace rampart::net {

bool UpstreamPool::is_quiet(Socket& socket) {
  if (!socket.is_open()) {
    return false;
  }
  // The raw system call: glibc's recv() is a cancellation point and wraps the call in two
  // more function calls, on every reuse of a pooled connection.
  char byte;
  auto n = ::syscall(SYS_recvfrom, socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT,
                     nullptr, nullptr);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

void UpstreamPool::watch(UpstreamConnection& c) {
  c.watched_ = true;
  c.socket.async_wait(
      tcp::socket::wait_read, [pool = weak_from_this(), connection = &c,
                               generation = c.idle_generation_](const error_code& ec) {
        auto self = pool.lock();
        if (ec || !self) {
          return;  // cancelled by acquire(), or the connection or the pool is gone
        }
        auto& idle = self->idle_;
        auto it = std::find_if(idle.begin(), idle.end(),
                               [&](const auto& c) { return c.get() == connection; });
        if (it != idle.end() && (*it)->idle_generation_ == generation) {
          idle.erase(it);  // stray bytes or a close from the upstream: closes our side too
        }
      });
}

}  // namespace rampart::net
