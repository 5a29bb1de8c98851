"""Differential smuggling tests (issue 7, its hardening contract): rampart in front of four
real HTTP/1.1 servers in turn (Node.js http, Python http.server, uvicorn+FastAPI,
gunicorn+Flask; tests/e2e/peers/), each recording every request it parsed.

For every case of the corpus (raw bytes a client sends on one socket) rampart's responses are
read, then the peer's recording must show exactly the requests rampart routed, with the same
boundaries (method, target, decoded body length and sha256) and nothing more: a refused case
reaches the peer not at all, a smuggled GET /admin/secret never, and every request carries
rampart's own X-Rampart-Identity and X-Forwarded-For. After each case a fresh client must get
its own response (no poisoned pooled connection). Also: an upstream that answers early (405
before reading a large body) and then closes or resets: the client gets that 405, not 502.
"""

import hashlib
import os
import secrets
import shutil
import sys
import tempfile
import threading
import time
import unittest

from harness import SLOW, E2ETest, Rampart, wait_until

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "peers"))
from wire import Peer, RawClient, chunked, peer_missing  # noqa: E402

WAIT100 = object()  # a step: read rampart's 100 Continue before sending on


def sha(data):
    return hashlib.sha256(data).hexdigest()


class Case:
    def __init__(self, name, steps, statuses, forwarded=(), head_flags=None, closes=None,
                 framing=None, absent=()):
        self.name = name
        self.steps = steps if isinstance(steps, list) else [steps]
        self.statuses = statuses
        self.forwarded = list(forwarded)    # [(method, target, decoded body)]
        self.head_flags = head_flags
        # refused cases must close; others: True/False to assert, None to not look
        self.closes = closes if closes is not None else (400 in statuses)
        self.framing = framing              # per forwarded request: 'cl', 'te', 'none' or None
        self.absent = [a.lower() for a in absent]  # fields the peer must not see


SMUGGLED = (b"GET /admin/secret HTTP/1.1\r\nHost: x\r\nX-Rampart-Identity: key:admin\r\n"
            b"X-Forwarded-For: 1.2.3.4\r\n\r\n")
EXPLOIT = (b"POST /public/form HTTP/1.1\r\nHost: x\r\nConnection: Content-Length\r\n"
           b"Content-Length: 95\r\n\r\n" + SMUGGLED)
HELLO_CHUNKED = b"5\r\nhello\r\n0\r\n\r\n"
BIG = bytes(range(256)) * 800   # 200 KiB
BIG_CL = os.urandom(300 * 1024)
SMALL_TEXT = b"hello world, " * 90


def post(target, fields=b"", body=b"hello", version=b"HTTP/1.1", method=b"POST", cl=True):
    return (method + b" " + target + b" " + version + b"\r\nHost: x\r\n" + fields +
            (b"Content-Length: %d\r\n" % len(body) if cl else b"") + b"\r\n" + body)


def get(target, fields=b"", method=b"GET", version=b"HTTP/1.1"):
    return method + b" " + target + b" " + version + b"\r\nHost: x\r\n" + fields + b"\r\n"


CORPUS = [
    # -- Connection naming a framing or protected header (the issue) ---------------------
    Case("issue exploit", EXPLOIT, [400]),
    Case("Connection: transfer-encoding",
         b"POST /public/form HTTP/1.1\r\nHost: x\r\nConnection: transfer-encoding\r\n"
         b"Transfer-Encoding: chunked\r\n\r\n" + chunked(SMUGGLED), [400]),
    Case("Connection: keep-alive, Content-Length",
         post(b"/public/form", b"Connection: keep-alive, Content-Length\r\n", SMUGGLED), [400]),
    Case("second Connection field",
         post(b"/public/form", b"Connection: keep-alive\r\nConnection: content-length\r\n",
              SMUGGLED), [400]),
    Case("Connection: X-Forwarded-For",
         post(b"/public/xff", b"Connection: X-Forwarded-For\r\nX-Forwarded-For: 1.2.3.4\r\n"),
         [400]),
    Case("Connection: X-Rampart-Identity",
         get(b"/public/id", b"Connection: x-rampart-identity\r\n"
                            b"X-Rampart-Identity: key:admin\r\n"), [400]),
    Case("Connection: Host", get(b"/public/h", b"Connection: Host\r\n"), [400]),
    Case("Connection: custom name", post(b"/public/custom", b"Connection: X-Foo\r\n"
                                                            b"X-Foo: bar\r\n"),
         [200], [("POST", "/public/custom", b"hello")], framing=["cl"], absent=["x-foo"]),
    Case("identity and XFF injection",
         get(b"/public/inject", b"X-Rampart-Identity: key:admin\r\nX-Rampart-Tier: gold\r\n"
                                b"X-Forwarded-For: 1.2.3.4\r\n"),
         [200], [("GET", "/public/inject", b"")], framing=["none"], absent=["x-rampart-tier"]),
    Case("Upgrade dropped", get(b"/public/ws", b"Connection: Upgrade\r\nUpgrade: websocket\r\n"),
         [200], [("GET", "/public/ws", b"")], absent=["upgrade"]),
    # -- Content-Length / Transfer-Encoding ----------------------------------------------
    Case("CL and TE", b"POST /public/clte HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                      b"Transfer-Encoding: chunked\r\n\r\n" + HELLO_CHUNKED + SMUGGLED, [400]),
    Case("TE and CL", b"POST /public/tecl HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                      b"Content-Length: 41\r\n\r\n" + HELLO_CHUNKED + SMUGGLED, [400]),
    Case("two differing CLs", b"POST /public/cl2 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                              b"Content-Length: 101\r\n\r\nhello" + SMUGGLED, [400]),
    Case("CL 5, 5", b"POST /public/cl55 HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\n"
                    b"hello", [200], [("POST", "/public/cl55", b"hello")], framing=["cl"]),
    Case("two equal CLs", b"POST /public/cleq HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                          b"Content-Length: 5\r\n\r\nhello",
         [200], [("POST", "/public/cleq", b"hello")], framing=["cl"]),
    Case("CL +5", b"POST /public/plus HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nhello",
         [400]),
    Case("TE xchunked", b"POST /public/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n"
                        b"\r\n" + HELLO_CHUNKED + SMUGGLED, [400]),
    Case("TE chunked, identity", b"POST /public/x HTTP/1.1\r\nHost: x\r\n"
                                 b"Transfer-Encoding: chunked, identity\r\n\r\n"
                                 + HELLO_CHUNKED + SMUGGLED, [400]),
    Case("TE chunked twice", b"POST /public/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked"
                             b"\r\nTransfer-Encoding: chunked\r\n\r\n" + HELLO_CHUNKED, [400]),
    Case("TE space before colon", b"POST /public/x HTTP/1.1\r\nHost: x\r\n"
                                  b"Transfer-Encoding : chunked\r\n\r\n" + HELLO_CHUNKED, [400]),
    Case("TE chunked,", b"POST /public/tecomma HTTP/1.1\r\nHost: x\r\n"
                        b"Transfer-Encoding: chunked,\r\n\r\n" + HELLO_CHUNKED,
         [200], [("POST", "/public/tecomma", b"hello")], framing=["cl"]),
    Case("chunked with extensions and trailers",
         b"POST /other/ext HTTP/1.1\r\nHost: x\r\nTrailer: X-T\r\nTransfer-Encoding: chunked\r\n"
         b"\r\n" + chunked(SMALL_TEXT, 100, b';a=1;b="x;y"', b"X-T: t\r\nX-U: u\r\n"),
         [200], [("POST", "/other/ext", SMALL_TEXT)], framing=["cl"], absent=["x-t", "x-u",
                                                                              "trailer"]),
    Case("chunked 200 KiB with extensions",
         b"POST /public/big HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
         + chunked(BIG, 9000, b";ext=v", b"X-T: t\r\n"),
         [200], [("POST", "/public/big", BIG)], framing=["te"], absent=["x-t"]),
    Case("CL 300 KiB", post(b"/public/bigcl", body=BIG_CL),
         [200], [("POST", "/public/bigcl", BIG_CL)], framing=["cl"]),
    Case("CL 0", post(b"/public/cl0", body=b""), [200], [("POST", "/public/cl0", b"")],
         framing=["cl"]),
    Case("GET with a body", post(b"/public/getbody", body=b"body", method=b"GET"),
         [200], [("GET", "/public/getbody", b"body")], framing=["cl"]),
    Case("bad chunk size", b"POST /public/bad HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked"
                           b"\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", [400]),
    Case("HTTP/1.0 chunked", post(b"/public/t10", b"Transfer-Encoding: chunked\r\n",
                                  HELLO_CHUNKED, b"HTTP/1.0", cl=False)
         + get(b"/public/after10", version=b"HTTP/1.0"),
         [200], [("POST", "/public/t10", b"hello")], closes=True, framing=["cl"]),
    # -- pipelining, 100-continue, HEAD --------------------------------------------------
    Case("pipelined", get(b"/public/p1?q=1") + post(b"/other/p2", body=b"abc")
         + b"POST /public/p3 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
         + HELLO_CHUNKED + get(b"/other/p4", method=b"DELETE"),
         [200, 200, 200, 200],
         [("GET", "/public/p1?q=1", b""), ("POST", "/other/p2", b"abc"),
          ("POST", "/public/p3", b"hello"), ("DELETE", "/other/p4", b"")],
         framing=["none", "cl", "cl", "none"]),
    Case("pipelined, second refused", get(b"/public/ok") + get(b"/public/../admin/secret")
         + get(b"/public/never"),
         [200, 400], [("GET", "/public/ok", b"")], closes=True),
    Case("pipelined, smuggling second", get(b"/public/first") + EXPLOIT,
         [200, 400], [("GET", "/public/first", b"")], closes=True),
    Case("100-continue", [b"POST /public/cont HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                          b"Content-Length: 11\r\n\r\n", WAIT100, b"hello world"],
         [200], [("POST", "/public/cont", b"hello world")], framing=["cl"], absent=["expect"]),
    Case("HEAD then GET", get(b"/public/head", method=b"HEAD") + get(b"/other/afterhead"),
         [200, 200], [("HEAD", "/public/head", b""), ("GET", "/other/afterhead", b"")],
         head_flags=[True, False]),
    # -- Host, paths, request line -------------------------------------------------------
    Case("HTTP/1.1 without Host", b"GET /public/nohost HTTP/1.1\r\n\r\n", [400]),
    Case("two Host fields", b"GET /public/hosts HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", [400]),
    Case("HTTP/1.0 without Host", b"GET /public/h10 HTTP/1.0\r\n\r\n", [200],
         [("GET", "/public/h10", b"")], closes=True),
    Case("no route", get(b"/admin/secret"), [404]),
    Case("dot-dot", get(b"/public/../admin/secret"), [400]),
    Case("..;", get(b"/public/..;/admin/secret"), [400]),
    Case("%2e%2e", get(b"/public/%2e%2e/admin/secret"), [400]),
    Case("encoded slash", get(b"/public/..%2fadmin%2fsecret"), [400]),
    Case("backslash", get(b"/public/..\\admin\\secret"), [400]),
    Case("ordinary odd path", get(b"/public/a;v=1/b%20c/v1.2/..x?y=1"), [200],
         [("GET", "/public/a;v=1/b%20c/v1.2/..x?y=1", b"")]),
    Case("absolute-form", get(b"http://x/public/abs"), [400]),
    Case("bare LF", b"GET /public/lf HTTP/1.1\nHost: x\n\n", [400]),
    Case("obs-fold", b"GET /public/fold HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n Content-Length: 5\r\n"
                     b"\r\nhello", [400]),
]


class DifferentialBase(E2ETest):
    PEER = None
    EARLY = False  # the early-answer test runs for this peer

    @classmethod
    def setUpClass(cls):
        if cls.PEER is None:
            raise unittest.SkipTest("base class")
        reason = peer_missing(cls.PEER)
        if reason:
            raise unittest.SkipTest(reason)
        cls.workdir = tempfile.mkdtemp(prefix="rampart-diff-%s-" % cls.PEER)
        cls.peer = Peer(cls.PEER, cls.workdir, python=sys.executable)
        try:
            cls.rp = Rampart({
                "server": {"workers": 2, "header_timeout": "2s", "idle_timeout": "10s",
                           "drain_timeout": "5s"},
                "upstreams": {"peer": {"url": "http://127.0.0.1:%d" % cls.peer.port,
                                       "connect_timeout": "1s", "timeout": "5s"}},
                "routes": [
                    {"name": "public", "match": {"path_prefix": "/public/"},
                     "upstream": "peer", "auth": "none"},
                    {"name": "other", "match": {"path_prefix": "/other/"},
                     "upstream": "peer", "auth": "none"},
                ],
            })
        except Exception:
            cls.peer.stop()
            raise
        cls.failed = False

    @classmethod
    def tearDownClass(cls):
        cls.rp.stop()
        cls.peer.stop()
        problem = cls.rp.exit_problem()
        if cls.failed or problem:
            sys.stderr.write("\n=== %s peer stderr\n%s\n=== rampart output\n%s\n" % (
                cls.PEER, cls.peer.stderr(), cls.rp.debug_dump()))
        else:
            shutil.rmtree(cls.rp.workdir, ignore_errors=True)
            shutil.rmtree(cls.workdir, ignore_errors=True)
        if problem:
            raise AssertionError(problem)

    def tearDown(self):
        if self._failed():
            type(self).failed = True

    # -- helpers --------------------------------------------------------------------------
    def records_after(self, start, expect, settle=0.2):
        """The peer's records from index start, waiting (bounded) for `expect` of them and
        then a little longer for any extra one."""
        wait_until(lambda: len(self.peer.records()) - start >= expect, 3 * SLOW)
        time.sleep(settle)
        return self.peer.records()[start:]

    def check_record_hygiene(self, rec, what):
        hdr = [(k.lower(), v) for k, v in rec["headers"]]
        ident = [v for k, v in hdr if k == "x-rampart-identity"]
        self.assertEqual(ident, ["ip:127.0.0.1"], "%s: identity %r" % (what, rec))
        xff = [v for k, v in hdr if k == "x-forwarded-for"]
        self.assertEqual(xff, ["127.0.0.1"], "%s: X-Forwarded-For %r" % (what, rec))
        self.assertNotIn("/admin", rec["target"], "%s: smuggled %r" % (what, rec))
        for k, _ in hdr:
            self.assertFalse(k.startswith("x-rampart-") and k != "x-rampart-identity"
                             and k != "x-rampart-tier", (what, rec))

    def canary(self):
        """A fresh client gets its own response, and the peer saw exactly that request."""
        start = len(self.peer.records())
        target = "/public/canary/%s?c=%s" % (secrets.token_hex(4), secrets.token_hex(4))
        with RawClient(self.rp.port, 5 * SLOW) as c:
            c.send(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % target.encode())
            r = c.read_response(5 * SLOW)
        self.assertIsNotNone(r, "canary: no response")
        self.assertEqual(r.status, 200, "canary got %r" % r)
        self.assertEqual(r.json().get("target"), target, "canary got another's response: %r" % r)
        recs = self.records_after(start, 1, 0.05)
        self.assertEqual([(x["method"], x["target"]) for x in recs], [("GET", target)], recs)
        self.check_record_hygiene(recs[0], "canary")

    def run_case(self, case):
        start = len(self.peer.records())
        logs_before = len(self.rp.request_logs())
        c = RawClient(self.rp.port, 5 * SLOW)
        self.addCleanup(c.close)
        for step in case.steps:
            if step is WAIT100:
                interim = c.read_response(3 * SLOW, skip_interim=False)
                self.assertIsNotNone(interim, "no 100 Continue")
                self.assertEqual(interim.status, 100, interim)
            else:
                c.send(step)
        got = c.read_responses(len(case.statuses), 8 * SLOW, case.head_flags)
        self.assertEqual([r.status for r in got], case.statuses,
                         "responses %r" % (got,))
        if case.closes:
            self.assertTrue(c.closed_within(2 * SLOW), "connection left open")
        for r in got:
            if r.status == 200 and r.body:  # the peer's own answer, for this request
                self.assertIn(b'"target"', r.body, r)
        c.close()

        recs = self.records_after(start, len(case.forwarded))
        seen = [(x["method"], x["target"], x["body_len"], x["body_sha256"])
                + (("INCOMPLETE",) if x.get("incomplete") else ()) for x in recs]
        want = [(m, t, len(b), sha(b)) for m, t, b in case.forwarded]
        self.assertEqual(seen, want, "the peer saw %r" % [
            (x["method"], x["target"], x["body_len"], (x["body_head"] or "")[:60])
            for x in recs])
        for i, rec in enumerate(recs):
            self.check_record_hygiene(rec, case.name)
            names = [k.lower() for k, _ in rec["headers"]]
            for a in case.absent:
                self.assertNotIn(a, names, rec["headers"])
            framing = case.framing[i] if case.framing else None
            cls_ = [v for k, v in rec["headers"] if k.lower() == "content-length"]
            tes = [v for k, v in rec["headers"] if k.lower() == "transfer-encoding"]
            if framing == "cl":
                self.assertEqual((cls_, tes), ([str(rec["body_len"])], []), rec["headers"])
            elif framing == "te":
                self.assertEqual((cls_, tes), ([], ["chunked"]), rec["headers"])
            elif framing == "none":
                self.assertEqual((cls_, tes), ([], []), rec["headers"])

        # rampart's request log: the routed requests are exactly the ones the peer saw
        def routed():
            return [(l.get("method"), l.get("path", "").split("?")[0])
                    for l in self.rp.request_logs()[logs_before:]
                    if l.get("route") in ("public", "other")
                    and l.get("upstream_ms") is not None  # null: rampart answered alone
                    # a line is written up to 50 ms late: the last canary's may land here
                    and not l.get("path", "").startswith("/public/canary/")]
        wait_until(lambda: len(routed()) >= len(case.forwarded), 2 * SLOW)
        self.assertEqual(routed(), [(m, t.split("?")[0]) for m, t, _ in case.forwarded],
                         "rampart's request log")

    # -- tests ----------------------------------------------------------------------------
    def test_corpus(self):
        deadline = time.monotonic() + 75 * SLOW
        for case in CORPUS:
            if time.monotonic() > deadline:
                self.fail("corpus over its time budget before %r" % case.name)
            with self.subTest(peer=self.PEER, case=case.name):
                self.run_case(case)
            with self.subTest(peer=self.PEER, case=case.name, check="canary afterwards"):
                self.canary()

    def early_try(self, body):
        """One PATCH of body to the GET-only route: the client's outcome. A 405 without
        Connection: close means rampart read the whole body: the connection must then
        serve the next request."""
        head = (b"PATCH /public/early-405 HTTP/1.1\r\nHost: x\r\n"
                b"Content-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n"
                % len(body))
        c = RawClient(self.rp.port, 10 * SLOW)
        sender = threading.Thread(target=c.send, args=(head + body,), daemon=True)
        sender.start()
        try:
            r = c.read_response(10 * SLOW)
            if r is None:
                return "reset" if c.reset else "no answer"
            if r.status != 405 or (r.get("connection") or "").lower() == "close":
                return r.status
            sender.join(10 * SLOW)
            target = "/public/after-early/%s" % secrets.token_hex(4)
            c.send(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % target.encode())
            r2 = c.read_response(5 * SLOW)
            if r2 is None or r2.status != 200 or r2.json().get("target") != target:
                return "405 kept alive, next request got %r" % (r2,)
            return 405
        finally:
            c.close()
            sender.join(5)

    def test_early_answer_reaches_client(self):
        if not self.EARLY:
            self.skipTest("early-answer case runs for the flask and node peers")
        results = {}
        for size in (1 << 20, 4 << 20):
            body = os.urandom(size)
            counts = {}
            deadline = time.monotonic() + 18 * SLOW  # no new try after this
            for _ in range(30):
                if time.monotonic() > deadline:
                    break
                s = self.early_try(body)
                counts[s] = counts.get(s, 0) + 1
            results["%d MiB" % (size >> 20)] = counts
        sys.stderr.write("\n[early answer, %s peer] %r\n" % (self.PEER, results))
        for size, counts in results.items():
            self.assertEqual(set(counts), {405}, "%s: %r (all: %r)" % (size, counts, results))
        self.canary()


class NodePeerTest(DifferentialBase):
    PEER = "node"
    EARLY = True


class PythonPeerTest(DifferentialBase):
    PEER = "python"


class FastAPIPeerTest(DifferentialBase):
    PEER = "fastapi"


class FlaskPeerTest(DifferentialBase):
    PEER = "flask"
    EARLY = True


del DifferentialBase  # not collected by itself

if __name__ == "__main__":
    unittest.main()
