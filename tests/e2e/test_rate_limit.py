"""Rate limits with the local backend (SPEC §2 rate_limits, route rate_limit, §3 step 8;
issue 11) on the real binary: the field report's own check (100/minute: #101 gets 429),
identities counted apart (API key, client IP behind a trusted proxy), tiers, exactness across
workers, dry_run, the headers on every response, a steady overload held to N per period, and
the config rules."""

import http.client
import json
import os
import subprocess
import threading
import time
import unittest

from harness import (ADMIN_KEY, RAMPART_BIN, E2ETest, Rampart, SharedRampart, Upstream,
                     base_config, metric, request)


def limited_config(up_port, **server):
    cfg = base_config(up_port, **server)
    cfg["store"] = "sqlite:rampart.db"
    cfg["rate_limits"] = {
        "report": ["100/minute"],
        "generation": {"limits": ["3/minute", "50/hour"], "tiers": {"pro": ["6/minute"]}},
    }
    cfg["routes"] = [
        {"name": "report", "match": {"path_prefix": "/echo/report"}, "upstream": "app",
         "auth": "none", "rate_limit": "report"},
        {"name": "generate", "match": {"path_prefix": "/echo/generate"}, "upstream": "app",
         "auth": "required", "rate_limit": "generation"},
        {"name": "by-ip", "match": {"path_prefix": "/echo/by-ip"}, "upstream": "app",
         "auth": "none", "rate_limit": ["2/minute"]},
        {"name": "trial", "match": {"path_prefix": "/echo/trial"}, "upstream": "app",
         "auth": "none", "rate_limit": ["1/minute"], "dry_run": True},
        {"name": "exact", "match": {"path_prefix": "/echo/exact"}, "upstream": "app",
         "auth": "none", "rate_limit": ["50/minute"]},
        {"name": "steady", "match": {"path_prefix": "/echo/steady"}, "upstream": "app",
         "auth": "none", "rate_limit": ["10/second"]},
        {"name": "open", "match": {"path_prefix": "/"}, "upstream": "app", "auth": "none"},
    ]
    return cfg


class RateLimitTest(SharedRampart):

    @classmethod
    def config(cls, up):
        # 127.0.0.1 is the trusted proxy: X-Forwarded-For names the clients.
        return limited_config(up.port, trusted_proxies=["127.0.0.1/32"])

    def get(self, path, headers=None):
        return request(self.rp.port, "GET", path, headers=headers or {})

    def limited_total(self, route):
        return metric(self.rp.metrics(), "rampart_rate_limited_total", route=route) or 0

    def create_key(self, name, *extra):
        p = subprocess.run([RAMPART_BIN, "keys", "create", "--name", name, *extra, "-c",
                            self.rp.config_path], cwd=self.rp.workdir, env=self.rp.env,
                           capture_output=True, text=True, timeout=20)
        self.assertEqual(p.returncode, 0, p.stderr)
        key = p.stdout.strip()
        deadline = time.monotonic() + 3
        # Wait until the running instance knows the key (within 2 s, SPEC §1): the probe that
        # gets in counts as one of the key's requests.
        while True:
            status, _, _ = request(self.rp.port, "GET", "/echo/generate/probe",
                                   headers={"X-API-Key": key, "X-Forwarded-For": "198.51.100.1"})
            if status != 401 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        return key

    def test_the_field_reports_check_100_per_minute(self):
        """Requests 1-100 pass, #101 gets 429 with Retry-After and RateLimit headers."""
        conn = http.client.HTTPConnection("127.0.0.1", self.rp.port, timeout=10)
        client = {"X-Forwarded-For": "203.0.113.7"}
        try:
            for i in range(1, 102):
                conn.request("GET", "/echo/report", headers=client)
                resp = conn.getresponse()
                body = resp.read()
                if i <= 100:
                    self.assertEqual(resp.status, 200, "request %d: %r" % (i, body))
                    self.assertEqual(resp.getheader("RateLimit-Limit"), "100")
                    self.assertEqual(resp.getheader("RateLimit-Remaining"), str(100 - i))
                    self.assertGreaterEqual(int(resp.getheader("RateLimit-Reset")), 1)
                else:
                    doc = self.assert_problem(resp.status, {k.lower(): v for k, v in
                                                            resp.getheaders()},
                                              body, "rate_limited", expect_status=429)
                    self.assertEqual(doc["detail"], "limit 100/minute exceeded")
                    retry = resp.getheader("Retry-After")
                    self.assertRegex(retry, r"^[1-9][0-9]*$")  # whole seconds, never 0
                    self.assertLessEqual(int(retry), 120)
                    self.assertEqual(doc["retry_after"], int(retry))
                    self.assertEqual(resp.getheader("RateLimit-Remaining"), "0")
        finally:
            conn.close()
        line = self.rp.wait_log(lambda l: l.get("route") == "report" and l.get("status") == 429)
        self.assertIsNotNone(line)
        self.assertTrue(line.get("rate_limited"))
        self.assertEqual(line["identity"], "ip:203.0.113.7")
        self.assertEqual(self.limited_total("report"), 1)

    def test_clients_behind_a_trusted_proxy_are_counted_apart(self):
        for client in ("192.0.2.1", "192.0.2.2"):
            for _ in range(2):
                self.assertEqual(self.get("/echo/by-ip", {"X-Forwarded-For": client})[0], 200)
            self.assertEqual(self.get("/echo/by-ip", {"X-Forwarded-For": client})[0], 429)
        # The right-most untrusted address is the client: a spoofed left part changes nothing.
        status, _, _ = self.get("/echo/by-ip", {"X-Forwarded-For": "10.9.9.9, 192.0.2.1"})
        self.assertEqual(status, 429)

    def test_api_keys_are_limited_apart_and_by_tier(self):
        free = self.create_key("free-client")
        pro = self.create_key("pro-client", "--tier", "pro")
        other = self.create_key("other-client")
        counts = {}
        for name, key in (("free", free), ("pro", pro), ("other", other)):
            passed = 0
            for _ in range(8):
                status, h, _ = self.get("/echo/generate", {"X-API-Key": key,
                                                           "X-Forwarded-For": "198.51.100.1"})
                passed += status == 200
                self.assertIn(status, (200, 429))
            counts[name] = passed
        # The probe in create_key counted one request per key (under its own identity).
        self.assertEqual(counts["free"], 2)   # 3/minute
        self.assertEqual(counts["other"], 2)  # the same IP does not matter: keys count apart
        self.assertEqual(counts["pro"], 5)    # the pro tier's 6/minute
        status, h, _ = self.get("/echo/generate", {"X-API-Key": pro})
        self.assertEqual(h.get("ratelimit-limit"), "6")

    def test_exact_across_workers_and_connections(self):
        results = []
        lock = threading.Lock()

        def client():
            for _ in range(20):
                status, _, _ = self.get("/echo/exact", {"X-Forwarded-For": "192.0.2.50"})
                with lock:
                    results.append(status)

        threads = [threading.Thread(target=client) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        self.assertEqual(len(results), 160)
        self.assertEqual(results.count(200), 50)  # 2 workers, 8 connections: exactly N
        self.assertEqual(results.count(429), 110)

    def test_dry_run_counts_and_logs_but_passes(self):
        before = self.limited_total("trial")
        for _ in range(3):
            status, h, _ = self.get("/echo/trial", {"X-Forwarded-For": "192.0.2.77"})
            self.assertEqual(status, 200)
            self.assertEqual(h.get("ratelimit-limit"), "1")
        self.assertEqual(self.limited_total("trial") - before, 2)
        line = self.rp.wait_log(lambda l: l.get("route") == "trial" and l.get("dry_run"))
        self.assertIsNotNone(line)
        self.assertEqual(line["status"], 200)
        self.assertTrue(line["dry_run_refusal"].startswith("rate_limit:rate_limited"))

    def test_unlimited_routes_carry_no_ratelimit_headers(self):
        status, h, _ = self.get("/echo/open")
        self.assertEqual(status, 200)
        self.assertNotIn("ratelimit-limit", h)

    def test_a_steady_three_times_the_limit_passes_n_per_period(self):
        """30 s at 30 requests/s against 10/second: within 1% of 300."""
        conn = http.client.HTTPConnection("127.0.0.1", self.rp.port, timeout=10)
        passed = sent = 0
        started = time.monotonic()
        try:
            while True:
                elapsed = time.monotonic() - started
                if elapsed >= 30:
                    break
                target = int(elapsed * 30)
                while sent <= target:
                    conn.request("GET", "/echo/steady", headers={"X-Forwarded-For": "192.0.2.99"})
                    resp = conn.getresponse()
                    resp.read()
                    passed += resp.status == 200
                    sent += 1
                time.sleep(0.005)
        finally:
            conn.close()
        self.assertGreater(sent, 850)
        self.assertLessEqual(passed, 303)
        self.assertGreaterEqual(passed, 280)


class UntrustedForwardedForTest(E2ETest):
    """Without trusted_proxies a client's X-Forwarded-For is not believed: changing it does
    not make a new identity (a limit a spoofed header could escape would be no limit)."""

    def test_a_spoofed_forwarded_for_is_ignored(self):
        up = self.start_upstream()
        rp = self.start_rampart(limited_config(up.port))  # no trusted_proxies
        statuses = [request(rp.port, "GET", "/echo/by-ip",
                            headers={"X-Forwarded-For": "198.51.100.%d" % i})[0]
                    for i in range(4)]
        self.assertEqual(statuses, [200, 200, 429, 429])
        line = rp.wait_log(lambda l: l.get("route") == "by-ip" and l.get("status") == 429)
        self.assertEqual(line["identity"], "ip:127.0.0.1")


class RateLimitConfigTest(unittest.TestCase):

    def check(self, mutate):
        up_port = 9
        r = Rampart(limited_config(up_port), start=False)
        self.addCleanup(lambda: __import__("shutil").rmtree(r.workdir, True))
        cfg = json.loads(json.dumps(r.config))
        mutate(cfg)
        r.write_config(cfg)
        p = subprocess.run([RAMPART_BIN, "check", "-c", r.config_path], cwd=r.workdir,
                           env=dict(os.environ, RAMPART_ADMIN_KEY=ADMIN_KEY),
                           capture_output=True, text=True, timeout=20)
        return p.returncode, p.stdout + p.stderr

    def assert_refused(self, mutate, key, words):
        code, out = self.check(mutate)
        self.assertEqual(code, 1, out)
        self.assertRegex(out, r"rampart\.yaml:\d+:\d+: " + key.replace("[", r"\[")
                         .replace("]", r"\]"))
        self.assertIn(words, out)

    def test_the_config_is_valid(self):
        code, out = self.check(lambda cfg: None)
        self.assertEqual(code, 0, out)

    def test_rules(self):
        def route(i, value):
            return lambda cfg: cfg["routes"][i].__setitem__("rate_limit", value)

        self.assert_refused(route(0, "nosuch"), "routes[0].rate_limit",
                            "\"nosuch\" is not a policy of rate_limits")
        self.assert_refused(route(0, ["10/fortnight"]), "routes[0].rate_limit[0]",
                            "second, minute, hour or day")
        self.assert_refused(route(0, ["0/minute"]), "routes[0].rate_limit[0]", "1 to 1000000000")
        self.assert_refused(route(0, []), "routes[0].rate_limit", "1 to 8 rates")
        self.assert_refused(route(0, {"limits": ["1/minute"]}), "routes[0].rate_limit",
                            "must name a policy")
        self.assert_refused(lambda cfg: cfg["rate_limits"].__setitem__("x", {"tiers": {}}),
                            "rate_limits.x", "needs limits")
        self.assert_refused(lambda cfg: cfg["rate_limits"]["generation"]["tiers"]
                            .__setitem__("gold", ["5/weekly"]),
                            "rate_limits.generation.tiers.gold[0]", "the period must be")
        self.assert_refused(lambda cfg: cfg["rate_limits"].__setitem__("bad name", ["1/minute"]),
                            "rate_limits.bad name", "letters, digits")
        self.assert_refused(lambda cfg: cfg["server"].__setitem__("rate_limit_entries", 10),
                            "server.rate_limit_entries", "")


if __name__ == "__main__":
    unittest.main()
