#pragma once
// A response's overflow on disk, as nginx's proxy_buffering temp file: when a client reads
// slower than the upstream sends, what the client has not taken goes to an unlinked file, so
// the upstream connection (and its max_connections slot) is free as soon as the upstream has
// sent the whole response, and the client is fed from the file with sendfile() at its pace.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "net/asio.hpp"

namespace rampart::net {

/// An anonymous temp file one response is appended to and sent from, in order. It never has
/// a name anyone else can open, and disappears when it is closed (destructor) or the process
/// dies.
class ResponseSpool {
 public:
  /// $TMPDIR, or /tmp when it is unset or empty; read once per process.
  static const std::string& default_dir();

  /// An empty spool in `dir`: open(O_TMPFILE), or mkostemp + unlink where the filesystem has
  /// no O_TMPFILE. nullopt and `ec` set when neither works.
  static std::optional<ResponseSpool> create(const std::string& dir, error_code& ec);

  ResponseSpool(ResponseSpool&& other) noexcept;
  ResponseSpool& operator=(ResponseSpool&& other) noexcept;
  ResponseSpool(const ResponseSpool&) = delete;
  ResponseSpool& operator=(const ResponseSpool&) = delete;
  ~ResponseSpool();

  /// Writes all of `buffers` at the end of the file (writev, looping on partial writes). What
  /// was written is dropped from the front of `buffers`: on an error (ENOSPC, EFBIG...) they
  /// hold exactly what is not in the file, so the caller can send it some other way.
  error_code append(std::vector<asio::const_buffer>& buffers);

  /// Sends pending bytes to the non-blocking socket `socket_fd` with sendfile() until all of
  /// them went or the socket is full; returns how many went. `ec` is would_block when the
  /// socket is full, empty when nothing is pending any more, else the socket's (or the
  /// file's) error.
  std::size_t send_to(int socket_fd, error_code& ec);

  /// Bytes appended so far: what the response put in the file.
  std::uint64_t size() const { return size_; }
  /// Bytes appended but not sent yet.
  std::uint64_t pending() const { return size_ - sent_; }

 private:
  explicit ResponseSpool(int fd) : fd_(fd) {}

  int fd_ = -1;
  std::uint64_t size_ = 0;
  std::uint64_t sent_ = 0;  ///< the read offset: sendfile() starts here
};

}  // namespace rampart::net
