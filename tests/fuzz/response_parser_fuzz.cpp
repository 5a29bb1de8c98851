// ResponseParser on arbitrary bytes (issue 7). Input: a selector byte (where to cut), a flags
// byte (bit 0: the request was HEAD, skip(); bit 1: collect the decoded body, as for an
// HTTP/1.0 client; bit 2: a 512-byte header limit instead of 64 KiB), then what an upstream
// sends; then it closes (put_eof). Checks:
// - delivered whole and in two reads cut by the selector, the responses read are the same
//   (interim 1xx responses and the final one, body bytes, decoded bytes, the error);
// - each head is well formed and its framing says one thing;
// - a body consumed is what the framing says: Content-Length bytes, a chunked body the RFC
//   9112 reference decoder reads whole (and the decoded pieces are what it decodes);
// - where Beast's response parser also reads the first response, it frames it the same.

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "chunked_reference.hpp"
#include "fuzz_support.hpp"
#include "http/exchange.hpp"
#include "net/http1_syntax.hpp"
#include "net/response_parser.hpp"

namespace rampart::fuzz {
namespace {

using bhttp::field;

struct ResponseTraits {
  struct Message {
    http::ResponseHead head;
    std::vector<std::string_view> pieces;
    std::optional<net::ResponseParser> parser;
  };

  bool head_request;
  bool collect;
  std::uint32_t header_limit;

  void start(Message& m) const {
    m.parser.reset();
    m.head = http::ResponseHead{};
    m.parser.emplace(m.head, m.pieces);
    m.parser->header_limit(header_limit);
    m.parser->body_limit(boost::none);  // as the proxy: it streams
    m.parser->skip(head_request);
  }
  void head_done(Message& m) const {
    m.parser->eager(true);
    m.parser->collect_decoded(collect);
  }
  std::vector<std::string_view>* pieces(Message& m) const { return &m.pieces; }
  /// The proxy skips interim responses (not 101) and reads the final one after them.
  bool next_follows(Message& m) const {
    return m.head.status >= 100 && m.head.status < 200 && m.head.status != 101;
  }

  static bool no_body(int status, bool head_request) {
    return head_request || status / 100 == 1 || status == 204 || status == 304;
  }

  std::string read_head(Message& m) const {
    const auto& head = m.head;
    const auto& parser = *m.parser;
    require(head.status >= 100 && head.status <= 999, "status outside 100-999");
    require(!has_ctl(head.reason), "reason holds CTL or DEL");
    std::string out = std::to_string(parser.version()) + " " + std::to_string(head.status) + " " +
                      escaped(head.reason) + " [";
    for (const auto& f : head.headers.fields()) {
      require(net::http1::is_token(f.name), "field name is not a token");
      require(!has_ctl(f.value), "field value holds CTL or DEL");
      out += escaped(f.name) + ":" + escaped(f.value) + ",";
    }
    const bool none = no_body(head.status, head_request);
    require(!(parser.chunked() && parser.content_length()), "both chunked and Content-Length");
    require(!none || parser.is_done(), "a response without a body is not done");
    require(
        parser.need_eof() == (!none && !parser.chunked() && !parser.content_length().has_value()),
        "need_eof does not follow from the framing");
    require(!parser.need_eof() || !parser.keep_alive(), "keep-alive on a close-delimited body");
    out += "] cl=" + std::to_string(parser.content_length().value_or(~0ull)) +
           " chunked=" + std::to_string(parser.chunked()) +
           " eof=" + std::to_string(parser.need_eof()) +
           " keep_alive=" + std::to_string(parser.keep_alive());
    return out;
  }

  void check_message(Message& m, std::string_view body, std::string_view decoded) const {
    const auto& parser = *m.parser;
    if (no_body(m.head.status, head_request)) {
      require(body.empty(), "a body on a response that has none");
    } else if (parser.content_length()) {
      require(body.size() == *parser.content_length(), "body is not Content-Length long");
    } else if (parser.chunked()) {
      auto ref = decode_chunked(body);
      if (ref.verdict != ChunkedReference::Verdict::complete || ref.consumed != body.size()) {
        fail("a chunked body the reference does not read as one whole body", escaped(body));
      }
      require(!collect || decoded == ref.decoded, "decoded pieces differ from the reference");
      return;
    }
    require(!collect || decoded == body, "decoded pieces differ from the body");
  }
};

void put_eof(ResponseTraits::Message& m, error_code& ec) { m.parser->put_eof(ec); }

struct BeastRead {
  std::size_t used = 0;
  unsigned status = 0;
  unsigned version = 0;
  bool chunked = false;
  boost::optional<std::uint64_t> content_length;
  std::string body;  ///< decoded
};

/// Beast's reading of the first response (closed after the input), or nothing.
std::optional<BeastRead> read_with_beast(std::string_view text, bool head_request) {
  bhttp::response_parser<bhttp::string_body> parser;
  parser.eager(true);
  parser.skip(head_request);
  parser.header_limit(1 << 20);
  parser.body_limit(boost::none);
  BeastRead r;
  error_code ec;
  while (r.used < text.size() && !parser.is_done() && !ec) {
    r.used += parser.put(boost::asio::buffer(text.data() + r.used, text.size() - r.used), ec);
  }
  if (!ec && !parser.is_done() && parser.is_header_done()) {
    parser.put_eof(ec);
  }
  if (ec || !parser.is_done()) {
    return std::nullopt;
  }
  const auto& message = parser.get();
  r.status = message.result_int();
  r.version = message.version();
  r.chunked = parser.chunked();
  r.content_length = parser.content_length();
  r.body = message.body();
  return r;
}

/// Where both read the first response, they frame it the same: otherwise a desynchronized
/// upstream connection.
void compare_with_beast(std::string_view input, std::string_view first, bool head_request) {
  auto beast = read_with_beast(input, head_request);
  if (!beast) {
    return;  // rampart is stricter on purpose (response_parser_beast_test.cpp lists how)
  }
  http::ResponseHead head;
  std::vector<std::string_view> pieces;
  net::ResponseParser parser(head, pieces);
  parser.header_limit(1 << 20);
  parser.body_limit(boost::none);
  parser.skip(head_request);
  error_code ec;
  const std::size_t head_bytes = parser.put(boost::asio::buffer(first.data(), first.size()), ec);
  require(!ec && parser.is_header_done(), "the first response no longer parses alone");
  std::string expected_body(first.substr(head_bytes));
  if (parser.chunked() && !ResponseTraits::no_body(head.status, head_request)) {
    expected_body = decode_chunked(expected_body).decoded;
  }
  const bool same = beast->used == first.size() && static_cast<int>(beast->status) == head.status &&
                    static_cast<int>(beast->version) == parser.version() &&
                    beast->body == expected_body;
  if (!same) {
    fail("Beast frames the first response differently",
         "rampart: " + std::to_string(first.size()) + " bytes, status " +
             std::to_string(head.status) + " body " + escaped(expected_body) +
             "\nbeast: " + std::to_string(beast->used) + " bytes, status " +
             std::to_string(beast->status) + " body " + escaped(beast->body));
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
  const bool head_request = (data[1] & 1) != 0;
  const std::uint32_t header_limit = (data[1] & 4) != 0 ? 512 : 64 * 1024;
  const ResponseTraits traits{head_request, (data[1] & 2) != 0, header_limit};
  auto close = [](Session<ResponseTraits>& session) { session.close(put_eof); };
  compare_whole_and_split(input, cut_at(data[0], input.size()), traits, header_limit, close);

  Session<ResponseTraits> whole(input.size(), traits);
  whole.arrive(input);
  close(whole);
  if (whole.messages() > 0) {
    compare_with_beast(input, whole.first_message(), head_request);
  }
  return 0;
}
