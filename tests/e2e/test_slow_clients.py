"""Slow clients (issue 7, items 3 and 4; /work/notes/contract.md "Slow clients"): bodies that
trickle in must not hold upstream connections, bodies slower than body_min_rate or stalled
are cut at body_timeout with 408, and clients that stop reading are disconnected at
send_timeout so their upstream slots come back, while a slow but steady reader is not cut."""

import collections
import json
import socket
import sys
import threading
import time
import unittest
import uuid

from fault_upstream import FaultUpstream
from harness import E2ETest, base_config, metric, request, wait_until

CLOSED_BY_RAMPART = ("peer", "peer-reset", "peer-gone")


def sys_out(line):
    sys.stderr.write("\n  [report] %s\n" % line)


def new_tag():
    return uuid.uuid4().hex[:16]


def read_all(sock, timeout, limit=1 << 20):
    """Reads until close, timeout or limit: (bytes, 'eof' | 'reset' | 'timeout' | 'limit')."""
    out = b""
    deadline = time.monotonic() + timeout
    while len(out) < limit:
        left = deadline - time.monotonic()
        if left <= 0:
            return out, "timeout"
        sock.settimeout(left)
        try:
            data = sock.recv(65536)
        except socket.timeout:
            return out, "timeout"
        except ConnectionResetError:
            return out, "reset"
        if not data:
            return out, "eof"
        out += data
    return out, "limit"


def read_response(sock, timeout):
    """Reads one response (Content-Length framed) or until close: (status, headers, body,
    how) where how is 'complete', 'eof', 'reset' or 'timeout'."""
    buf = b""
    deadline = time.monotonic() + timeout
    while True:
        status, headers, rest = parse_head(buf)
        if status is not None and "content-length" in headers and \
                len(rest) >= int(headers["content-length"]):
            return status, headers, rest[:int(headers["content-length"])], "complete"
        left = deadline - time.monotonic()
        if left <= 0:
            return status, headers, rest, "timeout"
        sock.settimeout(left)
        try:
            data = sock.recv(65536)
        except socket.timeout:
            return status, headers, rest, "timeout"
        except ConnectionResetError:
            return status, headers, rest, "reset"
        if not data:
            return status, headers, rest, "eof"
        buf += data


def parse_head(data):
    head, sep, rest = data.partition(b"\r\n\r\n")
    if not sep:
        return None, {}, data
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return int(lines[0].split(" ")[1]), headers, rest


class LegitClient(threading.Thread):
    """Fires GET /ok?tag=T on fresh connections every interval until stopped; records every
    answer that is not its own 200."""

    def __init__(self, port, interval=0.1):
        super().__init__(daemon=True)
        self.port, self.interval = port, interval
        self.stop_event = threading.Event()
        self.ok, self.errors, self.latencies = 0, [], []

    def run(self):
        while not self.stop_event.is_set():
            tag = new_tag()
            t0 = time.monotonic()
            try:
                status, _, body = request(self.port, "GET", "/ok?tag=" + tag, timeout=5)
                if status == 200 and json.loads(body).get("tag") == tag:
                    self.ok += 1
                else:
                    self.errors.append((round(t0, 2), status, body[:160]))
            except Exception as e:  # noqa: BLE001 - every failure counts
                self.errors.append((round(t0, 2), "exception", repr(e)))
            self.latencies.append(time.monotonic() - t0)
            self.stop_event.wait(self.interval)

    def stop(self):
        self.stop_event.set()
        self.join(10)


class SlowBodyHoldsNoUpstreamTest(E2ETest):
    """(a) 25 Content-Length + 25 chunked clients trickle a 100-byte body, one byte every
    200 ms, against max_connections: 4; a legitimate client keeps getting 200 throughout."""

    CLIENTS = 25          # of each kind
    BODY = 100
    TICK = 0.2

    def test_trickled_small_bodies(self):
        up = FaultUpstream()
        self.addCleanup(up.stop)
        cfg = base_config(up.port, idle_timeout="10s")
        del cfg["upstreams"]["app"]["health"]
        cfg["upstreams"]["app"]["max_connections"] = 4
        rp = self.start_rampart(cfg)
        self.assertEqual(request(rp.port, "GET", "/ok?tag=warm")[0], 200)

        slow = []  # [sock, tag, pieces, last_sent]
        for i in range(2 * self.CLIENTS):
            tag = "slow-%d-%s" % (i, new_tag())
            s = socket.create_connection(("127.0.0.1", rp.port), timeout=5)
            self.addCleanup(s.close)
            if i % 2 == 0:
                head = ("POST /ok?tag=%s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n"
                        % (tag, self.BODY)).encode()
                pieces = [b"a"] * self.BODY
            else:
                head = ("POST /ok?tag=%s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked"
                        "\r\n\r\n" % tag).encode()
                pieces = [b"1\r\na\r\n"] * (self.BODY - 1) + [b"1\r\na\r\n0\r\n\r\n"]
            s.sendall(head)
            slow.append([s, tag, pieces, None])

        legit = LegitClient(rp.port)
        legit.start()
        self.addCleanup(legit.stop)
        send_errors = []
        # Within each tick client j sends at tick + j * TICK / clients, so the bodies end
        # 4 ms apart (a burst of 50 at once would just meet max_connections, by design).
        spacing = self.TICK / len(slow)
        t_start = time.monotonic()
        for k in range(self.BODY):
            for j, entry in enumerate(slow):
                pause = t_start + k * self.TICK + j * spacing - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                try:
                    entry[0].sendall(entry[2][k])
                    entry[3] = time.monotonic()
                except OSError as e:
                    send_errors.append((entry[1], k, repr(e)))
        time.sleep(0.5)
        legit.stop()

        answers = {}
        for s, tag, _, _ in slow:
            status, _, body, how = read_response(s, 5)
            answers[tag] = (status, body[:200], how)
        bad_slow = {t: a for t, a in answers.items() if a[0] != 200}
        bad_summary = dict(collections.Counter(
            "%s %s" % (a[0], a[1][:80]) for a in bad_slow.values()))
        # The upstream saw each slow request's head only after the client had sent its last
        # byte: no upstream connection was taken while a body trickled in.
        early = []
        for s, tag, _, last_sent in slow:
            rec = up.conn_for_tag(tag)
            if rec is None:
                continue
            q = [q for q in rec["requests"] if q["tag"] == tag][0]
            if last_sent is not None and q["t"] < last_sent - 0.05:
                early.append((tag, round(last_sent - q["t"], 2)))
        report = ("legit client: %d ok, %d errors %r; upstream: %d connections in all, at most "
                  "%d open at once; slow requests at the upstream before their body was in: %d"
                  % (legit.ok, len(legit.errors), legit.errors[:5], up.total, up.max_open,
                     len(early)))
        sys_out(report)
        self.assertGreater(legit.ok, 50, report)
        self.assertEqual(legit.errors, [], report)
        self.assertEqual(send_errors[:5], [], "slow clients were cut off while sending")
        self.assertEqual(bad_summary, {}, "%d slow clients not answered 200" % len(bad_slow))
        self.assertEqual(early, [], report)
        self.assertLessEqual(up.max_open, 4, report)


class BodyTimeoutTest(E2ETest):
    """(b) body_timeout / body_min_rate with request_buffer 1 KiB and max_connections 1."""

    def setUp(self):
        self.up = FaultUpstream()
        self.addCleanup(self.up.stop)
        cfg = base_config(self.up.port, idle_timeout="10s", request_buffer="1KiB",
                          body_timeout="1s", body_min_rate="1KiB")
        del cfg["upstreams"]["app"]["health"]
        cfg["upstreams"]["app"]["max_connections"] = 1
        cfg["upstreams"]["app"]["timeout"] = "30s"
        self.rp = self.start_rampart(cfg)
        self.assertEqual(request(self.rp.port, "GET", "/ok?tag=warm")[0], 200)

    def rejected(self):
        return metric(self.rp.metrics(), "rampart_rejected_requests_total",
                      reason="body_timeout") or 0

    def post_head(self, tag, length=None, chunked=False):
        s = socket.create_connection(("127.0.0.1", self.rp.port), timeout=5)
        self.addCleanup(s.close)
        framing = ("Transfer-Encoding: chunked" if chunked else "Content-Length: %d" % length)
        s.sendall(("POST /ok?tag=%s HTTP/1.1\r\nHost: x\r\nX-Request-ID: %s\r\n%s\r\n\r\n"
                   % (tag, tag, framing)).encode())
        return s

    def assert_408(self, s, tag, before, t_ref, low, high, what):
        status, headers, body, how = read_response(s, high + 3)
        elapsed = time.monotonic() - t_ref
        self.assertEqual(status, 408, "%s: got %r %r (%s) after %.2fs" % (
            what, status, body[:300], how, elapsed))
        self.assertEqual(headers.get("content-type", "").split(";")[0],
                         "application/problem+json")
        self.assertEqual(json.loads(body).get("code"), "request_timeout")
        self.assertEqual(headers.get("connection", "").lower(), "close")
        self.assertGreater(elapsed, low, "%s: cut after %.2fs" % (what, elapsed))
        self.assertLess(elapsed, high, "%s: cut after %.2fs" % (what, elapsed))
        self.assertTrue(wait_until(lambda: self.rejected() >= before + 1, 2.0, 0.05),
                        "rampart_rejected_requests_total{reason=body_timeout} did not grow")
        line = self.rp.wait_log(lambda l: l.get("event") == "request" and
                                l.get("request_id") == tag)
        self.assertIsNotNone(line, "no request log line for %s" % tag)
        self.assertEqual(line.get("status"), 408, line)

    def assert_slot_released(self, tag):
        rec = self.up.conn_for_tag(tag)
        if rec is not None:  # the body streamed: its upstream connection is closed by rampart
            closed = wait_until(lambda: self.up.conn_for_tag(tag)["closed"] is not None, 1.0)
            self.assertTrue(closed, "the upstream connection of the cut request stays open")
            self.assertIn(self.up.conn_for_tag(tag)["closed_by"], CLOSED_BY_RAMPART)
        t0 = time.monotonic()
        tag2 = new_tag()
        status, _, body = request(self.rp.port, "GET", "/ok?tag=" + tag2)
        self.assertEqual(status, 200, "max_connections 1: the next request got %r" % body[:300])
        self.assertEqual(json.loads(body)["tag"], tag2)
        self.assertLess(time.monotonic() - t0, 1.0)

    def _slower_than_min_rate(self, chunked):
        # 1.5 KiB at once (over request_buffer: the body streams and takes the upstream
        # connection), then 50 bytes every 250 ms = 200 B/s < 1 KiB/s. The deadline is
        # start + 1s + received/1KiB: about 3.1 s.
        tag = new_tag()
        before = self.rejected()
        s = self.post_head(tag, 50 * 1024, chunked)
        t0 = time.monotonic()
        first = b"x" * 1536
        s.sendall((b"%x\r\n%s\r\n" % (len(first), first)) if chunked else first)
        stop = threading.Event()

        def dribble():
            piece = b"y" * 50
            while not stop.is_set():
                try:
                    s.sendall((b"32\r\n%s\r\n" % piece) if chunked else piece)
                except OSError:
                    return
                stop.wait(0.25)
        t = threading.Thread(target=dribble, daemon=True)
        t.start()
        self.addCleanup(t.join, 2)
        self.addCleanup(stop.set)
        wait_until(lambda: self.up.conn_for_tag(tag), 1.0)
        self.assertIsNotNone(self.up.conn_for_tag(tag),
                             "a body over request_buffer did not stream to the upstream")
        self.assert_408(s, tag, before, t0, 2.0, 5.5, "body at 200 B/s, min rate 1 KiB/s")
        stop.set()
        self.assert_slot_released(tag)

    def test_streamed_body_slower_than_min_rate(self):
        self._slower_than_min_rate(False)

    def test_streamed_chunked_body_slower_than_min_rate(self):
        self._slower_than_min_rate(True)

    def test_stalled_streamed_body(self):
        # 2 KiB of a 50 KiB body, then nothing: cut body_timeout (1 s) after the last read
        tag = new_tag()
        before = self.rejected()
        s = self.post_head(tag, 50 * 1024)
        s.sendall(b"x" * 2048)
        t0 = time.monotonic()
        self.assert_408(s, tag, before, t0, 0.7, 2.0, "stalled streamed body")
        self.assert_slot_released(tag)

    def test_stalled_small_body(self):
        # 10 bytes of a 100-byte body (within request_buffer), then nothing: cut at ~1 s,
        # and the upstream never saw the request
        tag = new_tag()
        before = self.rejected()
        s = self.post_head(tag, 100)
        s.sendall(b"x" * 10)
        t0 = time.monotonic()
        self.assert_408(s, tag, before, t0, 0.7, 2.0, "stalled small body")
        self.assertIsNone(self.up.conn_for_tag(tag),
                          "a body within request_buffer reached the upstream before it was in")
        self.assert_slot_released(tag)

    def test_steady_body_within_rate_is_not_cut(self):
        # 4 KiB over ~2 s (2 KiB/s, above the 1 KiB/s minimum, reads 100 ms apart): served
        tag = new_tag()
        s = self.post_head(tag, 4096)
        for i in range(20):
            s.sendall(b"z" * 205 if i < 19 else b"z" * (4096 - 19 * 205))
            time.sleep(0.1)
        status, _, body, how = read_response(s, 5)
        self.assertEqual(status, 200, (body[:300], how))
        self.assertEqual(json.loads(body)["body_len"], 4096)


class NonReadingClientsTest(E2ETest):
    """(c) send_timeout 1 s, max_connections 2: two clients that never read a 50 MB download
    are disconnected and their upstream slots come back; a slow steady reader is not cut."""

    def setUp(self):
        self.up = self.start_upstream()
        cfg = base_config(self.up.port, idle_timeout="10s", send_timeout="1s")
        del cfg["upstreams"]["app"]["health"]
        cfg["upstreams"]["app"]["max_connections"] = 2
        cfg["upstreams"]["app"]["timeout"] = "60s"
        self.rp = self.start_rampart(cfg)

    def open_download(self, rcvbuf=None, size=50000000):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.addCleanup(s.close)
        if rcvbuf:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        s.settimeout(5)
        s.connect(("127.0.0.1", self.rp.port))
        s.sendall(b"GET /download?bytes=%d HTTP/1.1\r\nHost: x\r\n\r\n" % size)
        return s

    def test_non_readers_are_cut_and_slots_released(self):
        t0 = time.monotonic()
        non_readers = [self.open_download(rcvbuf=4096) for _ in range(2)]
        got = wait_until(lambda: sum(1 for _, p in self.up.stats()["paths"]
                                     if p == "/download") >= 2, 3.0)
        self.assertTrue(got, "the downloads never reached the upstream")
        first = request(self.rp.port, "GET", "/json")[0]  # expected 502: both slots taken
        t_free = wait_until(
            lambda: request(self.rp.port, "GET", "/json")[0] == 200 and time.monotonic(),
            6.0, 0.1)
        self.assertTrue(t_free, "no upstream slot came back within 6s with send_timeout 1s "
                        "(the first request right after the downloads started got %r)" % first)
        self.assertLess(t_free - t0, 1.0 + 2.5,
                        "the slots came back %.2fs after the non-readers started" % (t_free - t0))
        # Still not reading past send_timeout (the rest of their responses wait in rampart's
        # temp files, server.response_spool): rampart must have closed them by then.
        time.sleep(max(0.0, t0 + 4.0 - time.monotonic()))
        for i, s in enumerate(non_readers):
            data, how = read_all(s, 10, 50000000)
            self.assertIn(how, ("eof", "reset"),
                          "non-reader %d: rampart did not close it (%d bytes, %s)" % (
                              i, len(data), how))
            self.assertLess(len(data), 50000000)
        sys_out("non-readers: first request %r, slots back after %.2fs" % (first,
                                                                            t_free - t0))

    def test_slow_steady_reader_is_not_cut(self):
        # 64 KiB every 300 ms for 5 s: progress all the time, never 1 s without
        s = self.open_download()
        got, t0, gaps = 0, time.monotonic(), []
        while time.monotonic() - t0 < 5.0:
            s.settimeout(3)
            t_read = time.monotonic()
            try:
                data = s.recv(65536)
            except (ConnectionResetError, socket.timeout) as e:
                self.fail("slow reader cut after %.2fs, %d bytes: %r" % (
                    time.monotonic() - t0, got, e))
            if not data:
                self.fail("slow reader closed after %.2fs, %d bytes" % (time.monotonic() - t0,
                                                                          got))
            gaps.append(time.monotonic() - t_read)
            got += len(data)
            time.sleep(0.3)
        self.assertGreater(got, 200000)
        self.assertTrue(self.rp.alive())


if __name__ == "__main__":
    unittest.main()
