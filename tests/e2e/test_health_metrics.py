"""Built-in health endpoints and the admin listener: /metrics and admin auth (SPEC §4, §7)."""

import json
import shutil
import subprocess
import time
import unittest

from harness import (with_dead_upstream, ADMIN_KEY, E2ETest, SharedRampart, base_config, free_port, metric,
                     metric_matching, request, wait_until)


def health_config(up):
    cfg = base_config(up.port)
    # routes that do NOT cover /health*: the endpoints must still answer
    cfg["routes"] = [{"name": "api", "match": {"path_prefix": "/api/"}, "upstream": "app",
                      "auth": "none"}]
    return cfg


class HealthTest(E2ETest):

    def setUp(self):
        self.up = self.start_upstream()
        self.rp = self.start_rampart(health_config(self.up))

    def get_json(self, path):
        status, h, body = request(self.rp.port, "GET", path)
        self.assertTrue(h.get("content-type", "").startswith("application/json"), h)
        return status, json.loads(body)

    def ready_is(self, status, doc, timeout=1.5):
        def check():
            got = self.get_json("/health/ready")
            return got if got == (status, doc) else None
        got = wait_until(check, timeout, 0.05)
        if got is None:
            self.fail("readiness never became %r %r (last %r)" % (
                status, doc, self.get_json("/health/ready")))

    def test_health_and_live(self):
        self.assertEqual(self.get_json("/health"), (200, {"status": "ok"}))
        self.assertEqual(self.get_json("/health/live"), (200, {"status": "alive"}))
        before = self.up.stats()["requests"]
        for _ in range(3):
            self.get_json("/health")
        self.assertEqual(self.up.stats()["requests"], before, "health endpoint was proxied")

    def test_ready_follows_upstream_health(self):
        ready = {"status": "ready", "checks": {"store": "healthy", "upstream:app": "healthy"}}
        not_ready = {"status": "not_ready",
                     "checks": {"store": "healthy", "upstream:app": "unhealthy"}}
        self.ready_is(200, ready, timeout=2.0)
        self.up.get("/healthz/fail")
        t0 = time.monotonic()
        self.ready_is(503, not_ready, timeout=1.5)
        self.assertLess(time.monotonic() - t0, 1.5)
        samples = self.rp.metrics()
        self.assertEqual(metric(samples, "rampart_upstream_healthy", upstream="app"), 0)
        self.up.get("/healthz/ok")
        self.ready_is(200, ready, timeout=1.5)
        samples = self.rp.metrics()
        self.assertEqual(metric(samples, "rampart_upstream_healthy", upstream="app"), 1)
        # the health endpoints are not proxied even while the upstream is down
        self.assertEqual(self.get_json("/health"), (200, {"status": "ok"}))

    def test_ready_when_upstream_killed(self):
        self.ready_is(200, {"status": "ready", "checks": {"store": "healthy", "upstream:app": "healthy"}}, 2.0)
        self.up.stop()
        self.ready_is(503, {"status": "not_ready",
                            "checks": {"store": "healthy", "upstream:app": "unhealthy"}},
                      timeout=2.5)
        self.assertEqual(self.get_json("/health/live"), (200, {"status": "alive"}))

    def test_health_check_interval_honoured(self):
        before = self.up.stats()["healthz"]
        time.sleep(1.0)
        n = self.up.stats()["healthz"] - before
        self.assertGreaterEqual(n, 3, "%d checks in 1 s with interval 200ms" % n)
        self.assertLessEqual(n, 8, "%d checks in 1 s with interval 200ms" % n)

    def test_ready_lists_every_upstream(self):
        other = self.start_upstream()
        cfg = health_config(self.up)
        cfg["upstreams"]["other"] = {"url": other.url,
                                     "health": {"path": "/healthz", "interval": "200ms"}}
        rp = self.start_rampart(cfg)
        both = {"store": "healthy", "upstream:app": "healthy", "upstream:other": "healthy"}

        def ready(expect_status, expect_doc):
            def check():
                st, _, body = request(rp.port, "GET", "/health/ready")
                return (st, json.loads(body)) == (expect_status, expect_doc)
            return wait_until(check, 2.0, 0.05)
        self.assertTrue(ready(200, {"status": "ready", "checks": both}))
        other.get("/healthz/fail")
        self.assertTrue(ready(503, {"status": "not_ready", "checks": {
            "store": "healthy", "upstream:app": "healthy", "upstream:other": "unhealthy"}}),
            request(rp.port, "GET", "/health/ready"))

    def test_health_not_rate_or_route_dependent(self):
        status, h, body = request(self.rp.port, "GET", "/nope")
        self.assertEqual(status, 404)
        status, h, body = request(self.rp.port, "GET", "/health")
        self.assertEqual(status, 200)
        self.assertRegex(h.get("x-request-id", ""), r".+")


class MetricsTest(SharedRampart):

    @classmethod
    def config(cls, up):
        return with_dead_upstream(base_config(up.port))

    def test_metrics_format_passes_promtool(self):
        request(self.rp.port, "GET", "/json")
        request(self.rp.port, "GET", "/dead/x")
        status, h, body = request(self.rp.admin_port, "GET", "/metrics")
        self.assertEqual(status, 200)
        ctype = h.get("content-type", "")
        self.assertTrue(ctype.startswith("text/plain"), ctype)
        self.assertIn("version=0.0.4", ctype)
        promtool = shutil.which("promtool")
        if promtool is None:
            self.skipTest("promtool is not installed (scripts/setup installs it)")
        p = subprocess.run([promtool, "check", "metrics"], input=body, capture_output=True,
                           timeout=30)
        self.assertEqual(p.returncode, 0, (p.stdout + p.stderr).decode()[:3000])

    def test_request_counter_and_histograms(self):
        samples = self.rp.metrics()
        base = metric(samples, "rampart_http_requests_total", route="api", method="GET",
                      status="200") or 0
        hist_base = metric(samples, "rampart_http_request_duration_seconds_count",
                           route="api") or 0
        for _ in range(7):
            self.assertEqual(request(self.rp.port, "GET", "/json")[0], 200)
        self.assertEqual(request(self.rp.port, "POST", "/echo", body=b"x")[0], 200)

        def counted():
            s = self.rp.metrics()
            v = metric(s, "rampart_http_requests_total", route="api", method="GET",
                       status="200")
            return s if v == base + 7 else None
        samples = wait_until(counted, 2.0, 0.1)
        self.assertIsNotNone(samples, self.rp.metrics_text()[:3000])
        self.assertGreaterEqual(metric(samples, "rampart_http_requests_total", route="api",
                                       method="POST", status="200") or 0, 1)
        count = metric(samples, "rampart_http_request_duration_seconds_count", route="api")
        self.assertEqual(count, hist_base + 8)
        self.assertIsNotNone(metric(samples, "rampart_http_request_duration_seconds_sum",
                                    route="api"))
        buckets = metric_matching(samples, "rampart_http_request_duration_seconds_bucket",
                                  route="api")
        self.assertGreaterEqual(len(buckets), 2)
        inf = [v for l, v in buckets if l.get("le") == "+Inf"]
        self.assertEqual(inf, [count])
        ups = metric_matching(samples, "rampart_upstream_request_duration_seconds_bucket",
                              upstream="app")
        self.assertTrue(ups, "no upstream duration histogram for app")
        self.assertTrue(any(l.get("le") == "+Inf" and v >= 8 for l, v in ups))
        self.assertIsNotNone(metric(samples, "rampart_upstream_request_duration_seconds_count",
                                    upstream="app"))

    def test_upstream_connect_errors_counted(self):
        before = metric(self.rp.metrics(), "rampart_upstream_errors_total", upstream="dead",
                        kind="connect") or 0
        for _ in range(2):
            self.assertEqual(request(self.rp.port, "GET", "/dead/x")[0], 502)
        got = wait_until(lambda: (metric(self.rp.metrics(), "rampart_upstream_errors_total",
                                         upstream="dead", kind="connect") or 0) >= before + 2,
                         2.0, 0.1)
        self.assertTrue(got, self.rp.metrics_text()[:3000])
        samples = self.rp.metrics()
        self.assertGreaterEqual(metric(samples, "rampart_http_requests_total", route="dead",
                                       method="GET", status="502") or 0, 2)
        kinds = {l.get("kind") for l, _ in metric_matching(samples,
                                                            "rampart_upstream_errors_total")}
        self.assertTrue(kinds <= {"connect", "timeout", "reset", "protocol"}, kinds)

    def test_unknown_methods_do_not_grow_labels(self):
        for method in ("XYZZY", "FOOBAR"):
            status, h, body = request(self.rp.port, method, "/json")
            self.assertIn(status, (400, 405, 501))
        samples = self.rp.metrics()
        methods = {l.get("method") for l, _ in metric_matching(samples,
                                                                "rampart_http_requests_total")}
        self.assertNotIn("XYZZY", methods)
        self.assertNotIn("FOOBAR", methods)

    def test_upstream_timeouts_counted(self):
        def timeouts():
            return metric(self.rp.metrics(), "rampart_upstream_errors_total", upstream="app",
                          kind="timeout") or 0
        before = timeouts()
        self.assertEqual(request(self.rp.port, "GET", "/slow?ms=3000")[0], 504)
        self.assertTrue(wait_until(lambda: timeouts() == before + 1, 2.0, 0.1),
                        "timeout errors %r, expected %r" % (timeouts(), before + 1))

    def test_gauges_and_build_info(self):
        samples = self.rp.metrics()
        self.assertIsNotNone(metric(samples, "rampart_active_connections"),
                             "rampart_active_connections missing")
        self.assertEqual(metric(samples, "rampart_upstream_healthy", upstream="app"), 1)
        info = metric_matching(samples, "rampart_build_info")
        self.assertEqual(len(info), 1, info)
        self.assertTrue(info[0][0].get("version"))
        self.assertEqual(info[0][1], 1)
        reloads = {l.get("result") for l, _ in metric_matching(samples,
                                                                "rampart_config_reloads_total")}
        self.assertEqual(reloads, {"success", "failure"})

    def test_active_connections_counts_open_clients(self):
        import socket

        def active():
            return metric(self.rp.metrics(), "rampart_active_connections")
        socks = []
        try:
            for _ in range(5):
                s = socket.create_connection(("127.0.0.1", self.rp.port), timeout=5)
                s.sendall(b"GET /json HTTP/1.1\r\nHost: x\r\n\r\n")
                s.recv(65536)
                socks.append(s)
            with_open = wait_until(lambda: (active() or 0) >= 5 and active(), 2.0)
            self.assertTrue(with_open, "active_connections %r with 5 open clients" % active())
        finally:
            for s in socks:
                s.close()
        dropped = wait_until(lambda: active() <= with_open - 5, 3.0)
        self.assertTrue(dropped, "active_connections %r after closing 5 of %r" % (
            active(), with_open))

    def test_admin_paths_need_the_key(self):
        for headers in ({}, {"Authorization": "Bearer wrong-key-" + "x" * 30},
                        {"Authorization": ADMIN_KEY}, {"X-API-Key": ADMIN_KEY}):
            with self.subTest(headers=list(headers)):
                status, h, body = request(self.rp.admin_port, "GET", "/admin/api/keys",
                                          headers=headers)
                self.assert_problem(status, h, body, "unauthorized", 401)
                self.assertTrue(h.get("www-authenticate", "").startswith("Bearer"), h)
                self.assertNotIn(ADMIN_KEY.encode(), body)
        status, h, body = request(self.rp.admin_port, "GET", "/admin/no-such-thing",
                                  headers={"Authorization": "Bearer " + ADMIN_KEY})
        self.assert_problem(status, h, body, "not_found", 404)
        status, h, body = request(self.rp.admin_port, "GET", "/metrics",
                                  headers={"Authorization": "Bearer nope"})
        self.assertEqual(status, 200)  # /metrics needs no auth, a bad one does not hurt

    def test_admin_listener_does_not_proxy(self):
        before = self.up.stats()["requests"]
        status, h, body = request(self.rp.admin_port, "GET", "/json",
                                  headers={"Authorization": "Bearer " + ADMIN_KEY})
        self.assertEqual(status, 404)
        self.assertEqual(self.up.stats()["requests"], before)


if __name__ == "__main__":
    unittest.main()
