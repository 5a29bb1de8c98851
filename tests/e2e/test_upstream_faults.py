"""Upstream misbehaviour: empty-bodied statuses, stale pooled connections, malformed and
truncated responses (SPEC §3 step 10, docs/http-behaviour.md "Forwarding")."""

import http.client
import json
import threading
import time
import unittest

from harness import (SharedRampart, base_config, conn_request, free_port, metric, parse_response,
                     raw_ex, request, wait_until)


class UpstreamFaultsTest(SharedRampart):

    def errors(self, kind):
        return metric(self.rp.metrics(), "rampart_upstream_errors_total", upstream="app",
                      kind=kind) or 0

    def test_bodyless_statuses_do_not_hang(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.rp.port, timeout=5)
        self.addCleanup(conn.close)
        for code in (204, 304, 201, 404):
            with self.subTest(code=code):
                t0 = time.monotonic()
                status, h, body = conn_request(conn, "GET", "/status?code=%d" % code)
                self.assertEqual(status, code)
                self.assertLess(time.monotonic() - t0, 1.0)
                self.assertEqual(body, b"" if code in (204, 304) else b"ok")
        status, h, body = conn_request(conn, "GET", "/json")  # framing kept on the connection
        self.assertEqual(status, 200)

    def test_head_keeps_connection_framing(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.rp.port, timeout=5)
        self.addCleanup(conn.close)
        status, h, body = conn_request(conn, "HEAD", "/download?bytes=1000000")
        self.assertEqual(status, 200)
        self.assertEqual(h.get("content-length"), "1000000")
        self.assertEqual(body, b"")
        status, h, body = conn_request(conn, "GET", "/json")
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["ok"], True)

    def test_stale_pooled_connection_is_retried(self):
        for _ in range(3):
            status, _, _ = request(self.rp.port, "GET", "/close-quietly")
            self.assertEqual(status, 200)
            time.sleep(0.2)  # the upstream's FIN has arrived at rampart's pooled socket
            for _ in range(3):
                status, h, body = request(self.rp.port, "GET", "/json")
                self.assertEqual(status, 200, body[:300])

    def test_garbage_response_is_502(self):
        before = self.errors("protocol")
        status, h, body = request(self.rp.port, "GET", "/garbage-response")
        doc = self.assert_problem(status, h, body, json.loads(body).get("code"), 502)
        self.assertIn(doc["code"], ("upstream_error", "upstream_unavailable"))
        self.assertNotIn(b"LOL", body)
        self.assertNotIn(b"garbage", body)
        self.assertTrue(wait_until(lambda: self.errors("protocol") == before + 1, 2.0, 0.1),
                        "protocol errors %r, expected %r" % (self.errors("protocol"),
                                                               before + 1))
        self.assertEqual(request(self.rp.port, "GET", "/json")[0], 200)

    def test_ambiguous_framing_is_refused(self):
        # A pooled connection read differently from how the upstream meant it would hand one
        # client's response to another: rampart refuses such a response whole.
        for kind in ("te-and-cl", "two-lengths", "folded"):
            with self.subTest(kind=kind):
                before = self.errors("protocol")
                status, h, body = request(self.rp.port, "GET", "/ambiguous-framing?kind=" + kind)
                self.assert_problem(status, h, body, "upstream_unavailable", 502)
                self.assertNotIn(b"hello", body)
                self.assertTrue(
                    wait_until(lambda: self.errors("protocol") == before + 1, 2.0, 0.1),
                    "protocol errors %r, expected %r" % (self.errors("protocol"), before + 1))
        self.assertEqual(request(self.rp.port, "GET", "/json")[0], 200)

    def test_truncated_response_is_cut_not_completed(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.rp.port, timeout=5)
        self.addCleanup(conn.close)
        conn.request("GET", "/truncated")
        resp = conn.getresponse()
        self.assertEqual(resp.status, 200)  # the head was already relayed
        with self.assertRaises((http.client.IncompleteRead, ConnectionError)):
            resp.read()
        self.assertEqual(request(self.rp.port, "GET", "/json")[0], 200)


    def test_slow_body_cut_at_timeout(self):
        # api route, timeout 2s: a body still dripping at 2 s is cut (the head was relayed)
        conn = http.client.HTTPConnection("127.0.0.1", self.rp.port, timeout=8)
        self.addCleanup(conn.close)
        t0 = time.monotonic()
        conn.request("GET", "/drip?bytes=40&interval_ms=100")
        resp = conn.getresponse()
        self.assertEqual(resp.status, 200)
        with self.assertRaises((http.client.IncompleteRead, ConnectionError)):
            resp.read()
        elapsed = time.monotonic() - t0
        self.assertGreater(elapsed, 1.5)
        self.assertLess(elapsed, 3.5, "cut after %.2fs with timeout 2s" % elapsed)

    def test_close_delimited_body_relayed_whole(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.rp.port, timeout=5)
        self.addCleanup(conn.close)
        status, h, body = conn_request(conn, "GET", "/close-delimited")
        self.assertEqual(status, 200)
        self.assertEqual(body, b"close-delimited body " * 500)

    def test_interim_103_not_relayed(self):
        data, _ = raw_ex(self.rp.port, b"GET /early-hints HTTP/1.1\r\nHost: x\r\n"
                         b"Connection: close\r\n\r\n", 5)
        status, h, body, rest = parse_response(data)
        self.assertEqual(status, 200, data[:300])
        self.assertEqual(json.loads(body), {"after_hints": True})

    def test_set_cookie_headers_not_merged(self):
        data, _ = raw_ex(self.rp.port, b"GET /cookies2 HTTP/1.1\r\nHost: x\r\n"
                         b"Connection: close\r\n\r\n", 5)
        head = data.partition(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
        cookies = [l.split(":", 1)[1].strip() for l in head if l.lower().startswith("set-cookie:")]
        self.assertEqual(cookies, ["a=1; Path=/; Expires=Wed, 21 Oct 2037 07:28:00 GMT",
                                   "b=2; Path=/"])


class UpstreamConnectionCapTest(SharedRampart):

    @classmethod
    def config(cls, up):
        cfg = base_config(up.port)
        cfg["upstreams"]["app"]["max_connections"] = 1
        del cfg["upstreams"]["app"]["health"]  # the health checker must not take the slot
        return cfg

    def test_request_over_upstream_cap_is_502(self):
        results = []

        def slow():
            results.append(request(self.rp.port, "GET", "/slow?ms=800")[0])
        threads = [threading.Thread(target=slow, daemon=True) for _ in range(2)]
        for t in threads:
            t.start()
            time.sleep(0.2)
        for t in threads:
            t.join(5)
        self.assertEqual(sorted(results), [200, 502])

    def test_sequential_requests_fit_under_cap(self):
        # one request at a time never needs a second upstream connection: an idle pooled
        # connection (in any worker) must not make the next request fail
        statuses = [request(self.rp.port, "GET", "/json")[0] for _ in range(12)]
        self.assertEqual(statuses, [200] * 12)


if __name__ == "__main__":
    unittest.main()


class DeadUpstreamTest(SharedRampart):
    """An upstream nobody listens on: rampart answers 502 itself, mid-connection."""

    @classmethod
    def config(cls, up):
        return base_config(free_port())  # nothing listens there

    def test_body_of_a_failed_request_is_not_read_as_the_next_request(self):
        # The body of a POST whose upstream is unreachable is a request of its own. It was
        # left in the read buffer after the 502 and answered as the connection's next
        # request (here a 200 from /health): a client could have rampart serve a request
        # that no proxy or log in front of it ever saw as one.
        inner = b"GET /health HTTP/1.1\r\nHost: a\r\n\r\n"
        data = (b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n" % len(inner) + inner +
                b"GET /after HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        got, _ = raw_ex(self.rp.port, data)
        statuses = []
        rest = got
        while rest:
            status, _headers, _body, rest = parse_response(rest)
            statuses.append(status)
        self.assertEqual(statuses, [502, 502], got[:400])
