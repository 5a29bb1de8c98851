"""Routing a real API (issue 14) on the real binary: field report 002's template routes with
different rate limits, report 001's /api/v1 rewrite (the upstream sees the rewritten path,
the log the original), a template rewrite onto an upstream base path, host routing, captures
in the log line, a regex that backtracks catastrophically in PCRE answered at once, and
report 003's concurrency limit (max 2, queue 3: 2 at the upstream at once, 3 wait, the rest
503 overloaded with Retry-After; every slot given back)."""

import json
import socket
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from harness import E2ETest, base_config, metric, request, with_dead_upstream


def route(name, match, **extra):
    r = {"name": name, "match": match, "upstream": "app", "auth": "none"}
    r.update(extra)
    return r


class RawUpstream:
    """Answers every request with the target and Host exactly as received."""

    def __init__(self):
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                body = json.dumps({"target": self.path, "host": self.headers.get("Host"),
                                   "x_forwarded_host": self.headers.get("X-Forwarded-Host")
                                   }).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class RoutingTest(E2ETest):

    def setUp(self):
        self.up = self.start_upstream()
        self.raw = RawUpstream()
        self.addCleanup(self.raw.stop)

    def start(self, routes, raw=False, **upstream):
        cfg = base_config(self.raw.port if raw else self.up.port)
        if raw:
            del cfg["upstreams"]["app"]["health"]
        cfg["store"] = "sqlite:rampart.db"
        cfg["upstreams"]["app"].update(upstream)
        cfg["routes"] = routes
        return self.start_rampart(cfg)

    def test_report_002_template_routes_with_their_own_limits(self):
        rp = self.start([
            route("trend-stream", {"path_template": "/api/insights/{id}/trend-stream"},
                  rate_limit=["5/minute"]),
            route("insight", {"path_template": "/api/insights/{id}"}, rate_limit=["200/minute"]),
        ], raw=True)
        statuses = [request(rp.port, "GET", "/api/insights/7/trend-stream")[0]
                    for _ in range(6)]
        self.assertEqual(statuses, [200] * 5 + [429])
        # The detail route counts apart, and a trailing slash or an empty id is no route.
        details = [request(rp.port, "GET", "/api/insights/7")[0] for _ in range(20)]
        self.assertEqual(details, [200] * 20)
        self.assertEqual(request(rp.port, "GET", "/api/insights/7/")[0], 404)
        self.assertEqual(request(rp.port, "GET", "/api/insights//trend-stream")[0], 404)
        line = rp.wait_log(lambda l: l.get("event") == "request" and
                           l.get("route") == "insight")
        self.assertEqual(line["captures"], {"id": "7"})

    def test_report_001_v1_rewrite(self):
        rp = self.start([route("legacy-v1", {"path_prefix": "/api/v1/"},
                               rewrite={"prefix": "/api/"})], raw=True)
        status, _, body = request(rp.port, "GET", "/api/v1/users/7?x=1&y=%2F",
                                  headers={"X-Request-ID": "rewrite-1"})
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["target"], "/api/users/7?x=1&y=%2F")
        line = rp.wait_log(lambda l: l.get("request_id") == "rewrite-1")
        self.assertEqual(line["path"], "/api/v1/users/7")
        self.assertEqual(line["route"], "legacy-v1")

    def test_template_rewrite_onto_a_base_path(self):
        rp = self.start([route("user-posts", {"path_template": "/u/{user}/posts/{post}"},
                               rewrite={"template": "/posts/{post}/by/{user}"}),
                         route("rest", {"path_prefix": "/"})],
                        raw=True, url="http://127.0.0.1:%d/base/" % self.raw.port)
        status, _, body = request(rp.port, "GET", "/u/alice/posts/9?full=1")
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["target"], "/base/posts/9/by/alice?full=1")
        status, _, body = request(rp.port, "GET", "/other?q")
        self.assertEqual(json.loads(body)["target"], "/base/other?q")

    def test_host_and_header_routing(self):
        rp = self.start([
            route("tenant", {"path_prefix": "/", "host": "*.example.com"},
                  rewrite={"prefix": "/tenant/"}, preserve_host=True),
            route("beta", {"path_prefix": "/", "headers": {"X-Beta": {"present": True}}},
                  rewrite={"prefix": "/beta/"}),
            route("other", {"path_prefix": "/"}, rewrite={"prefix": "/other/"}),
        ], raw=True)

        def seen(headers):
            status, _, body = request(rp.port, "GET", "/x", headers=headers)
            self.assertEqual(status, 200, body)
            return json.loads(body)
        tenant = seen({"Host": "Acme.Example.com:8080"})
        self.assertEqual(tenant["target"], "/tenant/x")
        self.assertEqual(tenant["host"], "Acme.Example.com:8080")  # preserve_host
        self.assertEqual(tenant["x_forwarded_host"], "Acme.Example.com:8080")
        other = seen({"Host": "example.com", "X-Forwarded-Host": "spoofed"})
        self.assertEqual(other["target"], "/other/x")
        self.assertEqual(other["host"], "127.0.0.1:%d" % self.raw.port)
        self.assertEqual(other["x_forwarded_host"], "example.com")  # rampart's, not the client's
        self.assertEqual(seen({"Host": "a", "X-Beta": "1"})["target"], "/beta/x")

    def test_catastrophic_regex_is_linear(self):
        rp = self.start([route("evil", {"path_regex": "/(a+)+$"}),
                         route("rest", {"path_prefix": "/"}, rewrite={"prefix": "/rest/"})],
                        raw=True)
        path = "/" + "a" * 7000 + "!"  # PCRE: 2^7000 ways to fail
        start = time.monotonic()
        status, _, body = request(rp.port, "GET", path)
        elapsed = time.monotonic() - start
        self.assertEqual(status, 200, body)
        self.assertTrue(json.loads(body)["target"].startswith("/rest/aaa"))  # no match, quickly
        self.assertLess(elapsed, 1.0)
        status, _, body = request(rp.port, "GET", "/aaaa")
        self.assertEqual(json.loads(body)["target"], "/aaaa")  # the regex route


class GatedUpstream:
    """A threaded backend whose /work requests wait until released, counting how many are
    inside at once."""

    def __init__(self):
        self.lock = threading.Lock()
        self.inside = 0
        self.most_inside = 0
        self.served = 0
        self.release = threading.Event()
        gate = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                with gate.lock:
                    gate.inside += 1
                    gate.most_inside = max(gate.most_inside, gate.inside)
                if self.path.startswith("/work"):
                    gate.release.wait(10)
                elif self.path.startswith("/slow"):
                    time.sleep(0.3)
                with gate.lock:
                    gate.inside -= 1
                    gate.served += 1
                body = b"done"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


class ConcurrencyLimitTest(E2ETest):

    def start(self, queue_timeout="5s"):
        self.gate = GatedUpstream()
        self.addCleanup(self.gate.stop)
        cfg = base_config(self.gate.port)
        del cfg["upstreams"]["app"]["health"]
        cfg["upstreams"]["app"]["timeout"] = "10s"
        cfg["routes"] = [
            route("profiles", {"path_prefix": "/"},
                  concurrency={"max": 2, "queue": 3, "queue_timeout": queue_timeout}),
        ]
        return self.start_rampart(cfg)

    def fire(self, rp, n, path):
        results = [None] * n

        def one(i):
            results[i] = request(rp.port, "GET", path, timeout=15)
        threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        return threads, results

    def test_ten_concurrent_requests_max_2_queue_3(self):
        rp = self.start()
        threads, results = self.fire(rp, 10, "/work")
        # 2 inside, 3 queued, 5 answered 503 at once.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and sum(r is not None for r in results) < 5:
            time.sleep(0.02)
        time.sleep(0.2)
        self.assertEqual(self.gate.inside, 2)
        early = [r for r in results if r is not None]
        self.assertEqual(len(early), 5)
        for status, headers, body in early:
            self.assert_problem(status, headers, body, "overloaded", 503)
            self.assertEqual(headers.get("retry-after"), "5")
        samples = rp.metrics()
        self.assertEqual(metric(samples, "rampart_route_in_flight", route="profiles"), 2)
        self.gate.release.set()
        for t in threads:
            t.join(15)
        self.assertEqual(sorted(r[0] for r in results), [200] * 5 + [503] * 5)
        self.assertEqual(self.gate.most_inside, 2)
        self.assertEqual(self.gate.served, 5)
        samples = rp.metrics()
        self.assertEqual(metric(samples, "rampart_overloaded_total", route="profiles"), 5)
        self.assertEqual(metric(samples, "rampart_route_in_flight", route="profiles"), 0)

    def test_queue_timeout_and_slots_come_back_on_every_exit(self):
        rp = self.start(queue_timeout="300ms")
        threads, results = self.fire(rp, 3, "/work")
        # Two inside, one queued: that one gets 503 after 300 ms.
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and results.count(None) > 2:
            time.sleep(0.02)
        waited = [r for r in results if r is not None]
        self.assertEqual(len(waited), 1)
        self.assert_problem(*waited[0], "overloaded", 503)
        # Clients that go away while their request waits in the queue or is at the upstream
        # must not keep a slot.
        for _ in range(3):
            s = socket.create_connection(("127.0.0.1", rp.port))
            s.sendall(b"GET /work HTTP/1.1\r\nHost: x\r\n\r\n")
            time.sleep(0.05)
            s.close()
        self.gate.release.set()
        for t in threads:
            t.join(15)
        time.sleep(0.6)  # the abandoned ones end at their queue_timeout or the upstream's answer
        self.gate.release.clear()
        self.assertEqual(metric(rp.metrics(), "rampart_route_in_flight", route="profiles"), 0)
        # All slots back: two requests at once go straight in.
        t2, r2 = self.fire(rp, 2, "/slow")
        for t in t2:
            t.join(5)
        self.assertEqual([r[0] for r in r2], [200, 200])


class ConcurrencyUpstreamFailureTest(E2ETest):

    def test_an_upstream_failure_gives_the_slot_back(self):
        up = self.start_upstream()
        cfg = base_config(up.port)
        cfg = with_dead_upstream(cfg)
        cfg["routes"][0]["concurrency"] = {"max": 1, "queue": 0}
        rp = self.start_rampart(cfg)
        # With max 1 and no queue, a slot kept by a failed request would make the next 503.
        for _ in range(3):
            status, headers, body = request(rp.port, "GET", "/dead/x")
            self.assert_problem(status, headers, body, "upstream_unavailable", 502)
        self.assertEqual(metric(rp.metrics(), "rampart_route_in_flight", route="dead"), 0)

    def test_a_kept_alive_connection_does_not_keep_its_slot(self):
        import http.client
        up = self.start_upstream()
        cfg = base_config(up.port)
        cfg["routes"][1]["concurrency"] = {"max": 1, "queue": 0}
        rp = self.start_rampart(cfg)
        idle = http.client.HTTPConnection("127.0.0.1", rp.port, timeout=5)
        self.addCleanup(idle.close)
        idle.request("GET", "/json")
        resp = idle.getresponse()
        resp.read()
        self.assertEqual(resp.status, 200)
        # The first connection stays open and idle: its slot went back with its response.
        status, _, body = request(rp.port, "GET", "/json")
        self.assertEqual(status, 200, body)


if __name__ == "__main__":
    unittest.main()
