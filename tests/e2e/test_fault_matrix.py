"""The upstream fault matrix (issue 7, item 2; /work/notes/contract.md "Upstream connection
hygiene"): rampart in front of fault_upstream.py, one real socket per case.

For every fault: what the client gets (502 upstream_unavailable, 504 upstream_timeout, or a
cut relay once the head was sent), rampart_upstream_errors_total{kind} growth, and the key
property: the NEXT requests, from other clients, each get their own response (never stray
bytes, never a response one behind), and the upstream connection that misbehaved is closed
by rampart rather than pooled. Each class runs the matrix with 1 worker / max_connections 1
and with 2 workers / max_connections 2, so a leaked upstream slot shows as a 502 too.
"""

import collections
import http.client
import json
import socket
import sys
import threading
import time
import unittest
import uuid

from fault_upstream import STRAY, STRAY_BODY, FaultUpstream
from harness import (E2ETest, base_config, metric, request, wait_until,
                     with_dead_upstream)

UPSTREAM_TIMEOUT_S = 1.0
CLOSED_BY_RAMPART = ("peer", "peer-reset", "peer-gone")


def report(line):
    sys.stderr.write("\n  [report] %s\n" % line)


def new_tag():
    return uuid.uuid4().hex[:16]


class RawClient:
    """A keep-alive client on a raw socket that parses responses the way the request method
    and status say (HEAD, 204 and 304 have no body), and can tell unsolicited bytes."""

    def __init__(self, port, timeout=5.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""
        self.received = b""

    def close(self):
        self.sock.close()

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError("connection closed by rampart")
        self.buf += data
        self.received += data

    def send(self, method, target, headers=(), body=b""):
        lines = ["%s %s HTTP/1.1" % (method, target), "Host: fault.test"]
        lines += ["%s: %s" % kv for kv in headers]
        if body:
            lines.append("Content-Length: %d" % len(body))
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)

    def read_response(self, method):
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            k = k.strip().lower()
            headers[k] = (headers[k] + ", " + v.strip()) if k in headers else v.strip()
        if method == "HEAD" or status in (204, 304) or status < 200:
            n = 0
        elif "content-length" in headers:
            n = int(headers["content-length"])
        elif "chunked" in headers.get("transfer-encoding", ""):
            body = b""
            while True:
                while b"\r\n" not in self.buf:
                    self._fill()
                line, _, self.buf = self.buf.partition(b"\r\n")
                size = int(line.split(b";")[0], 16)
                if size == 0:
                    while b"\r\n" not in self.buf:
                        self._fill()
                    self.buf = self.buf.partition(b"\r\n")[2]
                    return status, headers, body
                while len(self.buf) < size + 2:
                    self._fill()
                body += self.buf[:size]
                self.buf = self.buf[size + 2:]
        else:
            while True:
                try:
                    self._fill()
                except EOFError:
                    body, self.buf = self.buf, b""
                    return status, headers, body
        while len(self.buf) < n:
            self._fill()
        body, self.buf = self.buf[:n], self.buf[n:]
        return status, headers, body

    def request(self, method, target, headers=(), body=b""):
        self.send(method, target, headers, body)
        return self.read_response(method)

    def unsolicited(self, wait=0.15):
        """Bytes that arrived without a request (there must be none)."""
        time.sleep(wait)
        self.sock.setblocking(False)
        try:
            while True:
                data = self.sock.recv(65536)
                if not data:
                    break
                self.buf += data
                self.received += data
        except (BlockingIOError, ConnectionResetError):
            pass
        finally:
            self.sock.setblocking(True)
            self.sock.settimeout(5)
        return self.buf


def early_post(port, target, body_size, timeout=15.0):
    """POSTs a body of body_size bytes while reading the answer at the same time (the way a
    browser or curl does). Returns (status or None, headers, body, error, after) where after
    says what became of the connection: "closed" (Connection: close), "reused" (no
    Connection: close, and a following GET on it got its own answer) or what went wrong."""
    c = RawClient(port, timeout)
    head = ("POST %s HTTP/1.1\r\nHost: fault.test\r\nContent-Type: application/octet-stream"
            "\r\nContent-Length: %d\r\n\r\n" % (target, body_size)).encode()

    def sender():
        try:
            c.sock.sendall(head)
            piece = b"p" * 65536
            left = body_size
            while left > 0:
                n = min(left, len(piece))
                c.sock.sendall(piece[:n])
                left -= n
        except OSError:
            pass
    t = threading.Thread(target=sender, daemon=True)
    t.start()
    try:
        try:
            status, headers, body = c.read_response("POST")
        except (OSError, EOFError, ValueError) as e:
            return None, {}, b"", repr(e), None
        if headers.get("connection", "").lower() == "close":
            return status, headers, body, None, "closed"
        # kept alive: only right if rampart read the whole body; the next request shows it
        t.join(timeout)
        tag = new_tag()
        try:
            st2, _, body2 = c.request("GET", "/ok?tag=" + tag)
            ok = st2 == 200 and json.loads(body2).get("tag") == tag
            after = "reused" if ok else "next request got %d %r" % (st2, body2[:80])
        except (OSError, EOFError, ValueError) as e:
            after = "kept alive, next request: %r" % (e,)
        return status, headers, body, None, after
    finally:
        c.close()
        t.join(5)


class _Matrix:
    """The fault cases; the concrete classes below give the worker count and the cap."""

    WORKERS = 2
    MAX_CONNECTIONS = 2

    def setUp(self):
        # A fresh upstream and rampart per case, so a connection one case left dirty in the
        # pool cannot fail the next case; one request first puts a connection in the pool,
        # so the fault lands on a pooled connection (always so with 1 worker).
        self.up = FaultUpstream()
        self.addCleanup(self.up.stop)
        cfg = base_config(self.up.port, workers=self.WORKERS, idle_timeout="10s")
        app = cfg["upstreams"]["app"]
        del app["health"]  # health checks would take the capped slots
        app["max_connections"] = self.MAX_CONNECTIONS
        app["timeout"] = "%gs" % UPSTREAM_TIMEOUT_S
        with_dead_upstream(cfg)
        self.rp = self.start_rampart(cfg)
        tag = new_tag()
        status, _, body = request(self.rp.port, "GET", "/ok?tag=" + tag)
        self.assertEqual((status, json.loads(body).get("tag")), (200, tag))

    # -- helpers --------------------------------------------------------------------------
    def errors(self, kind, upstream="app"):
        return metric(self.rp.metrics(), "rampart_upstream_errors_total", upstream=upstream,
                      kind=kind) or 0

    def assert_errors_grew(self, kind, before, upstream="app"):
        grew = wait_until(lambda: self.errors(kind, upstream) >= before + 1, 2.0, 0.05)
        self.assertTrue(grew, "rampart_upstream_errors_total{upstream=%r,kind=%r} stayed at "
                        "%r (all kinds now: %r)" % (
                            upstream, kind, self.errors(kind, upstream),
                            {k: self.errors(k, upstream)
                             for k in ("connect", "timeout", "reset", "protocol")}))

    def assert_closed_by_rampart(self, tag, within=1.5):
        """The upstream connection that carried tag got no later request and was closed by
        rampart (not by the upstream, not left in the pool)."""
        rec = wait_until(lambda: (lambda r: r if r and r["closed"] is not None else None)(
            self.up.conn_for_tag(tag)), within, 0.02)
        last = self.up.conn_for_tag(tag)
        self.assertIsNotNone(last, "the request tagged %s never reached the upstream" % tag)
        tags = [q["tag"] for q in last["requests"]]
        self.assertEqual(tags[-1], tag, "the upstream connection was reused after the fault: "
                         "it carried %r after %r" % (tags[tags.index(tag) + 1:], tag))
        self.assertIsNotNone(rec, "the upstream connection that misbehaved was still open "
                             "%.1fs later (pooled?): %r" % (within, last))
        self.assertIn(rec["closed_by"], CLOSED_BY_RAMPART, rec)

    def assert_next_clean(self, rounds=6):
        """Later requests from other clients (fresh connections, then one keep-alive client)
        each get their own response."""
        problems = []
        for i in range(rounds):
            tag = new_tag()
            method = "POST" if i % 3 == 2 else "GET"
            try:
                status, _, body = request(self.rp.port, method, "/ok?tag=" + tag,
                                          body=b"x" * 10 if method == "POST" else None,
                                          timeout=5)
            except (OSError, http.client.HTTPException) as e:
                problems.append("fresh client %d: %r" % (i, e))
                continue
            if status != 200 or STRAY_BODY in body:
                problems.append("fresh client %d: %d %r" % (i, status, body[:200]))
                continue
            got = json.loads(body).get("tag")
            if got != tag:
                problems.append("fresh client %d: got the response for %r, not %r (one "
                                "behind)" % (i, got, tag))
        c = RawClient(self.rp.port)
        try:
            for i in range(3):
                tag = new_tag()
                status, _, body = c.request("GET", "/ok?tag=" + tag)
                if status != 200 or STRAY_BODY in body or json.loads(body).get("tag") != tag:
                    problems.append("keep-alive client %d: %d %r" % (i, status, body[:200]))
            extra = c.unsolicited(0.05)
            if extra:
                problems.append("keep-alive client got unsolicited bytes %r" % extra[:200])
        except (OSError, EOFError, ValueError) as e:
            problems.append("keep-alive client: %r" % (e,))
        finally:
            c.close()
        self.assertEqual(problems, [], "requests after the fault were not served cleanly")

    def get_problem(self, target, code, status, headers=()):
        c = RawClient(self.rp.port)
        try:
            st, h, body = c.request("GET", target, headers)
        finally:
            c.close()
        self.assert_problem(st, h, body, code, status)
        return body

    def get_cut(self, target):
        """The head was relayed, then the body is cut: (status, seconds to the cut)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.rp.port, timeout=8)
        self.addCleanup(conn.close)
        t0 = time.monotonic()
        conn.request("GET", target)
        resp = conn.getresponse()
        with self.assertRaises((http.client.IncompleteRead, ConnectionError),
                               msg="the truncated body was completed"):
            resp.read()
        return resp.status, time.monotonic() - t0

    # -- refused / reset / garbage --------------------------------------------------------
    def test_refused(self):
        before = self.errors("connect", "dead")
        self.get_problem("/dead/x", "upstream_unavailable", 502)
        self.assert_errors_grew("connect", before, "dead")
        self.assert_next_clean()

    def test_reset_before_headers(self):
        before = self.errors("reset")
        tag = new_tag()
        self.get_problem("/reset-before-headers?tag=" + tag, "upstream_unavailable", 502)
        self.assert_errors_grew("reset", before)
        self.assert_next_clean()

    def test_close_before_headers(self):
        before = self.errors("reset")
        self.get_problem("/close-before-headers?tag=" + new_tag(), "upstream_unavailable", 502)
        self.assert_errors_grew("reset", before)
        self.assert_next_clean()

    def test_reset_mid_headers(self):
        before = self.errors("reset")
        body = self.get_problem("/reset-mid-headers?tag=" + new_tag(),
                                "upstream_unavailable", 502)
        self.assertNotIn(b"text/pl", body)
        self.assert_errors_grew("reset", before)
        self.assert_next_clean()

    def test_reset_mid_body(self):
        before = self.errors("reset")
        status, _ = self.get_cut("/reset-mid-body?tag=" + new_tag())
        self.assertEqual(status, 200)
        self.assert_errors_grew("reset", before)
        self.assert_next_clean()

    def test_garbage_status_line(self):
        before = self.errors("protocol")
        tag = new_tag()
        body = self.get_problem("/garbage?tag=" + tag, "upstream_unavailable", 502)
        self.assertNotIn(b"LOL", body)
        self.assert_errors_grew("protocol", before)
        self.assert_closed_by_rampart(tag)
        self.assert_next_clean()

    # -- slow upstreams -------------------------------------------------------------------
    def test_slow_headers_within_timeout(self):
        tag = new_tag()
        status, _, body = request(self.rp.port, "GET", "/slow-headers?ms=300&tag=" + tag)
        self.assertEqual(status, 200, body[:300])
        self.assertEqual(json.loads(body)["tag"], tag)
        self.assert_next_clean(3)

    def test_slow_headers_beyond_timeout(self):
        before = self.errors("timeout")
        tag = new_tag()
        t0 = time.monotonic()
        self.get_problem("/slow-headers?ms=2500&tag=" + tag, "upstream_timeout", 504)
        elapsed = time.monotonic() - t0
        self.assertLess(elapsed, UPSTREAM_TIMEOUT_S + 0.8, "504 after %.2fs" % elapsed)
        self.assert_errors_grew("timeout", before)
        # a head that arrives late must not land in the pool: the connection is closed
        self.assert_closed_by_rampart(tag, within=2.0)
        self.assert_next_clean()

    def test_slow_body_within_timeout(self):
        tag = new_tag()
        status, _, body = request(self.rp.port, "GET",
                                  "/slow-body?ms=300&bytes=2000&tag=" + tag)
        self.assertEqual(status, 200)
        self.assertEqual(body, b"b" * 2000)
        self.assert_next_clean(3)

    def test_slow_body_beyond_timeout(self):
        before = self.errors("timeout")
        tag = new_tag()
        status, elapsed = self.get_cut("/slow-body?ms=2500&bytes=2000&tag=" + tag)
        self.assertEqual(status, 200)
        self.assertLess(elapsed, UPSTREAM_TIMEOUT_S + 0.8, "cut after %.2fs" % elapsed)
        self.assert_errors_grew("timeout", before)
        self.assert_closed_by_rampart(tag, within=2.0)
        self.assert_next_clean()

    # -- more than one response -----------------------------------------------------------
    def _more_than_a_response(self, method, target, expect_status, expect_len=None):
        """The faulty request on a keep-alive client, then a second one on the same client,
        then other clients; the upstream connection is closed, never pooled."""
        tag = new_tag()
        c = RawClient(self.rp.port)
        self.addCleanup(c.close)
        status, h, body = c.request(method, target + "&tag=" + tag)
        self.assertEqual(status, expect_status, body[:300])
        self.assertNotIn(STRAY_BODY, body)
        if expect_len is not None:
            self.assertEqual(h.get("content-length"), expect_len, h)
        if method == "GET" and status == 200:
            self.assertEqual(json.loads(body)["tag"], tag)
        if status in (204, 304):
            self.assertNotIn("transfer-encoding", h)
        extra = c.unsolicited(0.1)
        self.assertEqual(extra, b"", "rampart relayed the upstream's extra bytes to the client")
        tag2 = new_tag()
        status, _, body = c.request("GET", "/ok?tag=" + tag2)
        self.assertEqual(status, 200, body[:300])
        self.assertNotIn(STRAY_BODY, body)
        self.assertEqual(json.loads(body)["tag"], tag2, "the same client got a stale response")
        self.assertNotIn(STRAY_BODY, c.received)
        self.assert_closed_by_rampart(tag)
        self.assert_next_clean()

    def test_extra_bytes_same_send(self):
        self._more_than_a_response("GET", "/extra?mode=same", 200)

    def test_extra_bytes_later_send(self):
        self._more_than_a_response("GET", "/extra?mode=later", 200)

    def test_body_after_head_same_send(self):
        self._more_than_a_response("HEAD", "/head-body?mode=same", 200, str(len(STRAY)))

    def test_body_after_head_later_send(self):
        self._more_than_a_response("HEAD", "/head-body?mode=later", 200, str(len(STRAY)))

    def test_body_after_204_same_send(self):
        self._more_than_a_response("GET", "/status?code=204&mode=same", 204)

    def test_body_after_204_later_send(self):
        self._more_than_a_response("GET", "/status?code=204&mode=later", 204)

    def test_body_after_204_with_content_length(self):
        self._more_than_a_response("GET", "/status?code=204&cl=1&mode=same", 204)

    def test_body_after_304_same_send(self):
        self._more_than_a_response("GET", "/status?code=304&mode=same", 304)

    def test_body_after_304_later_send(self):
        self._more_than_a_response("GET", "/status?code=304&mode=later", 304)

    # -- 101 ------------------------------------------------------------------------------
    def _switch(self, extra):
        before = self.errors("protocol")
        tag = new_tag()
        body = self.get_problem("/switch?extra=%d&tag=%s" % (extra, tag),
                                "upstream_unavailable", 502,
                                headers=[("Connection", "Upgrade"), ("Upgrade", "websocket"),
                                         ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
                                         ("Sec-WebSocket-Version", "13")])
        self.assertNotIn(b"hello", body)
        self.assert_errors_grew("protocol", before)
        self.assert_closed_by_rampart(tag)
        self.assert_next_clean()

    def test_101_refused(self):
        self._switch(0)

    def test_101_with_bytes_after_refused(self):
        self._switch(1)

    # -- an early answer, then a reset while the body is still being sent ----------------
    def _early(self, status, sizes, tries):
        """All answers are the upstream's early one. The contract says with Connection:
        close; a keep-alive answer is accepted only when the connection then serves a
        following request correctly (rampart read the whole body), and is reported."""
        lost, bad_after = [], []
        afters = collections.Counter()
        n = 0
        for size in sizes:
            for i in range(tries):
                then = ("fin-rst", "rst", "fin")[i % 3]
                tag = new_tag()
                st, h, body, err, after = early_post(
                    self.rp.port, "/early?status=%d&then=%s&tag=%s" % (status, then, tag), size)
                n += 1
                key = "%d MiB, then=%s" % (size >> 20, then)
                try:
                    answered = st == status and json.loads(body).get("early") == status
                except ValueError:
                    answered = False
                if not answered:
                    lost.append(("%s: got %s" % (key, st), body[:120], err))
                    continue
                afters[after] += 1
                if after not in ("closed", "reused"):
                    bad_after.append("%s: %s" % (key, after))
        summary = collections.Counter(x[0] for x in lost)
        report("early %d: %d tries, %d lost; after the answer: %s" % (
            status, n, len(lost), dict(afters)))
        self.assertEqual(len(lost), 0, "%d of %d early %d answers were lost: %s; first: %r" % (
            len(lost), n, status, dict(summary), lost[:1]))
        self.assertEqual(bad_after, [], "a kept-alive connection after an early %d answer "
                         "was not usable" % status)
        self.assert_next_clean()

    def test_early_405_then_reset(self):
        self._early(405, (1 << 20, 4 << 20), 20)

    def test_early_413_then_reset(self):
        self._early(413, (1 << 20, 4 << 20), 6)


class FaultMatrixOneWorkerTest(_Matrix, E2ETest):
    WORKERS = 1
    MAX_CONNECTIONS = 1


class FaultMatrixTwoWorkersTest(_Matrix, E2ETest):
    WORKERS = 2
    MAX_CONNECTIONS = 2


if __name__ == "__main__":
    unittest.main()
