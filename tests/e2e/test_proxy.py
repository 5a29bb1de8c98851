"""Proxying: methods, bodies, keep-alive pooling, forwarded and hop-by-hop headers, routing,
request ids and traceparent (SPEC §3 steps 2, 4, 10)."""

import hashlib
import http.client
import http.server
import json
import socket
import threading
import time
import unittest

from harness import (SharedRampart, E2ETest, UUID_RE, TRACEPARENT_RE, base_config, request,
                     conn_request, parse_response, raw_ex)
from upstream import pattern_sha256


def echo(port, method="GET", path="/echo", headers=None, body=None):
    status, h, b = request(port, method, path, headers=headers, body=body)
    assert status == 200, (status, h, b[:500])
    return json.loads(b), h


class ProxyTest(SharedRampart):

    def test_methods_path_query_body_intact(self):
        for method in ("GET", "POST", "PUT", "DELETE"):
            with self.subTest(method=method):
                body = None if method in ("GET", "DELETE") else b'{"x": 1, "m": "%s"}' % (
                    method.encode())
                doc, h = echo(self.rp.port, method, "/echo/a%20b/c?q=1&r=two&q=3",
                              headers={"Content-Type": "application/json"}, body=body)
                self.assertEqual(doc["method"], method)
                self.assertEqual(doc["path"], "/echo/a%20b/c")
                self.assertEqual(doc["query"], "q=1&r=two&q=3")
                expect = body or b""
                self.assertEqual(doc["body_len"], len(expect))
                self.assertEqual(doc["body_sha256"], hashlib.sha256(expect).hexdigest())

    def test_encoded_path_and_repeated_headers_intact(self):
        req = (b"GET /echo/%E2%9C%93/a%2Cb%25?q=%20x&u=%C3%BC&e= HTTP/1.1\r\nHost: x\r\n"
               b"X-Multi: one\r\nX-Multi: two\r\nConnection: close\r\n\r\n")
        data, _ = raw_ex(self.rp.port, req, 5)
        status, h, body, _rest = parse_response(data)
        self.assertEqual(status, 200, data[:300])
        doc = json.loads(body)
        self.assertEqual(doc["path"], "/echo/%E2%9C%93/a%2Cb%25")
        self.assertEqual(doc["query"], "q=%20x&u=%C3%BC&e=")
        multi = [v for k, v in doc["header_list"] if k.lower() == "x-multi"]
        self.assertIn(multi, (["one", "two"], ["one, two"]))

    def test_status_and_body_intact(self):
        status, h, body = request(self.rp.port, "GET", "/json")
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body), {"ok": True, "service": "upstream"})
        self.assertEqual(h.get("content-type"), "application/json")
        status, h, body = request(self.rp.port, "GET", "/no-such-upstream-path")
        self.assertEqual(status, 404)  # the upstream's own 404 (not a 5xx): passed through
        self.assertEqual(json.loads(body), {"error": "upstream has no /no-such-upstream-path"})

    def test_head(self):
        status, h, body = request(self.rp.port, "HEAD", "/json")
        self.assertEqual(status, 200)
        self.assertEqual(body, b"")

    def test_keepalive_and_upstream_pooling(self):
        stats = self.up.stats()
        before, before_req = stats["proxied_connections"], stats["requests"]
        conn = http.client.HTTPConnection("127.0.0.1", self.rp.port, timeout=10)
        self.addCleanup(conn.close)
        for i in range(20):
            status, h, body = conn_request(conn, "GET", "/echo?i=%d" % i)
            self.assertEqual(status, 200, body)
            self.assertEqual(json.loads(body)["query"], "i=%d" % i)
            self.assertNotEqual(h.get("connection", "").lower(), "close")
        stats = self.up.stats()
        self.assertEqual(stats["requests"] - before_req, 20)
        used = stats["proxied_connections"] - before  # 0 when reusing pooled connections
        self.assertLessEqual(used, 4, "upstream saw %d connections for 20 requests" % used)

    def test_forwarded_headers_untrusted_peer(self):
        doc, resp_h = echo(self.rp.port, headers={"X-Forwarded-For": "1.2.3.4",
                                                  "X-Forwarded-Proto": "https"})
        hdrs = doc["headers"]
        self.assertEqual(hdrs.get("x-forwarded-for"), "127.0.0.1")
        self.assertEqual(hdrs.get("x-forwarded-proto"), "http")
        self.assertTrue(hdrs.get("x-request-id"))
        self.assertEqual(hdrs.get("x-request-id"), resp_h.get("x-request-id"))
        names = [k.lower() for k, _v in doc["header_list"]]
        for name in ("x-forwarded-for", "x-forwarded-proto", "x-request-id", "host"):
            self.assertEqual(names.count(name), 1, "%s sent %d times" % (name,
                                                                         names.count(name)))

    def test_spoofed_rampart_headers_removed(self):
        doc, _ = echo(self.rp.port, headers={"X-Rampart-Identity": "key:admin",
                                             "X-Rampart-Tier": "enterprise"})
        self.assertNotEqual(doc["headers"].get("x-rampart-identity"), "key:admin")
        self.assertNotEqual(doc["headers"].get("x-rampart-tier"), "enterprise")

    def test_pipelined_requests_answered_in_order(self):
        data, closed = raw_ex(
            self.rp.port,
            b"GET /echo?n=1 HTTP/1.1\r\nHost: x\r\n\r\n"
            b"POST /echo?n=2 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
            b"GET /echo?n=3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 5)
        self.assertTrue(closed, "no close after Connection: close")
        rest = data
        for n, method, length in ((1, "GET", 0), (2, "POST", 3), (3, "GET", 0)):
            status, h, body, rest = parse_response(rest)
            self.assertEqual(status, 200)
            doc = json.loads(body)
            self.assertEqual((doc["query"], doc["method"], doc["body_len"]),
                             ("n=%d" % n, method, length))
        self.assertEqual(rest, b"")

    def test_expect_100_continue(self):
        s = socket.create_connection(("127.0.0.1", self.rp.port), timeout=5)
        self.addCleanup(s.close)
        s.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                  b"Expect: 100-continue\r\nConnection: close\r\n\r\n")
        s.settimeout(1.5)
        try:
            interim = s.recv(65536)
        except socket.timeout:
            interim = b""
        self.assertTrue(interim.startswith(b"HTTP/1.1 100"),
                        "no 100 Continue before the body: %r" % interim[:100])
        s.settimeout(5)
        s.sendall(b"hello")
        data = interim.partition(b"\r\n\r\n")[2]
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
        status, h, body, _rest = parse_response(data)
        self.assertEqual(status, 200, data[:300])
        doc = json.loads(body)
        self.assertEqual(doc["body_len"], 5)
        self.assertNotIn("expect", doc["headers"])  # rampart answered it; not forwarded

    def test_http10_client(self):
        data, closed = raw_ex(self.rp.port, b"GET /download-chunked?bytes=1000 HTTP/1.0\r\n"
                              b"Host: x\r\n\r\n", 5)
        self.assertTrue(closed)
        status, h, body, _rest = parse_response(data)
        self.assertEqual(status, 200)
        self.assertNotIn("chunked", h.get("transfer-encoding", ""))
        self.assertEqual(h.get("connection", "close").lower(), "close")
        self.assertEqual(len(body), 1000, h)
        self.assertEqual(hashlib.sha256(body).hexdigest(), pattern_sha256(1000))

    def test_host_is_upstream(self):
        doc, _ = echo(self.rp.port, headers={"Host": "public.example.com"})
        self.assertEqual(doc["headers"].get("host"), "127.0.0.1:%d" % self.up.port)

    def test_hop_by_hop_headers_dropped(self):
        req = (b"GET /echo HTTP/1.1\r\nHost: x\r\n"
               b"Connection: keep-alive, X-Custom-Hop\r\n"
               b"X-Custom-Hop: secret-hop\r\n"
               b"Keep-Alive: timeout=5\r\n"
               b"TE: trailers\r\n"
               b"Upgrade: h2c-nope\r\n"
               b"Proxy-Connection: keep-alive\r\n"
               b"Trailer: X-Foo\r\n"
               b"X-End-To-End: kept\r\n\r\n")
        s = socket.create_connection(("127.0.0.1", self.rp.port), timeout=5)
        self.addCleanup(s.close)
        s.sendall(req)
        resp = http.client.HTTPResponse(s, method="GET")
        resp.begin()
        self.assertEqual(resp.status, 200)
        doc = json.loads(resp.read())
        hdrs = doc["headers"]
        for name in ("x-custom-hop", "keep-alive", "te", "upgrade", "proxy-connection",
                     "trailer"):
            self.assertNotIn(name, hdrs, "hop-by-hop %s reached the upstream" % name)
        self.assertNotIn("x-custom-hop", hdrs.get("connection", "").lower())
        self.assertEqual(hdrs.get("x-end-to-end"), "kept")

    def test_wrong_method_405(self):
        # the api route lists its methods; PATCH matches it by path only
        status, h, body = request(self.rp.port, "PATCH", "/json", body=b"x")
        self.assert_problem(status, h, body, "method_not_allowed", 405)
        allow = {m.strip() for m in h.get("allow", "").split(",")}
        self.assertTrue({"GET", "POST", "PUT", "DELETE", "HEAD"} <= allow, h)
        self.assertNotIn("PATCH", allow)

    def test_request_id_valid_is_kept(self):
        for rid in ("abc-123", "A.b_c:d-9", "x" * 128, "7"):
            with self.subTest(rid=rid):
                doc, h = echo(self.rp.port, headers={"X-Request-ID": rid})
                self.assertEqual(doc["headers"].get("x-request-id"), rid)
                self.assertEqual(h.get("x-request-id"), rid)
        line = self.rp.wait_log(lambda l: l.get("event") == "request"
                                and l.get("request_id") == "A.b_c:d-9")
        self.assertIsNotNone(line, "no request log line with the client's request id")

    def test_request_id_in_problem_body(self):
        status, h, body = request(self.rp.port, "PATCH", "/json",
                                  headers={"X-Request-ID": "prob-1"})
        doc = self.assert_problem(status, h, body, "method_not_allowed", 405)
        self.assertEqual(doc["request_id"], "prob-1")
        self.assertEqual(h.get("x-request-id"), "prob-1")

    def test_request_id_invalid_is_replaced(self):
        for rid in ("x" * 129, "bad id", "a/b", "qu\"ote", "ü-nicode"):
            with self.subTest(rid=rid):
                hdrs = {"X-Request-ID": rid.encode("utf-8").decode("latin-1")}
                doc, h = echo(self.rp.port, headers=hdrs)
                up_rid = doc["headers"].get("x-request-id", "")
                self.assertRegex(up_rid, UUID_RE)
                self.assertEqual(h.get("x-request-id"), up_rid)
        # empty header value: raw, since http.client may drop it
        s = socket.create_connection(("127.0.0.1", self.rp.port), timeout=5)
        self.addCleanup(s.close)
        s.sendall(b"GET /echo HTTP/1.1\r\nHost: x\r\nX-Request-ID: \r\nConnection: close\r\n\r\n")
        resp = http.client.HTTPResponse(s, method="GET")
        resp.begin()
        doc = json.loads(resp.read())
        self.assertRegex(doc["headers"].get("x-request-id", ""), UUID_RE)
        self.assertRegex(resp.getheader("X-Request-ID", ""), UUID_RE)

    def test_request_ids_are_unique(self):
        seen = set()
        for _ in range(10):
            _, h, _ = request(self.rp.port, "GET", "/json")
            self.assertRegex(h.get("x-request-id", ""), UUID_RE)
            seen.add(h["x-request-id"])
        self.assertEqual(len(seen), 10)

    def test_traceparent_valid_passed_unchanged(self):
        tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        doc, _ = echo(self.rp.port, headers={"traceparent": tp})
        self.assertEqual(doc["headers"].get("traceparent"), tp)

    def test_traceparent_started_when_missing_or_invalid(self):
        for tp in (None, "garbage", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331",
                   "00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-01",
                   "00-00000000000000000000000000000000-b7ad6b7169203331-01"):
            with self.subTest(tp=tp):
                doc, _ = echo(self.rp.port, headers={"traceparent": tp} if tp else {})
                got = doc["headers"].get("traceparent", "")
                m = TRACEPARENT_RE.match(got)
                self.assertIsNotNone(m, "upstream got traceparent %r" % got)
                self.assertNotEqual(got, tp)
                self.assertNotEqual(m.group(1), "0" * 32)
                self.assertNotEqual(m.group(2), "0" * 16)


class TrustedProxyTest(E2ETest):

    def test_xff_appended_for_trusted_peer(self):
        up = self.start_upstream()
        rp = self.start_rampart(base_config(up.port, trusted_proxies=["127.0.0.1/32"]))
        doc, _ = echo(rp.port, headers={"X-Forwarded-For": "1.2.3.4"})
        self.assertEqual(doc["headers"].get("x-forwarded-for"), "1.2.3.4, 127.0.0.1")
        doc, _ = echo(rp.port)
        self.assertEqual(doc["headers"].get("x-forwarded-for"), "127.0.0.1")


class RoutingTest(E2ETest):

    def test_404_and_405(self):
        up = self.start_upstream()
        cfg = base_config(up.port)
        cfg["routes"] = [
            {"name": "api", "match": {"path_prefix": "/api/", "methods": ["GET", "POST"]},
             "upstream": "app", "auth": "none"},
            {"name": "readonly", "match": {"path_prefix": "/ro", "methods": ["GET"]},
             "upstream": "app", "auth": "none"},
            {"name": "exact", "match": {"path": "/echo"}, "upstream": "app", "auth": "none"},
        ]
        rp = self.start_rampart(cfg)
        before = up.stats()["requests"]
        status, h, body = request(rp.port, "GET", "/nope")
        self.assert_problem(status, h, body, "not_found", 404)
        status, h, body = request(rp.port, "GET", "/api")  # prefix "/api/" is not "/api"
        self.assert_problem(status, h, body, "not_found", 404)
        status, h, body = request(rp.port, "GET", "/echo/more")  # exact path only
        self.assert_problem(status, h, body, "not_found", 404)
        status, h, body = request(rp.port, "POST", "/ro/thing", body=b"x")
        self.assert_problem(status, h, body, "method_not_allowed", 405)
        self.assertEqual([m.strip() for m in h.get("allow", "").split(",")], ["GET"], h)
        self.assertEqual(up.stats()["requests"], before, "a refused request was proxied")
        self.assertEqual(request(rp.port, "GET", "/api/json")[0], 200)
        self.assertEqual(request(rp.port, "POST", "/api/echo", body=b"1")[0], 200)
        self.assertEqual(request(rp.port, "GET", "/ro/json")[0], 404)  # upstream's own 404
        self.assertEqual(request(rp.port, "GET", "/echo")[0], 200)
        self.assertEqual(up.stats()["requests"] - before, 4)
        # dot segments and non-origin-form targets cannot sneak past the route table
        for target in (b"/api/../ro/x", b"/api/%2e%2e/ro/x", b"/api/%2E%2E/ro/x",
                       b"/api/./json", b"/api\\..\\ro", b"http://evil.example/api/json",
                       b"*"):
            with self.subTest(target=target):
                data, _closed = raw_ex(rp.port, b"GET " + target +
                                       b" HTTP/1.1\r\nHost: x\r\n\r\n", 3)
                st, h, body, _rest = parse_response(data)
                self.assert_problem(st, h, body, "bad_request", 400)
        self.assertEqual(up.stats()["requests"] - before, 4)

class NagleBackendTest(E2ETest):
    """A backend that writes its head and its body in two sends with Nagle on (Python's
    http.server as most scripts use it) holds the body until the head is ACKed; Linux delays
    that ACK up to 40 ms on a request/response connection, so each request took 44 ms direct
    and through rampart. rampart asks for the ACK at once when a response needs a second
    read."""

    def start_backend(self):
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive; wbufsize 0: head and body apart

            def log_message(self, *args):
                pass

            def do_GET(self):
                body = b'{"ok": true}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()  # one send
                self.wfile.write(body)  # a second, held by Nagle until the first is ACKed

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        return server.server_address[1]

    def test_a_body_sent_apart_is_not_held_by_a_delayed_ack(self):
        port = self.start_backend()
        rp = self.start_rampart(base_config(port))
        c = http.client.HTTPConnection("127.0.0.1", rp.port, timeout=5)
        self.addCleanup(c.close)
        c.request("GET", "/warm")
        c.getresponse().read()
        started = time.monotonic()
        for _ in range(10):
            c.request("GET", "/x")
            r = c.getresponse()
            self.assertEqual((r.status, r.read()), (200, b'{"ok": true}'))
        # 10 x 44 ms without the early ACK; well under a millisecond each with it.
        self.assertLess(time.monotonic() - started, 0.25)


if __name__ == "__main__":
    unittest.main()
