#!/usr/bin/env python3
"""Writes the seed corpora of tests/fuzz/corpus/<target>/ (issue 7).

The seeds are committed; this script says where each came from and makes them again
(`python3 tests/fuzz/make_corpus.py`). Request, response and chunked seeds start with the two
bytes each target reads first: a selector (where the split run cuts) and flags (see the
target's comment). Inputs a run stopped on are added by hand and kept when this script runs
again: crash-<name> for findings, tolerated-<name> for a
difference the harness allows by design (fuzz_support.hpp, compare_whole_and_split).
"""

import pathlib

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CORPUS = HERE / "corpus"


def write(target, name, data, selector=0x80, flags=0):
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    if target != "config_loader":
        data = bytes([selector, flags]) + data
    (folder / name).write_bytes(data)


CHUNKED_BODIES = {
    "simple": b"5\r\nhello\r\n0\r\n\r\n",
    "two_chunks": b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
    "extensions": b'A;name=value;q="a \\"quoted\\" ; string"\r\n0123456789\r\n001 ; x\r\n!\r\n'
    b"0\r\n\r\n",
    "ext_bws": b"3 ; a = b ;c\r\nabc\r\n0;z\r\n\r\n",
    "trailers": b"1\r\nx\r\n0\r\nExpires: never\r\nX-Checksum: abc\r\n\r\n",
    "upper_hex": b"1A\r\n" + b"z" * 26 + b"\r\n0\r\n\r\n",
    "leading_zeros": b"0000000000000000003\r\nabc\r\n000\r\n\r\n",
    "empty": b"0\r\n\r\n",
    "bare_lf_size": b"5\nhello\r\n0\r\n\r\n",
    "bare_lf_data": b"5\r\nhello\n0\r\n\r\n",
    "bare_cr": b"5\rhello\r\n0\r\n\r\n",
    "size_overflow": b"10000000000000000\r\n",
    "size_max": b"FFFFFFFFFFFFFFFF\r\nabc",
    "negative": b"-1\r\n\r\n",
    "hex_prefix": b"0x5\r\nhello\r\n0\r\n\r\n",
    "trailing_ws": b"5 \r\nhello\r\n0\r\n\r\n",
    "data_too_long": b"1\r\nxy\r\n0\r\n\r\n",
    "obs_fold_trailer": b"0\r\nX-A: b\r\n c\r\n\r\n",
    "framing_trailer": b"0\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
    "quoted_ctl": b'1;a="\x01"\r\nx\r\n0\r\n\r\n',
    "nul_in_ext": b"1;a\x00\r\nx\r\n0\r\n\r\n",
    "long_ext": b"1;" + b"a" * 4100 + b"\r\nx\r\n0\r\n\r\n",
    "pipelined_after": b"0\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
}

REQUESTS = {
    "get": b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n",
    "get_10": b"GET /index.html HTTP/1.0\r\n\r\n",
    "browser": b"GET /api/v1/users/42?expand=teams HTTP/1.1\r\nHost: api.example.com\r\n"
    b"User-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\nAccept: application/json\r\n"
    b"Accept-Encoding: gzip, deflate, br\r\nCookie: a=1; b=2\r\nConnection: keep-alive\r\n\r\n",
    "post_cl": b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    b'Content-Length: 11\r\n\r\n{"ok":true}',
    "post_chunked": b"POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    + CHUNKED_BODIES["extensions"],
    "post_chunked_trailers": b"POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
    + CHUNKED_BODIES["trailers"],
    "pipelined": b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /b HTTP/1.1\r\nHost: x\r\n"
    b"Content-Length: 3\r\n\r\nabcGET /c HTTP/1.1\r\nHost: x\r\n\r\n",
    "pipelined_chunked": b"POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"0\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n",
    "expect_continue": b"PUT /u HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
    b"Content-Length: 4\r\n\r\nbody",
    "options_star": b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
    "connect": b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
    "absolute_form": b"GET http://example.com/a?b HTTP/1.1\r\nHost: example.com\r\n\r\n",
    "ipv6_host": b"GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n",
    "obs_text": b"PATCH /\xc3\xa9\xff HTTP/1.1\r\nHost: x\r\nX-V: \xff\xfe \x80\r\n"
    b"Content-Length: 1\r\n\r\nx",
    "cl_repeat_same": b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 3\r\n\r\nabc",
    "cl_leading_zeros": b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 003\r\n\r\nabc",
    "empty_values": b"HEAD / HTTP/1.1\r\nHost: x\r\nX-Empty:\r\nX-Tabs: \t v \t\r\n\r\n",
    # smuggling-style: each should be refused
    "cl_te": b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"0\r\n\r\n",
    "te_cl": b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n"
    b"0\r\n\r\n",
    "cl_cl": b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
    "cl_list": b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1,2\r\n\r\nab",
    "cl_plus": b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +1\r\n\r\nx",
    "cl_huge": b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n",
    "te_space_colon": b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
    "te_tab": b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\tchunked\r\n\r\n0\r\n\r\n",
    "te_case": b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: ChUnKeD\r\n\r\n0\r\n\r\n",
    "te_xchunked": b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n",
    "te_chunked_gzip": b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
    "te_twice": b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
    b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "te_params": b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked;q=1\r\n\r\n0\r\n\r\n",
    "te_obs_fold": b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n",
    "te_empty": b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: ,\r\n\r\n",
    "te_10": b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "connection_cl": b"POST / HTTP/1.1\r\nHost: x\r\nConnection: Content-Length\r\n"
    b"Content-Length: 5\r\n\r\nhello",
    "connection_te": b"POST / HTTP/1.1\r\nHost: x\r\nConnection: close, Transfer-Encoding\r\n"
    b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "two_hosts": b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
    "no_host": b"GET / HTTP/1.1\r\n\r\n",
    "bad_host": b"GET / HTTP/1.1\r\nHost: a/b@c\r\n\r\n",
    "bare_lf": b"GET / HTTP/1.1\nHost: x\n\n",
    "bare_cr": b"GET / HTTP/1.1\rHost: x\r\n\r\n",
    "nul_value": b"GET / HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n",
    "lf_in_target": b"GET /a\nb HTTP/1.1\r\nHost: x\r\n\r\n",
    "http2_preface": b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    "http_09": b"GET /\r\n\r\n",
    "leading_crlf": b"\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
    "chunked_bad_data": b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"1\r\nxy\r\n0\r\n\r\n",
    "long_target": b"GET /" + b"a" * 8200 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
}

RESPONSES = {
    "100_then_200": b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    "103_then_200": b"HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n"
    b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
    "101": b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
    b"\x81\x05hello",
    "200_cl": b"HTTP/1.1 200 OK\r\nServer: nginx/1.24.0\r\nContent-Type: application/json\r\n"
    b"Content-Length: 5\r\nConnection: keep-alive\r\n\r\nhello",
    "200_chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    + CHUNKED_BODIES["extensions"],
    "200_chunked_trailers": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    + CHUNKED_BODIES["trailers"],
    "200_eof": b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the close",
    "200_10_eof": b"HTTP/1.0 200 OK\r\n\r\nold",
    "200_te_gzip_eof": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n\x1f\x8b",
    "204": b"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n",
    "304": b"HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\nTransfer-Encoding: chunked\r\n\r\n",
    "301": b"HTTP/1.1 301 Moved Permanently\r\nLocation: /new\r\nContent-Length: 0\r\n\r\n",
    "404": b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found",
    "500": b"HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\nContent-Length: 2\r\n\r\n:(",
    "503_retry": b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\n\r\n",
    "999": b"HTTP/1.1 999 Whatever\r\nContent-Length: 0\r\n\r\n",
    "empty_reason": b"HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n",
    "obs_text_reason": b"HTTP/1.1 200 \xc3\xa9t\xc3\xa9\r\nContent-Length: 0\r\n\r\n",
    "cl_te": b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "cl_cl": b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
    "te_chunked_gzip": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\nx",
    "obs_fold": b"HTTP/1.1 200 OK\r\nX-A: b\r\n c\r\nContent-Length: 0\r\n\r\n",
    "bare_lf": b"HTTP/1.1 200 OK\nContent-Length: 0\n\n",
    "status_000": b"HTTP/1.1 000 Zero\r\nContent-Length: 0\r\n\r\n",
    "http2": b"HTTP/2.0 200 OK\r\n\r\n",
    "short_body": b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
    "chunked_cut": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
    "keep_alive_10": b"HTTP/1.0 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 0\r\n\r\n",
}

# chunked seeds, with the limit flags: bit 0 a 64-byte body limit, bit 1 a 64-byte trailer limit
for name, body in CHUNKED_BODIES.items():
    write("chunked_body", name, body)
write("chunked_body", "over_body_limit", b"41\r\n" + b"x" * 65 + b"\r\n0\r\n\r\n", flags=1)
write("chunked_body", "over_trailer_limit", b"0\r\nX-Long: " + b"v" * 60 + b"\r\n\r\n", flags=2)
write("chunked_body", "split_in_size_line", CHUNKED_BODIES["extensions"], selector=20)

for name, text in REQUESTS.items():
    write("request_parser", name, text)
write("request_parser", "small_limit", REQUESTS["browser"], flags=1)
write("request_parser", "split_early", REQUESTS["post_chunked"], selector=30)

for name, text in RESPONSES.items():
    write("response_parser", name, text)
write("response_parser", "head_request", RESPONSES["200_cl"], flags=1)
write("response_parser", "head_chunked", RESPONSES["200_chunked"], flags=1)
write("response_parser", "decoded", RESPONSES["200_chunked_trailers"], flags=2)
write("response_parser", "small_limit", RESPONSES["200_cl"], flags=4)

# configs: the quickstart, every inline YAML document of the config tests, and some breakage
write("config_loader", "quickstart.yaml", (ROOT / "examples" / "quickstart.yaml").read_bytes())
ADMIN = b'admin:\n  api_key: "k7Qz2mXv9LpR4tYb8NcW3sHd6FgJ1aE5"\n'
UPSTREAMS = b'upstreams:\n  app:\n    url: "http://127.0.0.1:8000"\n'
ROUTES = b"routes:\n  - name: all\n    match: {path_prefix: /}\n    upstream: app\n    auth: none\n"
CONFIGS = {
    "minimal.yaml": ADMIN + UPSTREAMS + ROUTES,
    "env_var.yaml": b'admin:\n  api_key: "${RAMPART_ADMIN_KEY}"\n' + UPSTREAMS + ROUTES,
    "env_missing.yaml": b'admin:\n  api_key: "${NOT_SET_ANYWHERE}"\n' + UPSTREAMS + ROUTES,
    "env_default.yaml": b'admin:\n  api_key: "${NOT_SET:-k7Qz2mXv9LpR4tYb8NcW3sHd6FgJ1aE5}"\n'
    + UPSTREAMS + ROUTES,
    "production.yaml": b"env: production\n" + ADMIN + UPSTREAMS + ROUTES,
    "server.yaml": b'server:\n  listen: "0.0.0.0:8080"\n  workers: 2\n  header_timeout: 10s\n'
    b"  max_header_bytes: 16KiB\n  trusted_proxies: [10.0.0.0/8, \"::1/128\"]\n"
    + ADMIN + UPSTREAMS + ROUTES,
    "unknown_key.yaml": b"servr: {}\n" + ADMIN + UPSTREAMS + ROUTES,
    "bad_types.yaml": b"server:\n  workers: many\n  header_timeout: -1s\n" + ADMIN + UPSTREAMS
    + ROUTES,
    "routes_many.yaml": ADMIN + UPSTREAMS
    + b"routes:\n  - name: a\n    match: {path_prefix: /a, methods: [GET, POST]}\n"
    b"    upstream: app\n    auth: none\n  - name: b\n    match: {path_prefix: /a}\n"
    b"    upstream: nope\n    public: true\n",
    "two_documents.yaml": ADMIN + b"---\n" + UPSTREAMS,
    "anchors.yaml": b"x: &a {url: \"http://127.0.0.1:1\"}\n" + ADMIN
    + b"upstreams:\n  app: *a\n" + ROUTES,
    "flow.yaml": b'{admin: {api_key: "k7Qz2mXv9LpR4tYb8NcW3sHd6FgJ1aE5"}, upstreams: {app: '
    b'{url: "http://127.0.0.1:8000"}}, routes: [{name: all, match: {path_prefix: /}, '
    b"upstream: app, auth: none}]}\n",
    "tabs.yaml": b"admin:\n\tapi_key: x\n",
    "bom.yaml": b"\xef\xbb\xbf" + ADMIN + UPSTREAMS + ROUTES,
    "control_key.yaml": b"\x1b[31mred: 1\n" + ADMIN + UPSTREAMS + ROUTES,
    "deep.yaml": b"[" * 60 + b"]" * 60 + b"\n",
    "empty.yaml": b"",
    "scalar.yaml": b"just a string\n",
    "unterminated.yaml": b'admin: {api_key: "abc\n',
}
for name, text in CONFIGS.items():
    write("config_loader", name, text)

# json_check (issue 12): a flags byte (bit 0: padding to spare, parsed in place), then a body.
JSON_BODIES = {
    "object": b'{"message":"hi","n":[1,2.5e3,true,null]}',
    "nul_escape": b'{"a":"x\\u0000y"}',
    "deep64": b"[" * 64 + b"]" * 64,
    "deep65": b"[" * 65 + b"]" * 65,
    "utf8": '{"caf\u00e9":"\u20ac\U0001F600"}'.encode(),
    "overlong": b'"\xc0\xaf"',
    "lone_surrogate": b'"\\ud800"',
    "big_numbers": b"[123456789012345678901234567890,1e400]",
    "trailing": b'{"a":1} x',
    "pattern": b'{"a":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab","xa":1}',
}
for index, (name, body) in enumerate(JSON_BODIES.items()):
    folder = CORPUS / "json_check"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(bytes([index & 1]) + body)

# pattern_dfa (issue 12): a `pattern`, a NUL byte, then a text (valid UTF-8 to be compared).
PATTERNS = {
    "sku": (b"^[A-Z]{3}-[0-9]{4}$", b"ABC-1234"),
    "email": (b"^[^@]+@[^@]+$", "ad\u00e9@example.\u65e5\u672c".encode()),
    "unanchored": (b"a{2,3}b?", b"xxaab\naa"),
    "word": (b"^\\w+\\.\\w+$", b"file_1.txt"),
    "dot": (b"^.+x$", "\U0001F600\nx".encode()),
    "class": (b"[\\d-]+[^ ]*$", b"12-3 4"),
}
for name, (pattern, text) in PATTERNS.items():
    folder = CORPUS / "pattern_dfa"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(pattern + b"\0" + text)
