// BodyFraming's chunked decoding against chunked_reference.hpp, a decoder written from the
// RFC 9112 §7.1 grammar (issue 7). Input: a selector byte (where to cut), a flags byte (bit 0:
// a 64-byte body limit; bit 1: a 64-byte trailer limit), then the bytes after a head that
// said Transfer-Encoding: chunked. Checks:
// - delivered whole and in two reads cut by the selector (the unconsumed bytes passed again
//   with what follows, as the connection does), BodyFraming reads the same: the bytes
//   consumed, the decoded pieces, the error;
// - where both finish, they end the body at the same byte with the same decoded data;
// - where the reference refuses, BodyFraming does not finish: no body ends where the RFC
//   says there is none;
// - where the reference reads on, BodyFraming refuses only for a limit of its own, each
//   allowed here by name: a chunk-size line over 4 KiB (kMaxChunkLineBytes, bad_chunk), a
//   chunk size over 64 bits (bad_chunk), the body limit or chunk sizes adding up past 2^64
//   (body_limit), the trailer limit
//   (header_limit). Anything else it refuses is a finding. It may also wait for more where
//   the reference already refuses (it checks a chunk-size line's extensions only once the
//   whole line is there): that is later, not different.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "chunked_reference.hpp"
#include "fuzz_support.hpp"
#include "net/body_framing.hpp"

namespace rampart::fuzz {
namespace {

constexpr std::size_t kMaxChunkLineBytes = 4 * 1024;  // as body_framing.cpp
constexpr std::size_t kMaxTrailerBytes = 16 * 1024;   // as body_framing.cpp

struct Limits {
  std::uint64_t body = ~std::uint64_t{0};
  std::size_t trailer = 8 * 1024;  // BodyFraming's default, the head's limit
};

struct Reading {
  error_code ec;  ///< need_more while unfinished
  bool done = false;
  std::size_t consumed = 0;
  std::string decoded;

  std::string describe() const {
    return fuzz::describe(ec) + " done=" + std::to_string(done) +
           " consumed=" + std::to_string(consumed) + " decoded=" + escaped(decoded);
  }
};

/// Feeds `input` in the pieces given by `cuts` (ascending), as the connection does.
Reading read_chunked(std::string_view input, std::vector<std::size_t> cuts, const Limits& limits) {
  std::vector<std::string_view> pieces;
  net::BodyFraming framing(&pieces);
  framing.limit(limits.body);
  framing.trailer_limit(limits.trailer);
  framing.collect_decoded(true);
  framing.start_chunked();
  Reading r;
  cuts.push_back(input.size());
  for (std::size_t arrived : cuts) {
    while (!framing.done() && r.consumed < arrived) {
      pieces.clear();
      const char* first = input.data() + r.consumed;
      r.ec = {};  // parse sets it only on an error, as put() relies on
      const char* next = framing.parse(first, input.data() + arrived, r.ec);
      require(next >= first && next <= input.data() + arrived, "parse went outside its input");
      for (auto piece : pieces) {
        require(piece.data() >= first && piece.data() + piece.size() <= next,
                "a decoded piece outside the bytes consumed");
        r.decoded.append(piece);
      }
      r.consumed = next - input.data();
      if (r.ec == bhttp::error::need_more) {
        break;
      }
      if (r.ec) {
        return r;
      }
      require(next > first || framing.done(), "no progress and no need_more");
    }
  }
  r.done = framing.done();
  if (!r.done && !r.ec) {
    r.ec = bhttp::error::need_more;
  }
  return r;
}

/// A refusal BodyFraming may make where the grammar reads on: one of its own limits.
bool allowed_refusal(const error_code& ec, const ChunkedReference& ref, const Limits& limits) {
  if (ec == bhttp::error::bad_chunk) {
    return ref.longest_size_line >= kMaxChunkLineBytes || ref.size_overflow;
  }
  if (ec == bhttp::error::body_limit) {
    // No limit is above 2^64 - 1: a body whose chunks add up past it is over any limit.
    return ref.declared > limits.body || ref.declared_overflow;
  }
  if (ec == bhttp::error::header_limit) {
    return ref.trailer_bytes >= std::min(limits.trailer, kMaxTrailerBytes);
  }
  return false;
}

void compare_with_reference(std::string_view input, const Reading& got, const Limits& limits) {
  const auto ref = decode_chunked(input);
  auto report = [&](const char* what) {
    fail(what, "body_framing: " + got.describe() +
                   "\nreference: verdict=" + std::to_string(static_cast<int>(ref.verdict)) +
                   " consumed=" + std::to_string(ref.consumed) +
                   " decoded=" + escaped(ref.decoded));
  };
  using Verdict = ChunkedReference::Verdict;
  if (got.done) {
    if (ref.verdict != Verdict::complete) {
      report("BodyFraming ended a body the reference does not");
    }
    if (got.consumed != ref.consumed || got.decoded != ref.decoded) {
      report("BodyFraming and the reference read different bodies");
    }
    if (ref.declared > limits.body ||
        ref.trailer_bytes > std::min(limits.trailer, kMaxTrailerBytes)) {
      report("BodyFraming ended a body over its limits");
    }
    return;
  }
  if (got.ec == bhttp::error::need_more) {
    if (ref.verdict == Verdict::complete) {
      report("BodyFraming waits for more after the body's end");
    }
    // Decoded so far: a prefix of what the reference decodes from the same bytes.
    if (ref.decoded.compare(0, got.decoded.size(), got.decoded) != 0) {
      report("BodyFraming decoded different data so far");
    }
    return;
  }
  if (ref.verdict != Verdict::invalid && !allowed_refusal(got.ec, ref, limits)) {
    report("BodyFraming refused a body the grammar allows");
  }
}

}  // namespace
}  // namespace rampart::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rampart::fuzz;
  if (size < 2) {
    return 0;
  }
  const std::string_view input(reinterpret_cast<const char*>(data) + 2, size - 2);
  Limits limits;
  if ((data[1] & 1) != 0) {
    limits.body = 64;
  }
  if ((data[1] & 2) != 0) {
    limits.trailer = 64;
  }
  const Reading whole = read_chunked(input, {}, limits);
  const std::size_t cut = cut_at(data[0], input.size());
  const Reading split = read_chunked(input, {cut}, limits);
  if (whole.describe() != split.describe()) {
    fail("whole and split inputs read differently", "whole: " + whole.describe() + "\nsplit at " +
                                                        std::to_string(cut) + ": " +
                                                        split.describe());
  }
  compare_with_reference(input, whole, limits);
  return 0;
}
