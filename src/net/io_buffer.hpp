#pragma once
// A flat byte buffer a connection reads into; storage comes from the worker's BufferPool and
// goes back to it while the connection is idle, so 10,000 idle keep-alive connections hold
// no buffer at all.

#include <sys/mman.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <new>
#include <string_view>
#include <vector>

namespace rampart::net {

class BufferPool;

/// Buffer storage straight from mmap: freed storage goes back to the OS at once instead of
/// fragmenting the heap after a burst of connections. The usable part starts `offset` bytes
/// into the mapping (see BufferPool::attach).
struct MappedDeleter {
  std::size_t size = 0;
  std::size_t offset = 0;
  void operator()(char* p) const { ::munmap(p - offset, size); }
};
using BufferStorage = std::unique_ptr<char, MappedDeleter>;

class IoBuffer {
 public:
  bool attached() const { return data_ != nullptr; }
  std::size_t size() const { return end_ - begin_; }
  bool empty() const { return begin_ == end_; }
  const char* data() const { return data_.get() + begin_; }
  char* mutable_data() { return data_.get() + begin_; }
  std::string_view view() const { return {data(), size()}; }
  char* write_ptr() { return data_.get() + end_; }
  std::size_t writable() const { return capacity_ - end_; }
  std::size_t capacity() const { return capacity_; }
  void commit(std::size_t n) { end_ += n; }
  void consume(std::size_t n) {
    begin_ += n;
    if (begin_ == end_) {
      begin_ = end_ = 0;
    }
  }
  /// Moves unread bytes to the front. Invalidates views into the buffer.
  void compact() {
    if (begin_ > 0) {
      std::memmove(data_.get(), data_.get() + begin_, size());
      end_ -= begin_;
      begin_ = 0;
    }
  }

 private:
  friend class BufferPool;
  BufferStorage data_;
  std::size_t capacity_ = 0;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
};

/// Per-worker free list of equally sized buffers. Single-threaded.
class BufferPool {
 public:
  explicit BufferPool(std::size_t buffer_size) : buffer_size_(buffer_size) {}

  std::size_t buffer_size() const { return buffer_size_; }
  void attach(IoBuffer& buffer) {
    if (buffer.attached()) {
      return;
    }
    peak_in_use_ = std::max(peak_in_use_, ++in_use_);
    if (free_.empty()) {
      // Mappings are page-aligned and sized in whole pages, so every buffer's first bytes -
      // the only ones a small request touches - would fall in the same few cache sets and
      // evict each other. Each buffer starts a different number of cache lines in instead.
      const std::size_t offset = (next_color_++ % kColors) * kCacheLine;
      const std::size_t mapped = buffer_size_ + kColors * kCacheLine;
      void* p = ::mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p == MAP_FAILED) {
        throw std::bad_alloc();
      }
      buffer.data_ = BufferStorage(static_cast<char*>(p) + offset, MappedDeleter{mapped, offset});
    } else {
      buffer.data_ = std::move(free_.back());
      free_.pop_back();
    }
    buffer.capacity_ = buffer_size_;
    buffer.begin_ = buffer.end_ = 0;
  }
  /// Returns the storage; only call when the buffer holds nothing worth keeping.
  void detach(IoBuffer& buffer) {
    if (!buffer.attached()) {
      return;
    }
    --in_use_;
    if (free_.size() < kMaxFree) {
      free_.push_back(std::move(buffer.data_));
    }
    buffer.data_.reset();
    buffer.capacity_ = buffer.begin_ = buffer.end_ = 0;
  }

  /// Called about once a second: keep as many free buffers as were in use at the peak of the
  /// last period (a steady load never maps and unmaps), give the rest back to the OS.
  void trim() {
    std::size_t keep = std::max<std::size_t>(kMinFree, peak_in_use_);
    if (free_.size() > keep) {
      free_.resize(keep);
    }
    peak_in_use_ = in_use_;
  }

 private:
  static constexpr std::size_t kMaxFree = 256;
  static constexpr std::size_t kCacheLine = 64;
  static constexpr std::size_t kColors = 256;  ///< start offsets spread over 16 KiB
  std::size_t next_color_ = 0;
  static constexpr std::size_t kMinFree = 8;
  std::size_t in_use_ = 0;
  std::size_t peak_in_use_ = 0;
  std::size_t buffer_size_;
  std::vector<BufferStorage> free_;
};

}  // namespace rampart::net
