"""Request smuggling and framing (issue 7, its hardening contract; SPEC §3.1, §3.10):
protected headers named in Connection, ambiguous or obfuscated Content-Length and
Transfer-Encoding, Host, unsafe paths, the framing rampart writes towards the upstream and the
client, the upstream's reason phrase, pipelining and HTTP/1.0 keep-alive.

Each case is one raw client socket. rampart sits in front of tests/e2e/upstream.py (route
`api`, every path) and a raw-socket upstream of the test's own (route `raw`, /rawup/) that
records each request byte for byte.
"""

import hashlib
import os
import secrets
import sys
import time
import unittest

from harness import SLOW, E2ETest, SharedRampart, base_config, metric, wait_until

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "peers"))
from wire import RawClient, RawUpstream, chunk_lines, chunked  # noqa: E402

PROTECTED = ["Content-Length", "Transfer-Encoding", "Host", "X-Forwarded-For",
             "X-Forwarded-Proto", "X-Request-ID", "Traceparent", "Authorization", "X-API-Key",
             "X-Rampart-Identity", "X-Rampart-Tier", "X-Rampart-Anything"]
# a value for the named header itself, sent alongside (framing and Host are always there)
NAMED_VALUE = {
    "X-Forwarded-For": "1.2.3.4", "X-Forwarded-Proto": "https", "X-Request-ID": "abc-123",
    "Traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    "Authorization": "Bearer rk_test.secret", "X-API-Key": "rk_test.secret",
    "X-Rampart-Identity": "key:admin", "X-Rampart-Tier": "gold", "X-Rampart-Anything": "1",
}

# The issue's exploit, byte for byte (its Content-Length says 95; the smuggled request is 96
# bytes: with Content-Length dropped as hop-by-hop, the whole of it is the next request).
EXPLOIT = (b"POST /public/form HTTP/1.1\r\nHost: x\r\nConnection: Content-Length\r\n"
           b"Content-Length: 95\r\n\r\n"
           b"GET /admin/secret HTTP/1.1\r\nHost: x\r\nX-Rampart-Identity: key:admin\r\n"
           b"X-Forwarded-For: 1.2.3.4\r\n\r\n")
SMUGGLED = (b"GET /admin/secret HTTP/1.1\r\nHost: x\r\nX-Rampart-Identity: key:admin\r\n"
            b"X-Forwarded-For: 1.2.3.4\r\n\r\n")

REASON_LEAK = (b"HTTP/1.1 200 Leaked /srv/app/secret.py password=x\r\n"
               b"Content-Type: text/plain\r\nContent-Length: 2\r\n\r\nok")
CONNECTION_NAMES_CL = (b"HTTP/1.1 200 OK\r\nConnection: Content-Length\r\n"
                       b"Content-Length: 5\r\n\r\nhello")
REASON_404_LEAK = (b"HTTP/1.1 404 No such user admin@internal.example in /srv/app/users.db\r\n"
                   b"Content-Type: text/plain\r\nContent-Length: 2\r\n\r\nno")

REASONS = ("smuggling", "host", "path", "malformed", "header_too_large", "uri_too_long",
           "body_timeout")


def sha(data):
    return hashlib.sha256(data).hexdigest()


def mixed_case(name):
    return "".join(c.upper() if i % 2 else c.lower() for i, c in enumerate(name))


def post(conn_fields, body=b"hello", target=b"/echo", extra=b"", framing="cl"):
    """A POST with the given raw Connection field lines and body framing."""
    head = b"POST " + target + b" HTTP/1.1\r\nHost: x\r\n" + conn_fields + extra
    if framing == "chunked":
        return head + b"Transfer-Encoding: chunked\r\n\r\n" + chunked(body)
    return head + b"Content-Length: %d\r\n\r\n" % len(body) + body


def smuggling_config(up_port, raw_port, **server):
    cfg = base_config(up_port, **server)
    cfg["upstreams"]["raw"] = {"url": "http://127.0.0.1:%d" % raw_port,
                               "connect_timeout": "1s", "timeout": "3s"}
    cfg["routes"] = [
        {"name": "raw", "match": {"path_prefix": "/rawup/"}, "upstream": "raw", "auth": "none"},
        {"name": "api", "match": {"path_prefix": "/"}, "upstream": "app", "auth": "none"},
    ]
    return cfg


class SmugglingBase(SharedRampart):
    """upstream.py as `app` (every path) and a RawUpstream as `raw` (/rawup/)."""

    RAW_RESPONSES = {"/rawup/reason": REASON_LEAK, "/rawup/conn-cl": CONNECTION_NAMES_CL,
                     "/rawup/reason404": REASON_404_LEAK}
    # idle_timeout well above the 2 s waits for a close: a close seen is rampart's decision
    SERVER = {"idle_timeout": "10s"}

    @classmethod
    def config(cls, up):
        return smuggling_config(up.port, cls.raw.port, **cls.SERVER)

    @classmethod
    def setUpClass(cls):
        cls.raw = RawUpstream(cls.RAW_RESPONSES)
        try:
            super().setUpClass()
        except Exception:
            cls.raw.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            cls.raw.stop()

    # -- helpers --------------------------------------------------------------------------
    def rejections(self):
        samples = self.rp.metrics()
        if not any(name == "rampart_rejected_requests_total" for name, _, _ in samples):
            return None  # not exported at all (checked after the response: fails at once)
        return {r: metric(samples, "rampart_rejected_requests_total", reason=r) or 0
                for r in REASONS}

    def upstream_requests(self):
        return self.up.stats()["requests"]

    def client(self):
        c = RawClient(self.rp.port, 5 * SLOW)
        self.addCleanup(c.close)
        return c

    def assert_refused(self, data, reasons, what=None):
        """400 bad_request problem+json, the connection closed, the upstream saw nothing, and
        rampart_rejected_requests_total grew by one for one of `reasons`."""
        what = what or data[:160]
        before_up = self.upstream_requests()
        before_raw = len(self.raw.recorded())
        before = self.rejections()
        with RawClient(self.rp.port, 5 * SLOW) as c:
            c.send(data)
            r = c.read_response(5 * SLOW)
            self.assertIsNotNone(r, "no response to %r" % (what,))
            self.assertEqual(r.status, 400, "%r answered %r" % (what, r))
            self.assertEqual((r.get("content-type") or "").split(";")[0],
                             "application/problem+json", r)
            self.assertEqual(r.json().get("code"), "bad_request", r)
            self.assertTrue(c.closed_within(2 * SLOW),
                            "connection left open after the 400 to %r" % (what,))
        time.sleep(0.05)
        self.assertEqual(self.upstream_requests(), before_up,
                         "the upstream saw a request for %r: %r" % (
                             what, self.up.stats()["paths"][-3:]))
        self.assertEqual(len(self.raw.recorded()), before_raw)

        self.assertIsNotNone(before, "no rampart_rejected_requests_total on /metrics")

        def grown():
            now = self.rejections()
            d = {k: now[k] - before[k] for k in REASONS if now[k] != before[k]}
            return d or None
        delta = wait_until(grown, 2 * SLOW) or {}
        self.assertEqual(len(delta), 1, "rejected_requests_total change %r for %r (expected +1"
                         " for one of %r)" % (delta, what, reasons))
        (reason, n), = delta.items()
        self.assertIn(reason, reasons, "counted as %r for %r" % (reason, what))
        self.assertEqual(n, 1)
        return r

    def send_one(self, data, head=False):
        c = self.client()
        c.send(data)
        r = c.read_response(5 * SLOW, head_request=head)
        self.assertIsNotNone(r, "no response to %r" % data[:160])
        return r, c

    def assert_echo(self, data, body, framing="cl", what=None):
        """200 from /echo: the upstream read exactly `body`, framed by rampart as `framing`
        ('cl': one Content-Length with the decoded length, 'te': Transfer-Encoding: chunked,
        'none': no framing field), with no Expect/Trailer/TE field of the client's."""
        what = what or data[:160]
        r, c = self.send_one(data)
        self.assertEqual(r.status, 200, "%r answered %r" % (what, r))
        doc = r.json()
        self.assertEqual(doc["body_len"], len(body), what)
        self.assertEqual(doc["body_sha256"], sha(body), what)
        names = [k.lower() for k, _ in doc["header_list"]]
        cls = [v for k, v in doc["header_list"] if k.lower() == "content-length"]
        tes = [v for k, v in doc["header_list"] if k.lower() == "transfer-encoding"]
        if framing == "cl":
            self.assertEqual((cls, tes), ([str(len(body))], []), (what, doc["header_list"]))
        elif framing == "te":
            self.assertEqual((cls, tes), ([], ["chunked"]), (what, doc["header_list"]))
        else:
            self.assertEqual((cls, tes), ([], []), (what, doc["header_list"]))
        for name in ("expect", "trailer", "te", "x-trailer", "keep-alive", "connection"):
            self.assertNotIn(name, names, (what, doc["header_list"]))
        return r, doc, c


class ConnectionNamesTest(SmugglingBase):

    def test_protected_header_named_in_connection_is_refused(self):
        for name in PROTECTED:
            extra = b""
            if name in NAMED_VALUE:
                extra = ("%s: %s\r\n" % (name, NAMED_VALUE[name])).encode()
            framing = "chunked" if name == "Transfer-Encoding" else "cl"
            variants = {
                "lower": b"Connection: %s\r\n" % name.lower().encode(),
                "upper": b"Connection: %s\r\n" % name.upper().encode(),
                "mixed": b"Connection: %s\r\n" % mixed_case(name).encode(),
                "list": b"Connection: keep-alive, %s\r\n" % name.encode(),
                "list-first": b"Connection: %s ,keep-alive\r\n" % name.lower().encode(),
                "second-field": b"Connection: keep-alive\r\nConnection: %s\r\n" % name.encode(),
            }
            for variant, conn in variants.items():
                with self.subTest(name=name, variant=variant):
                    self.assert_refused(post(conn, extra=extra, framing=framing),
                                        {"smuggling"}, "%s/%s" % (name, variant))

    def test_custom_name_in_connection_is_dropped_and_served(self):
        for conn in (b"Connection: X-Foo\r\n", b"Connection: keep-alive, x-foo\r\n",
                     b"Connection: keep-alive\r\nConnection: X-FOO\r\n"):
            with self.subTest(conn=conn):
                r, doc, c = self.assert_echo(post(conn, extra=b"X-Foo: bar\r\n"), b"hello")
                self.assertNotIn("x-foo", [k.lower() for k, _ in doc["header_list"]])
                # the connection stays usable
                c.send(b"GET /json HTTP/1.1\r\nHost: x\r\n\r\n")
                r2 = c.read_response(5 * SLOW)
                self.assertIsNotNone(r2)
                self.assertEqual(r2.status, 200)

    def canaries(self, n=6):
        """n fresh clients, each must get its own response (no poisoned pooled connection)."""
        for i in range(n):
            token = secrets.token_hex(6)
            r, c = self.send_one(b"GET /echo?canary=%s HTTP/1.1\r\nHost: x\r\n\r\n"
                                 % token.encode())
            self.assertEqual(r.status, 200, r)
            doc = r.json()
            self.assertEqual((doc["path"], doc["query"]), ("/echo", "canary=" + token), doc)
            c.close()

    def assert_admin_never_seen(self):
        paths = self.up.stats()["paths"]
        self.assertNotIn(["GET", "/admin/secret"], paths, paths[-10:])

    def test_issue_exploit(self):
        self.assertEqual(len(SMUGGLED), 96)
        self.assert_refused(EXPLOIT, {"smuggling"}, "issue exploit")
        self.canaries()
        self.assert_admin_never_seen()

    def test_exploit_variants(self):
        te_body = chunked(SMUGGLED)
        variants = {
            "transfer-encoding lower": (
                b"POST /public/form HTTP/1.1\r\nHost: x\r\nConnection: transfer-encoding\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n" + te_body),
            "keep-alive, Content-Length": (
                b"POST /public/form HTTP/1.1\r\nHost: x\r\n"
                b"Connection: keep-alive, Content-Length\r\n"
                b"Content-Length: %d\r\n\r\n" % len(SMUGGLED) + SMUGGLED),
            "second Connection field": (
                b"POST /public/form HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n"
                b"Content-Length: %d\r\nConnection: content-length\r\n\r\n"
                % len(SMUGGLED) + SMUGGLED),
        }
        for name, data in variants.items():
            with self.subTest(variant=name):
                self.assert_refused(data, {"smuggling"}, name)
                self.canaries(3)
                self.assert_admin_never_seen()


# Refused framing: (name, request bytes, accepted refusal reasons). The bytes after each
# ambiguous head include a request that must never reach the upstream.
TAIL = b"GET /echo/smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
CHUNKED_HELLO = b"5\r\nhello\r\n0\r\n\r\n"


def req(fields, body=b"", version=b"HTTP/1.1", host=True, target=b"/echo"):
    return (b"POST " + target + b" " + version + b"\r\n" + (b"Host: x\r\n" if host else b"")
            + fields + b"\r\n" + body)


S = {"smuggling"}
M = {"malformed"}
SM = {"smuggling", "malformed"}

FRAMING_REFUSED = [
    ("CL then TE", req(b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
                       CHUNKED_HELLO + TAIL), S),
    ("TE then CL", req(b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
                       CHUNKED_HELLO + TAIL), S),
    ("TE then CL 0", req(b"Transfer-Encoding: chunked\r\nContent-Length: 0\r\n",
                         CHUNKED_HELLO + TAIL), S),
    ("two differing CLs", req(b"Content-Length: 5\r\nContent-Length: 6\r\n",
                              b"hello!" + TAIL), S),
    ("CL list differing", req(b"Content-Length: 5, 6\r\n", b"hello!" + TAIL), S),
    ("CL +5", req(b"Content-Length: +5\r\n", b"hello" + TAIL), S),
    ("CL -1", req(b"Content-Length: -1\r\n", b"hello" + TAIL), S),
    ("CL 0x5", req(b"Content-Length: 0x5\r\n", b"hello" + TAIL), S),
    ("CL 5 5", req(b"Content-Length: 5 5\r\n", b"hello" + TAIL), S),
    ("CL 5.0", req(b"Content-Length: 5.0\r\n", b"hello" + TAIL), S),
    ("CL empty", req(b"Content-Length: \r\n", b"hello" + TAIL), SM),
    ("CL huge", req(b"Content-Length: 99999999999999999999999\r\n", b"hello" + TAIL), SM),
    ("CL vertical tab", req(b"Content-Length: \x0b5\r\n", b"hello" + TAIL), SM),
    ("CL space before colon", req(b"Content-Length : 5\r\n", b"hello" + TAIL), M),
    ("CL obs-fold", req(b"X-A: 1\r\n Content-Length: 5\r\n", b"hello" + TAIL), M),
    ("CL bare LF", req(b"Content-Length: 5\n", b"hello" + TAIL), M),
    ("TE xchunked", req(b"Transfer-Encoding: xchunked\r\n", CHUNKED_HELLO + TAIL), S),
    ("TE chunked, identity", req(b"Transfer-Encoding: chunked, identity\r\n",
                                 CHUNKED_HELLO + TAIL), S),
    ("TE identity", req(b"Transfer-Encoding: identity\r\n", b"hello" + TAIL), S),
    ("TE gzip", req(b"Transfer-Encoding: gzip\r\n", b"hello" + TAIL), S),
    ("TE chunked;q=1", req(b"Transfer-Encoding: chunked;q=1\r\n", CHUNKED_HELLO + TAIL), S),
    ("TE chunked twice, two fields", req(b"Transfer-Encoding: chunked\r\n"
                                         b"Transfer-Encoding: chunked\r\n",
                                         CHUNKED_HELLO + TAIL), S),
    ("TE chunked, chunked", req(b"Transfer-Encoding: chunked, chunked\r\n",
                                CHUNKED_HELLO + TAIL), S),
    ("TE chunked then identity field", req(b"Transfer-Encoding: chunked\r\n"
                                           b"Transfer-Encoding: identity\r\n",
                                           CHUNKED_HELLO + TAIL), S),
    ("TE space before colon", req(b"Transfer-Encoding : chunked\r\n", CHUNKED_HELLO + TAIL), M),
    ("TE tab before colon", req(b"Transfer-Encoding\t: chunked\r\n", CHUNKED_HELLO + TAIL), M),
    # obs-fold is "malformed", but the folded Transfer-Encoding may be judged first
    ("TE obs-fold value", req(b"Transfer-Encoding:\r\n chunked\r\n", CHUNKED_HELLO + TAIL), SM),
    ("TE vertical tab", req(b"Transfer-Encoding: \x0bchunked\r\n", CHUNKED_HELLO + TAIL), SM),
    ("TE NUL", req(b"Transfer-Encoding: chunked\x00\r\n", CHUNKED_HELLO + TAIL), M),
    ("TE name with space", req(b"Transfer Encoding: chunked\r\n", CHUNKED_HELLO + TAIL), M),
    ("bad chunk size", req(b"Transfer-Encoding: chunked\r\n", b"zz\r\nhello\r\n0\r\n\r\n"), M),
    ("chunk size over 64 bits", req(b"Transfer-Encoding: chunked\r\n",
                                    b"10000000000000005\r\nhello\r\n0\r\n\r\n"), M),
    ("chunk without CRLF", req(b"Transfer-Encoding: chunked\r\n",
                               b"5\r\nhelloXX0\r\n\r\n" + TAIL), M),
    ("chunk size with LF only", req(b"Transfer-Encoding: chunked\r\n",
                                    b"5\nhello\r\n0\r\n\r\n" + TAIL), M),
]

# Accepted framing: (name, request bytes, decoded body, framing the upstream must see)
BIG = bytes(range(256)) * 800  # 200 KiB
FRAMING_ACCEPTED = [
    ("CL with extra spaces", req(b"Content-Length:   5  \r\n", b"hello"), b"hello", "cl"),
    ("CL with tabs", req(b"Content-Length:\t5\t\r\n", b"hello"), b"hello", "cl"),
    ("CL leading zeros", req(b"Content-Length: 005\r\n", b"hello"), b"hello", "cl"),
    ("CL 5, 5", req(b"Content-Length: 5, 5\r\n", b"hello"), b"hello", "cl"),
    ("two equal CLs", req(b"Content-Length: 5\r\nContent-Length: 5\r\n", b"hello"), b"hello",
     "cl"),
    ("CL 0", req(b"Content-Length: 0\r\n"), b"", "cl"),
    ("GET without body", b"GET /echo HTTP/1.1\r\nHost: x\r\n\r\n", b"", "none"),
    ("TE chunked,", req(b"Transfer-Encoding: chunked,\r\n", CHUNKED_HELLO), b"hello", "cl"),
    ("TE CHUNKED", req(b"Transfer-Encoding: CHUNKED\r\n", CHUNKED_HELLO), b"hello", "cl"),
    ("TE tab", req(b"Transfer-Encoding:\tchunked\t\r\n", CHUNKED_HELLO), b"hello", "cl"),
    ("chunked with extensions and trailers",
     req(b"Transfer-Encoding: chunked\r\nTrailer: X-Trailer\r\n",
         chunked(b"hello world" * 100, 300, b';ext=1;name="q;uoted"',
                 b"X-Trailer: t\r\nX-Other: o\r\n")),
     b"hello world" * 100, "cl"),
    ("chunked 200 KiB with extensions", req(b"Transfer-Encoding: chunked\r\n",
                                            chunked(BIG, 10000, b";a=b", b"X-Trailer: t\r\n")),
     BIG, "te"),
    ("CL 200 KiB", req(b"Content-Length: %d\r\n" % len(BIG), BIG), BIG, "cl"),
]


class FramingTest(SmugglingBase):

    def test_ambiguous_framing_refused(self):
        for name, data, reasons in FRAMING_REFUSED:
            with self.subTest(case=name):
                self.assert_refused(data, reasons, name)

    def test_framing_accepted_and_reframed(self):
        for name, data, body, framing in FRAMING_ACCEPTED:
            with self.subTest(case=name):
                self.assert_echo(data, body, framing, name)

    def test_small_chunked_body_reaches_raw_upstream_with_content_length(self):
        body = b"0123456789" * 300
        n = len(self.raw.recorded())
        r, c = self.send_one(req(b"Transfer-Encoding: chunked\r\nTrailer: X-T\r\n",
                                 chunked(body, 1000, b";e=1", b"X-T: 1\r\n"),
                                 target=b"/rawup/record"))
        self.assertEqual(r.status, 200, r)
        got = self.raw.recorded()[n:]
        self.assertEqual(len(got), 1, got)
        fields = [(k.lower(), v) for k, v in got[0]["fields"]]
        self.assertIn(("content-length", str(len(body))), fields)
        self.assertEqual([v for k, v in fields if k == "content-length"], [str(len(body))])
        for name in ("transfer-encoding", "trailer", "x-t"):
            self.assertNotIn(name, [k for k, _ in fields], fields)
        self.assertEqual(got[0]["body_raw"], body)

    def test_large_chunked_body_rechunked_without_extensions(self):
        n = len(self.raw.recorded())
        r, c = self.send_one(req(b"Transfer-Encoding: chunked\r\nTrailer: X-T\r\n",
                                 chunked(BIG, 7000, b';ext="v";x', b"X-T: 1\r\n"),
                                 target=b"/rawup/record"))
        self.assertEqual(r.status, 200, r)
        got = self.raw.recorded()[n:]
        self.assertEqual(len(got), 1, got)
        fields = [(k.lower(), v) for k, v in got[0]["fields"]]
        self.assertEqual([v for k, v in fields if k == "transfer-encoding"], ["chunked"], fields)
        self.assertNotIn("content-length", [k for k, _ in fields])
        self.assertNotIn("trailer", [k for k, _ in fields])
        lines, decoded, trailers, rest = chunk_lines(got[0]["body_raw"])
        self.assertEqual(sha(decoded), sha(BIG))
        bad = [l for l in lines if not l or any(ch not in b"0123456789abcdefABCDEF" for ch in l)]
        self.assertEqual(bad, [], "chunk lines with more than a hex size: %r" % bad[:5])
        self.assertEqual(trailers, [])
        self.assertEqual(rest, b"")

    def test_expect_100_continue_answered_by_rampart(self):
        c = self.client()
        c.send(b"POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
               b"Content-Length: 5\r\n\r\n")
        interim = c.read_response(3 * SLOW, skip_interim=False)
        self.assertIsNotNone(interim, "no 100 Continue")
        self.assertEqual(interim.status, 100, interim)
        c.send(b"hello")
        r = c.read_response(5 * SLOW)
        self.assertIsNotNone(r)
        self.assertEqual(r.status, 200, r)
        doc = r.json()
        self.assertEqual(doc["body_len"], 5)
        self.assertNotIn("expect", [k.lower() for k, _ in doc["header_list"]])

    def test_transfer_encoding_in_http10_read_then_closed(self):
        # docs/http-behaviour.md: "the body is read, then the connection is closed"
        data = req(b"Transfer-Encoding: chunked\r\n", CHUNKED_HELLO, version=b"HTTP/1.0",
                   host=False)
        r, c = self.send_one(data + b"GET /echo/after HTTP/1.0\r\n\r\n")
        self.assertEqual(r.status, 200, r)
        doc = r.json()
        self.assertEqual((doc["body_len"], doc["body_sha256"]), (5, sha(b"hello")))
        cls = [v for k, v in doc["header_list"] if k.lower() == "content-length"]
        tes = [v for k, v in doc["header_list"] if k.lower() == "transfer-encoding"]
        self.assertEqual((cls, tes), (["5"], []), doc["header_list"])
        self.assertTrue(c.closed_within(2 * SLOW), "connection kept open")
        self.assertIsNone(c.read_response(0.2), "the request after the body was served")
        self.assertNotIn(["GET", "/echo/after"], self.up.stats()["paths"])


class HostTest(SmugglingBase):

    def test_bad_host_refused(self):
        cases = [
            ("HTTP/1.1 without Host", b"GET /echo HTTP/1.1\r\n\r\n"),
            ("two equal Host fields", b"GET /echo HTTP/1.1\r\nHost: x\r\nHost: x\r\n\r\n"),
            ("two Host fields", b"GET /echo HTTP/1.1\r\nHost: x\r\nHost: evil\r\n\r\n"),
            ("two Host fields in HTTP/1.0", b"GET /echo HTTP/1.0\r\nHost: x\r\nHost: y\r\n\r\n"),
            ("Host with a space", b"GET /echo HTTP/1.1\r\nHost: a b\r\n\r\n"),
            ("Host with a slash", b"GET /echo HTTP/1.1\r\nHost: x/admin\r\n\r\n"),
            ("Host with @", b"GET /echo HTTP/1.1\r\nHost: user@x\r\n\r\n"),
            ("Host with a bad port", b"GET /echo HTTP/1.1\r\nHost: x:80a\r\n\r\n"),
            ("Host list", b"GET /echo HTTP/1.1\r\nHost: x, y\r\n\r\n"),
        ]
        for name, data in cases:
            with self.subTest(case=name):
                self.assert_refused(data, {"host"}, name)

    def test_good_hosts_accepted(self):
        for data in (b"GET /echo HTTP/1.0\r\n\r\n",
                     b"GET /echo HTTP/1.1\r\nHost: example.com:8080\r\n\r\n",
                     b"GET /echo HTTP/1.1\r\nHost: [::1]:80\r\n\r\n",
                     b"GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"):
            with self.subTest(data=data):
                r, c = self.send_one(data)
                self.assertEqual(r.status, 200, r)


class PathTest(SmugglingBase):

    REFUSED = [b"/api/..;/admin", b"/api/.;/x", b"/.;x/", b"/api%2f..%2fadmin", b"/api%2F",
               b"/a%5cb", b"/a%5C..%5Cb", b"/%2e%2e/admin", b"/a/%2E/b", b"/a/.%2e/b",
               b"/a/%2e./b", b"/a/..%00/b", b"/a%00b", b"/a\\b", b"/a\\..\\b", b"/public/../admin",
               b"/a/./b", b"/a/..", b"/a/.", b"/a/..?x=1", b"/echo/%2E%2E/admin",
               b"http://x/echo", b"echo", b"*"]
    ACCEPTED = [b"/echo/a;v=1/b", b"/echo/a%20b", b"/echo/a%2ejson", b"/echo/v1.2/x",
                b"/echo/..a/", b"/echo/a..b", b"/echo/.well-known/x", b"/echo/a%2e%2e",
                b"/echo/%2e%2ea", b"/echo/x?next=/a/../b", b"/echo/x?next=%2Fhome"]

    def test_unsafe_paths_refused(self):
        for target in self.REFUSED:
            with self.subTest(target=target):
                self.assert_refused(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n\r\n",
                                    {"path"}, target)

    def test_ordinary_paths_pass_unchanged(self):
        for target in self.ACCEPTED:
            with self.subTest(target=target):
                r, c = self.send_one(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n\r\n")
                self.assertEqual(r.status, 200, r)
                doc = r.json()
                seen = doc["path"] + ("?" + doc["query"] if doc["query"] else "")
                self.assertEqual(seen, target.decode())


class EncodedSlashesTest(E2ETest):

    def test_allow_encoded_slashes(self):
        up = self.start_upstream()
        cfg = base_config(up.port, allow_encoded_slashes=True)
        cfg["routes"] = [{"name": "api", "match": {"path_prefix": "/"}, "upstream": "app",
                          "auth": "none"}]
        rp = self.start_rampart(cfg)
        for target in (b"/echo/files/a%2Fb", b"/echo/a%2fb%5Cc", b"/echo/a%5cb"):
            with self.subTest(target=target):
                with RawClient(rp.port, 5 * SLOW) as c:
                    c.send(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n\r\n")
                    r = c.read_response(5 * SLOW)
                self.assertIsNotNone(r)
                self.assertEqual(r.status, 200, r)
                self.assertEqual(r.json()["path"], target.decode())
        for target in (b"/api%2f..%2fadmin", b"/echo/a%2F..%2Fb", b"/echo/%2e%2e%5cadmin",
                       b"/echo/a%2F.%2Fb", b"/echo/..%2Fadmin", b"/echo/a%00b"):
            with self.subTest(target=target):
                before = up.stats()["requests"]
                with RawClient(rp.port, 5 * SLOW) as c:
                    c.send(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n\r\n")
                    r = c.read_response(5 * SLOW)
                    self.assertIsNotNone(r)
                    self.assertEqual(r.status, 400, r)
                    self.assertTrue(c.closed_within(2 * SLOW))
                self.assertEqual(up.stats()["requests"], before)
                self.assertTrue(wait_until(lambda: metric(
                    rp.metrics(), "rampart_rejected_requests_total", reason="path"), 2 * SLOW))


class ResponseFramingTest(SmugglingBase):

    def test_upstream_reason_phrase_not_relayed(self):
        for path, status, reason in ((b"/rawup/reason", 200, b"OK"),
                                     (b"/rawup/reason404", 404, b"Not Found")):
            with self.subTest(path=path):
                r, c = self.send_one(b"GET " + path + b" HTTP/1.1\r\nHost: x\r\n\r\n")
                self.assertEqual(r.head.split(b"\r\n")[0], b"HTTP/1.1 %d %s" % (status, reason))
                whole = r.head + r.body
                for leak in (b"Leaked", b"secret.py", b"password", b"/srv/app", b"admin@",
                             b"users.db"):
                    self.assertNotIn(leak, whole)

    def test_upstream_connection_naming_content_length(self):
        c = self.client()
        t0 = time.monotonic()
        c.send(b"GET /rawup/conn-cl HTTP/1.1\r\nHost: x\r\n\r\n")
        r = c.read_response(5 * SLOW)
        self.assertIsNotNone(r, "no complete response (hang?) after %.1fs: %r"
                             % (time.monotonic() - t0, c.buf[:300]))
        self.assertEqual(r.status, 200)
        self.assertEqual(r.all("content-length"), ["5"], r)
        self.assertEqual(r.body, b"hello")
        self.assertLess(time.monotonic() - t0, 2.0)
        c.send(b"GET /json HTTP/1.1\r\nHost: x\r\n\r\n")
        r2 = c.read_response(5 * SLOW)
        self.assertIsNotNone(r2, "the connection hung after the response")
        self.assertEqual(r2.status, 200)
        self.assertEqual(r2.json(), {"ok": True, "service": "upstream"})

    def test_pipelined_requests_answered_in_order(self):
        c = self.client()
        c.send(b"GET /echo?n=1 HTTP/1.1\r\nHost: x\r\n\r\n"
               b"POST /echo?n=2 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
               b"POST /echo?n=3 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
               + CHUNKED_HELLO +
               b"HEAD /echo?n=4 HTTP/1.1\r\nHost: x\r\n\r\n"
               b"PUT /echo?n=5 HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nwxyz")
        got = c.read_responses(5, 8 * SLOW, head_flags=[False, False, False, True, False])
        self.assertEqual([r.status for r in got], [200] * 5, got)
        expect = [("GET", b""), ("POST", b"abc"), ("POST", b"hello"), None, ("PUT", b"wxyz")]
        for i, (r, e) in enumerate(zip(got, expect)):
            if e is None:
                self.assertEqual(r.body, b"")
                continue
            doc = r.json()
            self.assertEqual((doc["method"], doc["query"], doc["body_sha256"]),
                             (e[0], "n=%d" % (i + 1), sha(e[1])))

    def test_http10_keep_alive_per_docs(self):
        # docs/http-behaviour.md: an HTTP/1.0 client keeps its connection only when it asks
        # (Connection: keep-alive) and is told so in the response; "Connection: keep-alive,
        # close": close wins, also in HTTP/1.0.
        for name, data, kept in (
                ("1.0 plain", b"GET /json HTTP/1.0\r\n\r\n", False),
                ("1.0 keep-alive", b"GET /json HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", True),
                ("1.0 keep-alive with Host", b"GET /json HTTP/1.0\r\nHost: x\r\n"
                                             b"Connection: Keep-Alive\r\n\r\n", True),
                ("1.0 keep-alive, close", b"GET /json HTTP/1.0\r\n"
                                          b"Connection: keep-alive, close\r\n\r\n", False)):
            with self.subTest(case=name):
                r, c = self.send_one(data + b"GET /json HTTP/1.0\r\n\r\n")
                self.assertEqual(r.status, 200, r)
                self.assertEqual(r.json(), {"ok": True, "service": "upstream"})
                if kept:
                    self.assertEqual((r.get("connection") or "").lower(), "keep-alive", r)
                    second = c.read_response(2 * SLOW)
                    self.assertIsNotNone(second, "the kept connection did not serve the next")
                    self.assertEqual(second.status, 200)
                    # the second request did not ask to keep the connection: closed after it
                    self.assertEqual((second.get("connection") or "").lower(), "close", second)
                else:
                    self.assertEqual((r.get("connection") or "").lower(), "close", r)
                    self.assertIsNone(c.read_response(0.2), "a second request was served")
                self.assertTrue(c.closed_within(2 * SLOW), "HTTP/1.0 connection kept open")

    def test_http11_close_and_keep_alive(self):
        r, c = self.send_one(b"GET /json HTTP/1.1\r\nHost: x\r\n"
                             b"Connection: keep-alive, close\r\n\r\n")
        self.assertEqual(r.status, 200)
        self.assertTrue(c.closed_within(2 * SLOW))


if __name__ == "__main__":
    unittest.main()
