"""Connection limits on a raw socket: header/URI sizes, malformed and ambiguous requests,
slowloris and idle keep-alive timeouts (SPEC §3 step 1)."""

import json
import select
import socket
import time
import unittest

from harness import SharedRampart, base_config, parse_response, raw_ex, wait_until


class LimitsBase(SharedRampart):

    def problem_from_raw(self, data, code, status):
        self.assertTrue(data.startswith(b"HTTP/1.1 %d " % status), data[:300])
        st, h, body, rest = parse_response(data)
        self.assert_problem(st, h, body, code, status)
        return h, rest

    def requests_seen(self):
        return self.up.stats()["requests"]


class HeaderLimitsTest(LimitsBase):

    @classmethod
    def config(cls, up):
        return base_config(up.port, max_header_bytes="4KiB", body_timeout="2s")

    def test_headers_over_limit_431_and_close(self):
        before = self.requests_seen()
        req = b"GET /echo HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 5000 + b"\r\n\r\n"
        data, closed = raw_ex(self.rp.port, req, 3)
        self.problem_from_raw(data, "header_too_large", 431)
        self.assertTrue(closed, "connection not closed after 431")
        # many small headers adding up over the limit
        req = b"GET /echo HTTP/1.1\r\nHost: x\r\n" + b"".join(
            b"X-H%d: %s\r\n" % (i, b"v" * 90) for i in range(60)) + b"\r\n"
        data, closed = raw_ex(self.rp.port, req, 3)
        self.problem_from_raw(data, "header_too_large", 431)
        self.assertEqual(self.requests_seen(), before)

    def test_headers_under_limit_ok(self):
        req = (b"GET /echo HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 3000 +
               b"\r\nConnection: close\r\n\r\n")
        data, closed = raw_ex(self.rp.port, req, 5)
        st, h, body, _ = parse_response(data)
        self.assertEqual(st, 200, data[:300])
        self.assertEqual(json.loads(body)["headers"]["x-big"], "a" * 3000)

    def test_both_content_length_and_chunked_400_no_smuggling(self):
        before = self.requests_seen()
        req = (b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
               b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
               b"GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n")
        data, closed = raw_ex(self.rp.port, req, 3)
        self.problem_from_raw(data, "bad_request", 400)
        self.assertEqual(data.count(b"HTTP/1.1 "), 1, data)
        self.assertTrue(closed, "connection not closed after an ambiguous length")
        time.sleep(0.2)
        stats = self.up.stats()
        self.assertEqual(stats["requests"], before, stats["paths"][-5:])
        self.assertNotIn(["GET", "/smuggled"], stats["paths"])

    def test_differing_content_lengths_400_and_close(self):
        before = self.requests_seen()
        req = (b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
               b"Content-Length: 6\r\n\r\nhello!")
        data, closed = raw_ex(self.rp.port, req, 3)
        self.problem_from_raw(data, "bad_request", 400)
        self.assertTrue(closed)
        req = b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 6\r\n\r\nhello!"
        data, closed = raw_ex(self.rp.port, req, 3)
        self.problem_from_raw(data, "bad_request", 400)
        self.assertTrue(closed)
        self.assertEqual(self.requests_seen(), before)

    def test_transfer_encoding_gzip_400(self):
        before = self.requests_seen()
        req = (b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n"
               b"abcdefgh")
        data, closed = raw_ex(self.rp.port, req, 3)
        self.problem_from_raw(data, "bad_request", 400)
        self.assertEqual(self.requests_seen(), before)

    def test_malformed_requests_400(self):
        cases = [
            b"HELLO\r\n\r\n",
            b"GET\r\n\r\n",
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage-tls-hello\r\n\r\n",
            b"GET /json HTTP/1.1\r\nHost: x\r\nNoColonHeader\r\n\r\n",
            b"GET /json HTTP/1.1\r\nHost: x\r\nHost : y\r\n\r\n",
            b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
            b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
            b"GET /json HTTP/1.2\r\nHost: x\r\n\r\n",
            b"GET /json HTTP/2.0\r\nHost: x\r\n\r\n",
            b"GET /json HTTP/1.1\nHost: x\n\n",
            b"GET /json HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n",
            b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
            b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked;q=1\r\n\r\n0\r\n\r\n",
            b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1,2\r\n\r\nab",
        ]
        before = self.requests_seen()
        for req in cases:
            with self.subTest(req=req[:40]):
                data, closed = raw_ex(self.rp.port, req, 3)
                self.problem_from_raw(data, "bad_request", 400)
                self.assertTrue(closed, "connection kept open after malformed request")
        self.assertEqual(self.requests_seen(), before)

    def test_slowloris_closed_within_header_timeout(self):
        s = socket.create_connection(("127.0.0.1", self.rp.port), timeout=5)
        self.addCleanup(s.close)
        t0 = time.monotonic()
        s.sendall(b"GET /json HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        closed_at = None
        deadline = t0 + 6
        while time.monotonic() < deadline:
            try:
                s.sendall(b"a")
            except OSError:
                closed_at = time.monotonic()
                break
            r, _, _ = select.select([s], [], [], 0.1)
            if r:
                try:
                    b = s.recv(65536)
                except OSError:
                    b = b""
                if not b:
                    closed_at = time.monotonic()
                    break
        self.assertIsNotNone(closed_at, "trickling connection still open after 6 s")
        elapsed = closed_at - t0
        self.assertLessEqual(elapsed, 2.5, "closed after %.2fs" % elapsed)
        self.assertGreaterEqual(elapsed, 0.8, "closed after %.2fs" % elapsed)

    def test_idle_keepalive_closed_after_idle_timeout(self):
        s = socket.create_connection(("127.0.0.1", self.rp.port), timeout=5)
        self.addCleanup(s.close)

        def one_request():
            s.sendall(b"GET /json HTTP/1.1\r\nHost: x\r\n\r\n")
            buf = b""
            while b"\r\n\r\n" not in buf:
                b = s.recv(65536)
                self.assertTrue(b, "closed while waiting for a response")
                buf += b
            st, h, body, rest = parse_response(buf)
            n = int(h["content-length"])
            while len(body) < n:
                body += s.recv(65536)
            self.assertEqual(st, 200)

        one_request()
        time.sleep(1.0)  # under idle_timeout: the connection is still usable
        one_request()
        t0 = time.monotonic()
        s.settimeout(6)
        try:
            b = s.recv(65536)
        except ConnectionResetError:
            b = b""
        except socket.timeout:
            self.fail("idle keep-alive connection still open after 6 s")
        elapsed = time.monotonic() - t0
        self.assertEqual(b, b"", "unexpected data on an idle connection")
        self.assertGreaterEqual(elapsed, 1.5, "closed after %.2fs" % elapsed)
        self.assertLessEqual(elapsed, 3.5, "closed after %.2fs" % elapsed)


    def test_stalled_body_answered_408_after_body_timeout(self):
        s = socket.create_connection(("127.0.0.1", self.rp.port), timeout=5)
        self.addCleanup(s.close)
        s.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789")
        t0 = time.monotonic()
        s.settimeout(8)
        data = b""
        try:
            while True:
                b = s.recv(65536)
                if not b:
                    break
                data += b
        except ConnectionResetError:
            pass
        except socket.timeout:
            self.fail("a stalled request body kept the connection open for 8 s")
        elapsed = time.monotonic() - t0
        self.assertLess(elapsed, 4.0, "closed after %.2fs (body_timeout 2s)" % elapsed)
        self.assertGreater(elapsed, 1.0, "closed after %.2fs (body_timeout 2s)" % elapsed)
        status, h, body, _ = parse_response(data)
        self.assert_problem(status, h, body, "request_timeout", 408)
        self.assertEqual(h.get("connection"), "close")


class MaxConnectionsTest(LimitsBase):

    @classmethod
    def config(cls, up):
        return base_config(up.port, max_connections=3, idle_timeout="10s")

    def test_connections_over_max_closed(self):
        socks = []
        self.addCleanup(lambda: [s.close() for s in socks])
        for _ in range(3):
            s = socket.create_connection(("127.0.0.1", self.rp.port), timeout=5)
            s.sendall(b"GET /json HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertTrue(s.recv(65536).startswith(b"HTTP/1.1 200"))
            socks.append(s)
        extra = socket.create_connection(("127.0.0.1", self.rp.port), timeout=5)
        self.addCleanup(extra.close)
        t0 = time.monotonic()
        try:
            extra.sendall(b"GET /json HTTP/1.1\r\nHost: x\r\n\r\n")
            got = extra.recv(65536)
        except OSError:
            got = b""
        self.assertEqual(got, b"", "a 4th connection was served with max_connections 3")
        self.assertLess(time.monotonic() - t0, 1.0)
        socks.pop().close()

        def fourth_served():
            try:
                data = raw_ex(self.rp.port, b"GET /json HTTP/1.1\r\nHost: x\r\n"
                              b"Connection: close\r\n\r\n", 2)[0]
            except OSError:
                return False
            return data.startswith(b"HTTP/1.1 200")
        self.assertTrue(wait_until(fourth_served, 3.0, 0.1),
                        "no connection slot freed after a client left")


class UriLimitTest(LimitsBase):

    @classmethod
    def config(cls, up):
        return base_config(up.port, max_header_bytes="64KiB")

    def test_uri_over_8k_414(self):
        before = self.requests_seen()
        data, closed = raw_ex(self.rp.port, b"GET /echo?q=" + b"a" * 9000 +
                              b" HTTP/1.1\r\nHost: x\r\n\r\n", 3)
        self.problem_from_raw(data, "uri_too_long", 414)
        data, closed = raw_ex(self.rp.port, b"GET /" + b"p" * 20000 +
                              b" HTTP/1.1\r\nHost: x\r\n\r\n", 3)
        self.problem_from_raw(data, "uri_too_long", 414)
        self.assertEqual(self.requests_seen(), before)

    def test_uri_under_8k_ok(self):
        data, _ = raw_ex(self.rp.port, b"GET /echo?q=" + b"a" * 7000 +
                         b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 5)
        st, h, body, _ = parse_response(data)
        self.assertEqual(st, 200, data[:300])
        self.assertEqual(json.loads(body)["query"], "q=" + "a" * 7000)

    def test_large_headers_under_64k_ok(self):
        req = (b"GET /echo HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 30000 +
               b"\r\nConnection: close\r\n\r\n")
        data, _ = raw_ex(self.rp.port, req, 5)
        st, h, body, _ = parse_response(data)
        self.assertEqual(st, 200, data[:300])


if __name__ == "__main__":
    unittest.main()
