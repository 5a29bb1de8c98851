#pragma once
// Shared by the fuzz targets: checks that stop the run (libFuzzer reports an abort as a crash,
// with the input), and Session, which drives a RequestParser or ResponseParser the way the
// connection and the proxy do and writes down all it read, so that two ways of delivering the
// same bytes can be compared.

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/system/error_code.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rampart::fuzz {

using boost::system::error_code;
namespace bhttp = boost::beast::http;

/// Ends the run: libFuzzer saves the input that got here as a crash.
[[noreturn]] inline void fail(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "\n*** fuzz check failed: %s\n%.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

inline void require(bool ok, const char* what) {
  if (!ok) {
    fail(what);
  }
}

/// A cut of [0, size] chosen by one input byte, spread evenly whatever the size.
inline std::size_t cut_at(std::uint8_t selector, std::size_t size) { return size * selector / 255; }

/// Bytes as C escapes, for transcripts a person reads when a check fails.
inline std::string escaped(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  return out;
}

inline std::string describe(const error_code& ec) {
  return ec ? std::string(ec.category().name()) + ":" + ec.message() : "ok";
}

/// A control character (other than HTAB), DEL: what must never reach a log line or a header.
inline bool has_ctl(std::string_view s, bool tab_allowed = true) {
  for (unsigned char c : s) {
    if ((c < 0x20 && !(tab_allowed && c == '\t')) || c == 0x7f) {
      return true;
    }
  }
  return false;
}

/// Drives one parser after another over a buffer that grows as bytes arrive, as
/// client_connection.cpp and proxy.cpp do: a head is passed whole from its first byte until it
/// is complete, then (eager) the body from the first unconsumed byte, so that a partial
/// chunk-size or trailer line is passed again with what follows. When a message ends and
/// `Traits::next_follows` says so, the next one starts at the first unconsumed byte
/// (pipelined requests, or the final response after an interim one).
///
/// Traits: `Message` (a head, the parser and anything it refers to), `start(Message&)`,
/// `head_done(Message&)` (eager on), `std::string read_head(Message&)` (checks the head and
/// says what it holds), `pieces(Message&)` (the decoded pieces or null),
/// `check_message(Message&, body, decoded)`, `bool next_follows(Message&)`.
template <class Traits>
class Session {
 public:
  static constexpr int kMaxMessages = 8;

  Session(std::size_t capacity, Traits traits) : traits_(std::move(traits)) {
    buffer_.reserve(capacity + 8);  // the heads' views into it must survive later arrivals
    traits_.start(message_);
  }

  void arrive(std::string_view bytes) {
    require(buffer_.size() + bytes.size() <= buffer_.capacity(), "session buffer too small");
    buffer_.append(bytes);
    while (!stopped_) {
      auto& parser = *message_.parser;
      error_code ec;
      if (!parser.is_header_done()) {
        const std::size_t offered = buffer_.size() - start_;
        const std::size_t used = parser.put(rest(start_), ec);
        require(used <= offered, "put consumed more than it was given");
        if (ec == bhttp::error::need_more) {
          require(used == 0 && !parser.is_header_done(), "need_more with a head consumed");
          return;
        }
        if (ec) {
          require(used == 0, "a head error with bytes consumed");
          return stop(ec);
        }
        require(parser.is_header_done() && used > 0, "put returned no error and no head");
        consumed_ = start_ + used;
        transcript_ += "head(" + std::to_string(used) + ") " + traits_.read_head(message_) + "\n";
        traits_.head_done(message_);
      }
      while (!parser.is_done() && consumed_ < buffer_.size()) {
        auto* pieces = traits_.pieces(message_);
        if (pieces != nullptr) {
          pieces->clear();
        }
        const std::size_t offered = buffer_.size() - consumed_;
        const std::size_t used = parser.put(rest(consumed_), ec);
        require(used <= offered, "put consumed more than it was given");
        body_.append(buffer_.data() + consumed_, used);
        if (pieces != nullptr) {
          for (auto piece : *pieces) {
            require(piece.data() >= buffer_.data() + consumed_ &&
                        piece.data() + piece.size() <= buffer_.data() + consumed_ + used,
                    "a decoded piece outside the bytes consumed");
            decoded_.append(piece);
          }
        }
        consumed_ += used;
        if (ec == bhttp::error::need_more) {
          return;
        }
        if (ec) {
          return stop(ec);
        }
        require(used > 0 || parser.is_done(), "no progress and no need_more");
      }
      if (!parser.is_done()) {
        return;
      }
      end_message();
    }
  }

  /// The peer closed. `eof(Message&, ec)` is the parser's put_eof, or null for requests.
  template <class Eof>
  void close(Eof eof) {
    if (stopped_) {
      return;
    }
    error_code ec;
    eof(message_, ec);
    if (ec) {
      return stop(ec);
    }
    require(message_.parser->is_done(), "put_eof gave no error and no end");
    end_message();
  }

  /// Everything read, in order: heads, bodies, decoded bodies, how it ended.
  std::string transcript() const {
    std::string t = transcript_;
    if (error_) {
      t += "error " + describe(error_) + " after body " + escaped(body_) + "\n";
    } else if (!stopped_) {
      t += message_.parser->is_header_done() ? "waiting in the body" : "waiting in a head";
      t += ", body so far " + escaped(body_) + " decoded " + escaped(decoded_);
    }
    return t + " | unconsumed " + std::to_string(buffer_.size() - consumed_) + "\n";
  }

  /// The messages read before the current one.
  const std::string& history() const { return transcript_; }
  /// The error that stopped the session, if one did.
  const error_code& error() const { return error_; }
  /// Stopped by an error before the current message's head was complete.
  bool failed_in_head() const { return error_ && !message_.parser->is_header_done(); }
  /// Waiting for more of the current message's head.
  bool waiting_in_head() const { return !stopped_ && !message_.parser->is_header_done(); }
  /// Where the current message starts, and its bytes so far.
  std::size_t current_start() const { return start_; }
  std::string_view current() const { return std::string_view(buffer_).substr(start_); }
  int messages() const { return messages_; }
  /// The first complete message's head and body, framing included.
  std::string_view first_message() const { return first_message_; }
  Traits& traits() { return traits_; }

 private:
  boost::asio::const_buffer rest(std::size_t from) const {
    return boost::asio::buffer(buffer_.data() + from, buffer_.size() - from);
  }

  void stop(const error_code& ec) {
    stopped_ = true;
    error_ = ec;
  }

  void end_message() {
    traits_.check_message(message_, body_, decoded_);
    transcript_ += "body " + escaped(body_) + " decoded " + escaped(decoded_) + "\n";
    if (messages_++ == 0) {
      first_message_ = std::string_view(buffer_).substr(start_, consumed_ - start_);
    }
    body_.clear();
    decoded_.clear();
    if (!traits_.next_follows(message_) || messages_ == kMaxMessages) {
      stopped_ = true;
      return;
    }
    start_ = consumed_;
    traits_.start(message_);
  }

  Traits traits_;
  typename Traits::Message message_;
  std::string buffer_;
  std::size_t start_ = 0;     // where the current message starts
  std::size_t consumed_ = 0;  // valid once its head is done
  std::string body_;
  std::string decoded_;
  std::string transcript_;
  std::string_view first_message_;
  int messages_ = 0;
  bool stopped_ = false;
  error_code error_;
};

/// The head's end is among the bytes of `head` from `from` on, within the header limit: a
/// CRLF CRLF, or a bare LF (an error, but one to answer at once). A parser parses a head in full
/// the first time it sees it, and after that only once new bytes bring its end
/// (MessageParser::head_may_be_complete): it does not look again at bytes it was given before.
inline bool head_end_present(std::string_view head, std::size_t from, std::size_t header_limit) {
  head = head.substr(0, header_limit);
  for (std::size_t i = from; i < head.size(); ++i) {
    if (head[i] != '\n') {
      continue;
    }
    const bool bare = i == 0 || head[i - 1] != '\r';
    const bool blank_line = i >= 3 && head.substr(i - 3, 4) == "\r\n\r\n";
    if (bare || blank_line) {
      return true;
    }
  }
  return false;
}

/// Feeds `input` whole to one session and in two arrivals cut at `cut` to another, and stops
/// the run unless both read the same. One difference is allowed, by design: an error in a head
/// whose end has not arrived, found at once when its bytes come in one piece, may be found
/// only once the head's end comes (or as header_limit, when the limit comes first) when the
/// error was in the first piece's bytes and the second piece brings no end
/// (head_end_present). The head's end then must bring the same error.
template <class Traits, class Finish>
void compare_whole_and_split(std::string_view input, std::size_t cut, const Traits& traits,
                             std::uint32_t header_limit, Finish finish) {
  Session<Traits> whole(input.size(), traits);
  whole.arrive(input);
  Session<Traits> split(input.size() + 4, traits);
  split.arrive(input.substr(0, cut));
  split.arrive(input.substr(cut));
  const std::size_t start = split.current_start();
  const std::size_t from = cut > start ? cut - start : 0;
  if (whole.failed_in_head() && (split.waiting_in_head() || split.failed_in_head()) &&
      !head_end_present(split.current(), from, header_limit)) {
    if (split.waiting_in_head()) {
      split.arrive("\r\n\r\n");
    }
    finish(split);
    const bool same =
        whole.history() == split.history() &&
        (split.error() == whole.error() || split.error() == bhttp::error::header_limit);
    if (!same) {
      fail("an incomplete head's error differs once its end is there",
           "whole:\n" + whole.transcript() + "split at " + std::to_string(cut) + ":\n" +
               split.transcript());
    }
    return;
  }
  finish(whole);
  finish(split);
  if (whole.transcript() != split.transcript()) {
    fail("whole and split inputs read differently", "whole:\n" + whole.transcript() + "split at " +
                                                        std::to_string(cut) + ":\n" +
                                                        split.transcript());
  }
}

}  // namespace rampart::fuzz
