"""Streaming: 100 MiB uploads and downloads in bounded memory, SSE flushing, client
disconnect propagation and stream max_duration (SPEC §3 step 10)."""

import hashlib
import http.client
import json
import socket
import threading
import time
import unittest

from harness import ASAN, SharedRampart, base_config, wait_until
from upstream import pattern_bytes, pattern_sha256

MIB = 1024 * 1024
BIG = 100 * MIB
HWM_LIMIT_KIB = 96 * 1024


class MemoryWatch:
    """Samples rampart's VmRSS every 50 ms while a transfer runs."""

    def __init__(self, rp):
        self.rp = rp
        self.max_rss = 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            try:
                self.max_rss = max(self.max_rss, self.rp.rss_kib()["VmRSS"])
            except (OSError, KeyError):
                return
            self._stop.wait(0.05)

    def __enter__(self):
        self._t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join(timeout=2)


class BigBodyTest(SharedRampart):

    @classmethod
    def config(cls, up):
        cfg = base_config(up.port)
        cfg["upstreams"]["app"]["timeout"] = "60s"
        return cfg

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.baseline = cls.rp.rss_kib()

    def assert_memory_bounded(self, watch):
        mem = self.rp.rss_kib()
        limit = HWM_LIMIT_KIB
        if ASAN:  # sanitizer shadow memory and quarantine: bound the growth instead
            limit += self.baseline["VmHWM"]
        self.assertLess(mem["VmHWM"], limit,
                        "VmHWM %d KiB (max sampled RSS %d KiB, baseline %r)" % (
                            mem["VmHWM"], watch.max_rss, self.baseline))

    def upload(self, chunked):
        conn = http.client.HTTPConnection("127.0.0.1", self.rp.port, timeout=60)
        self.addCleanup(conn.close)
        headers = {"Content-Type": "application/octet-stream"}
        if not chunked:
            headers["Content-Length"] = str(BIG)
        with MemoryWatch(self.rp) as watch:
            conn.request("POST", "/echo", body=pattern_bytes(BIG), headers=headers,
                         encode_chunked=chunked)
            resp = conn.getresponse()
            body = resp.read()
        self.assertEqual(resp.status, 200, body[:300])
        doc = json.loads(body)
        self.assertEqual(doc["body_len"], BIG)
        self.assertEqual(doc["body_sha256"], pattern_sha256(BIG))
        return doc, watch

    def download(self, path):
        conn = http.client.HTTPConnection("127.0.0.1", self.rp.port, timeout=60)
        self.addCleanup(conn.close)
        h = hashlib.sha256()
        n = 0
        with MemoryWatch(self.rp) as watch:
            conn.request("GET", path)
            resp = conn.getresponse()
            self.assertEqual(resp.status, 200)
            while True:
                piece = resp.read(256 * 1024)
                if not piece:
                    break
                n += len(piece)
                h.update(piece)
        self.assertEqual(n, BIG)
        self.assertEqual(h.hexdigest(), pattern_sha256(BIG))
        return resp, watch

    def test_upload_content_length_100mib(self):
        doc, watch = self.upload(chunked=False)
        self.assertEqual(doc["headers"].get("content-length"), str(BIG))
        self.assert_memory_bounded(watch)

    def test_upload_chunked_100mib(self):
        doc, watch = self.upload(chunked=True)
        self.assert_memory_bounded(watch)

    def test_download_content_length_100mib(self):
        resp, watch = self.download("/download?bytes=%d" % BIG)
        self.assertEqual(resp.getheader("Content-Length"), str(BIG))
        self.assert_memory_bounded(watch)

    def test_download_chunked_100mib(self):
        resp, watch = self.download("/download-chunked?bytes=%d" % BIG)
        self.assert_memory_bounded(watch)


def read_event(resp, buf):
    """Reads from an http.client response until one SSE event is complete."""
    while b"\n\n" not in buf:
        piece = resp.read1(65536)
        if not piece:
            raise EOFError("stream ended")
        buf += piece
    event, _, rest = buf.partition(b"\n\n")
    return event, rest


class SseTest(SharedRampart):

    def open_sse(self, query):
        conn = http.client.HTTPConnection("127.0.0.1", self.rp.port, timeout=10)
        self.addCleanup(conn.close)
        conn.request("GET", "/sse?" + query, headers={"Accept": "text/event-stream"})
        resp = conn.getresponse()
        self.assertEqual(resp.status, 200)
        return conn, resp

    def test_events_flushed_as_they_arrive(self):
        t0 = time.monotonic()
        conn, resp = self.open_sse("events=3&interval_ms=2000")
        self.assertEqual(resp.getheader("Content-Type", "").split(";")[0], "text/event-stream")
        ev, buf = read_event(resp, b"")
        first = time.monotonic() - t0
        self.assertEqual(ev, b"data: 0")
        self.assertLess(first, 1.0, "first event after %.2fs" % first)
        ev, buf = read_event(resp, buf)
        second = time.monotonic() - t0
        self.assertEqual(ev, b"data: 1")
        self.assertGreater(second, 1.5)
        self.assertLess(second, 2.9, "second event after %.2fs" % second)

    def test_client_disconnect_closes_upstream_stream(self):
        tag = "disc%d" % time.monotonic_ns()
        s = socket.create_connection(("127.0.0.1", self.rp.port), timeout=5)
        self.addCleanup(s.close)
        s.sendall(b"GET /sse?events=100&interval_ms=200&tag=%s HTTP/1.1\r\nHost: x\r\n"
                  b"X-Request-ID: %s\r\nAccept: text/event-stream\r\n\r\n" % (
                      tag.encode(), tag.encode()))
        buf = b""
        deadline = time.monotonic() + 5
        while b"data: 0\n\n" not in buf and time.monotonic() < deadline:
            b = s.recv(65536)
            if not b:
                break
            buf += b
        self.assertIn(b"data: 0\n\n", buf)
        s.close()
        closed_at = time.time()

        def disconnect():
            for d in self.up.stats()["sse_disconnects"]:
                if tag in d["path"]:
                    return d
            return None
        d = wait_until(disconnect, 3.0, 0.05)
        self.assertIsNotNone(d, "upstream never saw the stream's client go away")
        self.assertLess(d["ts"] - closed_at, 1.5,
                        "upstream saw the disconnect %.2fs after the client closed" % (
                            d["ts"] - closed_at))
        self.assertLess(d["events_sent"], 20)
        line = self.rp.wait_log(lambda l: l.get("event") == "request"
                                and l.get("request_id") == tag)
        self.assertIsNotNone(line, "the aborted stream was not logged")
        self.assertIn(line.get("status"), (200, 499))

    def test_client_gone_before_response_logged_499(self):
        s = socket.create_connection(("127.0.0.1", self.rp.port), timeout=5)
        s.sendall(b"GET /slow?ms=1000 HTTP/1.1\r\nHost: x\r\nX-Request-ID: gone-499\r\n\r\n")
        time.sleep(0.3)
        s.close()
        line = self.rp.wait_log(lambda l: l.get("event") == "request"
                                and l.get("request_id") == "gone-499", timeout=3)
        self.assertIsNotNone(line, "a request whose client left was not logged")
        self.assertEqual(line.get("status"), 499)  # docs/http-behaviour.md: nginx convention
        self.assertLess(line.get("duration_ms", 10 ** 6), 900, "rampart kept waiting")

    def test_max_duration_closes_stream(self):
        t0 = time.monotonic()
        conn, resp = self.open_sse("events=100&interval_ms=500")
        events = 0
        buf = b""
        try:
            while True:
                ev, buf = read_event(resp, buf)
                events += 1
                if time.monotonic() - t0 > 8:
                    break
        except (EOFError, http.client.IncompleteRead, ConnectionError, socket.timeout):
            pass
        elapsed = time.monotonic() - t0
        self.assertGreaterEqual(elapsed, 2.5, "stream closed after %.2fs" % elapsed)
        self.assertLessEqual(elapsed, 5.0, "stream closed after %.2fs" % elapsed)
        self.assertGreaterEqual(events, 4)

    def test_non_stream_route_keeps_timeout(self):
        # /slow on the api route (timeout 2s) is cut, the sse route's budget is not borrowed
        t0 = time.monotonic()
        conn = http.client.HTTPConnection("127.0.0.1", self.rp.port, timeout=10)
        self.addCleanup(conn.close)
        conn.request("GET", "/slow?ms=3000")
        resp = conn.getresponse()
        resp.read()
        self.assertEqual(resp.status, 504)
        self.assertLess(time.monotonic() - t0, 3.0)


if __name__ == "__main__":
    unittest.main()
