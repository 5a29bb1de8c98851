"""rampart's own error responses and response hygiene (SPEC §3 steps 10-11, §5)."""

import json
import time
import unittest

from harness import SharedRampart, E2ETest, base_config, free_port, request, with_dead_upstream

LEAKS = (b"Traceback", b"/app/main.py", b"UPSTREAM-INTERNAL-SECRET", b"psycopg2",
         b"UPSTREAM-OWN-502-TEXT", b"nginx/1.2", b"padding line")


class ErrorsTest(SharedRampart):

    @classmethod
    def config(cls, up):
        return with_dead_upstream(base_config(up.port))

    def test_problem_shape(self):
        # every path is covered by "/", but the api route lists its methods
        status, h, body = request(self.rp.port, "OPTIONS", "/json",
                                  headers={"X-Request-ID": "err-405"})
        doc = self.assert_problem(status, h, body, "method_not_allowed", 405)
        self.assertEqual(doc["request_id"], "err-405")
        self.assertIsInstance(doc["type"], str)
        self.assertIsInstance(doc["title"], str)

    def test_security_headers_on_own_problem_responses(self):
        status, h, body = request(self.rp.port, "OPTIONS", "/json")
        self.assertEqual(status, 405)
        self.assertEqual(h.get("x-content-type-options"), "nosniff")
        self.assertEqual(h.get("x-frame-options"), "DENY")
        self.assertEqual(h.get("referrer-policy"), "no-referrer")

    def test_upstream_unavailable(self):
        t0 = time.monotonic()
        status, h, body = request(self.rp.port, "GET", "/dead/x")
        self.assertLess(time.monotonic() - t0, 2.5)
        self.assert_problem(status, h, body, "upstream_unavailable", 502)

    def test_upstream_timeout(self):
        t0 = time.monotonic()
        status, h, body = request(self.rp.port, "GET", "/slow?ms=4000")
        elapsed = time.monotonic() - t0
        self.assert_problem(status, h, body, "upstream_timeout", 504)
        self.assertLess(elapsed, 3.5)
        self.assertGreater(elapsed, 1.5)

    def test_upstream_500_body_replaced_and_logged(self):
        rid = "fail-500-req"
        status, h, body = request(self.rp.port, "GET", "/fail", headers={"X-Request-ID": rid})
        doc = self.assert_problem(status, h, body, "upstream_error", 500)
        self.assertEqual(doc["request_id"], rid)
        for leak in LEAKS:
            self.assertNotIn(leak, body)
        line = self.rp.wait_log(lambda l: l.get("event") == "upstream_error"
                                and l.get("request_id") == rid)
        self.assertIsNotNone(line, "no upstream_error log line for %s" % rid)
        excerpts = [v for v in line.values() if isinstance(v, str) and "Traceback" in v]
        self.assertTrue(excerpts, "upstream body excerpt missing in %r" % line)
        for e in excerpts:
            self.assertLessEqual(len(e.encode()), 2048)
            self.assertGreaterEqual(len(e.encode()), 1024)  # the first 2 KiB, not a few bytes
        req = self.rp.wait_log(lambda l: l.get("event") == "request"
                               and l.get("request_id") == rid)
        self.assertIsNotNone(req)
        self.assertEqual(req.get("status"), 500)
        self.assertEqual(req.get("code"), "upstream_error")

    def test_upstream_502_body_replaced(self):
        status, h, body = request(self.rp.port, "GET", "/fail502")
        self.assert_problem(status, h, body, "upstream_error", 502)
        for leak in LEAKS:
            self.assertNotIn(leak, body)

    def test_no_leak_in_any_problem_body(self):
        for method, path in (("GET", "/fail"), ("GET", "/fail502"), ("GET", "/dead/"),
                             ("OPTIONS", "/x")):
            status, h, body = request(self.rp.port, method, path)
            self.assertGreaterEqual(status, 400)
            self.assertNotIn(b"127.0.0.1:%d" % self.up.port, body)
            self.assertNotIn(b"/tmp/", body)
            for leak in LEAKS:
                self.assertNotIn(leak, body)

    def test_server_and_powered_by_removed(self):
        status, h, body = request(self.rp.port, "GET", "/headers-bad")
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body), {"bad": True})
        self.assertNotIn("x-powered-by", h)
        self.assertNotEqual(h.get("server"), "gunicorn")
        self.assertNotIn("gunicorn", h.get("server", ""))
        self.assertEqual(h.get("x-content-type-options"), "nosniff")
        self.assertEqual(h.get("x-frame-options"), "DENY")
        self.assertEqual(h.get("referrer-policy"), "no-referrer")
        self.assertNotIn("strict-transport-security", h)  # development

    def test_upstream_cors_headers_removed(self):
        status, h, _ = request(self.rp.port, "GET", "/headers-bad",
                               headers={"Origin": "https://evil.example"})
        self.assertEqual(status, 200)
        cors = [k for k in h if k.startswith("access-control-")]
        self.assertEqual(cors, [], "upstream CORS headers passed through")

    def test_own_security_headers_kept(self):
        status, h, _ = request(self.rp.port, "GET", "/own-security-headers")
        self.assertEqual(status, 200)
        self.assertEqual(h.get("x-frame-options"), "SAMEORIGIN")
        self.assertEqual(h.get("x-content-type-options"), "nosniff")
        self.assertEqual(h.get("referrer-policy"), "no-referrer")

    def test_security_headers_on_plain_response(self):
        status, h, _ = request(self.rp.port, "GET", "/json")
        self.assertEqual(status, 200)
        self.assertEqual(h.get("x-content-type-options"), "nosniff")
        self.assertEqual(h.get("x-frame-options"), "DENY")
        self.assertEqual(h.get("referrer-policy"), "no-referrer")
        self.assertNotIn("strict-transport-security", h)


class ProductionHstsTest(E2ETest):

    def test_hsts_in_production(self):
        up = self.start_upstream()
        cfg = base_config(up.port)
        cfg["env"] = "production"
        for r in cfg["routes"]:
            r["public"] = True
        rp = self.start_rampart(cfg)
        status, h, _ = request(rp.port, "GET", "/json")
        self.assertEqual(status, 200)
        self.assertEqual(h.get("strict-transport-security"), "max-age=31536000")
        self.assertEqual(h.get("x-frame-options"), "DENY")
        status, h, body = request(rp.port, "OPTIONS", "/json")
        self.assert_problem(status, h, body, "method_not_allowed", 405)
        self.assertEqual(h.get("strict-transport-security"), "max-age=31536000")


if __name__ == "__main__":
    unittest.main()
