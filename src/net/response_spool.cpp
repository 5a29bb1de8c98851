#include "net/response_spool.hpp"

#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <utility>

#include "net/write_now.hpp"

namespace rampart::net {

namespace {

/// A response's gather list is at most five buffers (head, chunk size, body, CRLF, last
/// chunk); a longer list is written in several calls.
constexpr std::size_t kMaxIovecs = 16;
/// sendfile() moves at most 0x7ffff000 bytes per call anyway.
constexpr std::uint64_t kMaxSendfileBytes = 1 << 30;

error_code last_error() { return {errno, boost::system::system_category()}; }

}  // namespace

const std::string& ResponseSpool::default_dir() {
  static const std::string dir = [] {
    const char* tmpdir = std::getenv("TMPDIR");
    return std::string(tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp");
  }();
  return dir;
}

std::optional<ResponseSpool> ResponseSpool::create(const std::string& dir, error_code& ec) {
  ec = {};
  int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) {
    return ResponseSpool(fd);
  }
  // No O_TMPFILE on this filesystem (EOPNOTSUPP) or kernel (EISDIR): a named file, unlinked
  // at once, so nothing is left behind even if rampart is killed.
  std::string path = dir + "/rampart-spool-XXXXXX";
  fd = ::mkostemp(path.data(), O_CLOEXEC);
  if (fd < 0) {
    ec = last_error();
    return std::nullopt;
  }
  if (::unlink(path.c_str()) != 0) {
    ec = last_error();
    ::close(fd);
    return std::nullopt;
  }
  return ResponseSpool(fd);
}

ResponseSpool::ResponseSpool(ResponseSpool&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), size_(other.size_), sent_(other.sent_) {}

ResponseSpool& ResponseSpool::operator=(ResponseSpool&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) {
      ::close(fd_);
    }
    fd_ = std::exchange(other.fd_, -1);
    size_ = other.size_;
    sent_ = other.sent_;
  }
  return *this;
}

ResponseSpool::~ResponseSpool() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

error_code ResponseSpool::append(std::vector<asio::const_buffer>& buffers) {
  std::array<iovec, kMaxIovecs> iov;
  while (!buffers.empty()) {
    const std::size_t count = std::min(buffers.size(), iov.size());
    std::size_t bytes = 0;
    for (std::size_t i = 0; i < count; ++i) {
      iov[i] = {const_cast<void*>(buffers[i].data()), buffers[i].size()};
      bytes += buffers[i].size();
    }
    ssize_t n = ::writev(fd_, iov.data(), static_cast<int>(count));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return last_error();
    }
    if (n == 0 && bytes > 0) {
      return {ENOSPC, boost::system::system_category()};  // no progress: never loop forever
    }
    size_ += static_cast<std::uint64_t>(n);
    consume_buffers(buffers, static_cast<std::size_t>(n));
  }
  return {};
}

std::size_t ResponseSpool::send_to(int socket_fd, error_code& ec) {
  ec = {};
  std::size_t total = 0;
  while (sent_ < size_) {
    auto offset = static_cast<off_t>(sent_);
    const auto want = static_cast<std::size_t>(std::min(size_ - sent_, kMaxSendfileBytes));
    ssize_t n = ::sendfile(socket_fd, fd_, &offset, want);
    if (n > 0) {
      sent_ += static_cast<std::uint64_t>(n);
      total += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      ec = make_error_code(asio::error::would_block);
    } else {
      // 0 means the file ended before `size_`: it was truncated behind our back.
      ec = n < 0 ? last_error() : make_error_code(asio::error::eof);
    }
    break;
  }
  return total;
}

}  // namespace rampart::net
