// RequestParser on arbitrary bytes (issue 7). Input: a selector byte (where to cut), a flags
// byte (bit 0: a 512-byte header limit instead of 16 KiB), then the bytes a client sends.
// Checks:
// - delivered whole and in two reads cut by the selector, the requests read are the same
//   (heads, body bytes consumed, the error, the bytes left), pipelined requests included;
// - each head is well formed: a token method, a target without CTL/SP/DEL, field values
//   without CR/LF/NUL, one Host (HTTP/1.1), Connection naming no framing field, and framing
//   that says one thing (Content-Length or chunked, has_body);
// - a chunked body consumed is exactly a body the RFC 9112 reference decoder accepts;
// - where Beast's request parser also reads the first request, it frames it the same.

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "chunked_reference.hpp"
#include "fuzz_support.hpp"
#include "http/exchange.hpp"
#include "net/http1_syntax.hpp"
#include "net/request_parser.hpp"

namespace rampart::fuzz {
namespace {

using bhttp::field;

struct RequestTraits {
  struct Message {
    http::RequestHead head;
    std::optional<net::RequestParser> parser;
  };

  std::uint32_t header_limit;

  void start(Message& m) const {
    m.parser.reset();
    m.head = http::RequestHead{};
    m.parser.emplace(m.head);
    m.parser->header_limit(header_limit);
    m.parser->body_limit(boost::none);  // as the connection: the proxy streams
  }
  void head_done(Message& m) const { m.parser->eager(true); }
  std::vector<std::string_view>* pieces(Message&) const { return nullptr; }
  bool next_follows(Message&) const { return true; }

  std::string read_head(Message& m) const {
    const auto& head = m.head;
    const auto& parser = *m.parser;
    require(net::http1::is_token(head.method), "method is not a token");
    require(head.verb == bhttp::string_to_verb(head.method), "verb does not match the method");
    require(!head.target.empty() && !has_ctl(head.target, false) &&
                head.target.find(' ') == std::string_view::npos,
            "target holds CTL, SP or DEL");
    require(head.target.size() <= net::kMaxUriBytes, "target over kMaxUriBytes");
    require(head.path == head.target.substr(0, head.target.find('?')), "path is not the target's");
    require(head.version == 10 || head.version == 11, "version neither 1.0 nor 1.1");
    std::string out =
        head.method + " " + escaped(head.target) + " " + std::to_string(head.version) + " [";
    bool has_te = false;
    bool has_cl = false;
    int hosts = 0;
    for (const auto& f : head.headers.fields()) {
      require(net::http1::is_token(f.name), "field name is not a token");
      require(f.id == net::http1::field_id(f.name), "field id does not match its name");
      require(!has_ctl(f.value), "field value holds CTL or DEL");
      require(f.value.empty() ||
                  (!net::http1::is_ows(f.value.front()) && !net::http1::is_ows(f.value.back())),
              "field value not trimmed");
      has_te = has_te || f.id == field::transfer_encoding;
      has_cl = has_cl || f.id == field::content_length;
      hosts += f.id == field::host ? 1 : 0;
      if (f.id == field::connection || f.id == field::proxy_connection) {
        net::http1::for_each_element(f.value, [](std::string_view option) {
          require(!net::http1::iequals(option, "content-length") &&
                      !net::http1::iequals(option, "transfer-encoding"),
                  "Connection names a framing field");
          return true;
        });
      }
      out += escaped(f.name) + ":" + escaped(f.value) + ",";
    }
    // RFC 9112 §3.2: exactly one Host in HTTP/1.1, at most one in 1.0.
    require(hosts == 1 || (hosts == 0 && head.version == 10), "Host missing or repeated");
    require(head.chunked == parser.chunked(), "head and parser disagree on chunked");
    require(head.content_length == (parser.content_length()
                                        ? std::optional<std::uint64_t>(*parser.content_length())
                                        : std::nullopt),
            "head and parser disagree on Content-Length");
    require(!(head.chunked && head.content_length), "both chunked and Content-Length");
    require(head.chunked == has_te, "Transfer-Encoding without chunked, or chunked without it");
    require(head.content_length.has_value() == has_cl, "Content-Length field not in framing");
    require(head.has_body == (head.chunked || head.content_length.value_or(0) > 0),
            "has_body does not follow from the framing");
    require(head.has_body || parser.is_done(), "a request without a body is not done");
    out += "] body=" + std::to_string(head.has_body) +
           " cl=" + std::to_string(head.content_length.value_or(~0ull)) +
           " chunked=" + std::to_string(head.chunked) +
           " keep_alive=" + std::to_string(parser.keep_alive()) +
           " continue=" + std::to_string(parser.expects_continue());
    return out;
  }

  void check_message(Message& m, std::string_view body, std::string_view) const {
    if (m.head.content_length) {
      require(body.size() == *m.head.content_length, "body is not Content-Length long");
    } else if (m.head.chunked) {
      auto ref = decode_chunked(body);
      if (ref.verdict != ChunkedReference::Verdict::complete || ref.consumed != body.size()) {
        fail("a chunked body the reference does not read as one whole body", escaped(body));
      }
    } else {
      require(body.empty(), "a body without framing");
    }
  }
};

/// Beast's reading of the first request, or nothing when it refuses it or wants more.
struct BeastRead {
  std::size_t used = 0;
  std::string method;
  std::string target;
  unsigned version = 0;
  bool chunked = false;
  boost::optional<std::uint64_t> content_length;
  std::string body;  ///< decoded
};

std::optional<BeastRead> read_with_beast(std::string_view text) {
  bhttp::request_parser<bhttp::string_body> parser;
  parser.eager(true);
  parser.header_limit(1 << 20);
  parser.body_limit(boost::none);
  BeastRead r;
  error_code ec;
  while (r.used < text.size() && !parser.is_done() && !ec) {
    r.used += parser.put(boost::asio::buffer(text.data() + r.used, text.size() - r.used), ec);
  }
  if (ec || !parser.is_done()) {
    return std::nullopt;
  }
  const auto& message = parser.get();
  r.method = message.method_string();
  r.target = message.target();
  r.version = message.version();
  r.chunked = parser.chunked();
  r.content_length = parser.content_length();
  r.body = message.body();
  return r;
}

/// Where both read the first request, they frame it the same: a smuggling gap otherwise.
void compare_with_beast(std::string_view input, std::string_view first, const RequestTraits&) {
  auto beast = read_with_beast(input);
  if (!beast) {
    return;  // rampart is stricter on purpose (request_parser_beast_test.cpp lists how)
  }
  http::RequestHead head;
  net::RequestParser parser(head);
  parser.header_limit(1 << 20);
  parser.body_limit(boost::none);
  error_code ec;
  const std::size_t head_bytes = parser.put(boost::asio::buffer(first.data(), first.size()), ec);
  require(!ec && parser.is_header_done(), "the first request no longer parses alone");
  std::string expected_body(first.substr(head_bytes));
  if (parser.chunked()) {
    expected_body = decode_chunked(expected_body).decoded;
  }
  const bool same =
      beast->used == first.size() && beast->method == head.method && beast->target == head.target &&
      static_cast<int>(beast->version) == head.version && beast->chunked == parser.chunked() &&
      beast->content_length == parser.content_length() && beast->body == expected_body;
  if (!same) {
    fail("Beast frames the first request differently",
         "rampart: " + std::to_string(first.size()) + " bytes, " + escaped(head.method) + " " +
             escaped(head.target) + " body " + escaped(expected_body) +
             "\nbeast: " + std::to_string(beast->used) + " bytes, " + escaped(beast->method) + " " +
             escaped(beast->target) + " body " + escaped(beast->body));
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
  const std::uint32_t header_limit = (data[1] & 1) != 0 ? 512 : 16 * 1024;
  const RequestTraits traits{header_limit};
  compare_whole_and_split(input, cut_at(data[0], input.size()), traits, header_limit,
                          [](Session<RequestTraits>&) {});

  Session<RequestTraits> whole(input.size(), traits);
  whole.arrive(input);
  if (whole.messages() > 0) {
    compare_with_beast(input, whole.first_message(), traits);
  }
  return 0;
}
