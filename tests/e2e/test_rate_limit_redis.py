"""Rate limits shared through Redis (SPEC §2 redis, §3 step 8, §4 degraded; issue 11 part 4)
on the real binary and a real redis-server started by the test: two instances give a client N
in total, counters expire inside the script, and when Redis dies rampart keeps serving on
local counts (degraded, no 5xx, no request held up) and goes back to shared counts when it
returns."""

import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest

from harness import E2ETest, base_config, free_port, metric, request

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
REDIS_CLI = shutil.which("redis-cli") or "/usr/bin/redis-cli"


class RedisServer:
    """A throwaway redis-server on 127.0.0.1 (no persistence), restartable on its port."""

    def __init__(self, port=None):
        self.port = port or free_port()
        self.dir = tempfile.mkdtemp(prefix="rampart-e2e-redis-")
        self.proc = None
        self.start()

    def start(self):
        self.proc = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.dir],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if self.cli("PING").strip() == "PONG":
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def cli(self, *args):
        p = subprocess.run([REDIS_CLI, "-p", str(self.port), *args], capture_output=True,
                           text=True, timeout=5)
        return p.stdout

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(5)

    def freeze(self):
        """SIGSTOP: the server keeps its connections and answers nothing (a hung Redis)."""
        self.proc.send_signal(signal.SIGSTOP)

    def thaw(self):
        self.proc.send_signal(signal.SIGCONT)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.thaw()
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


@unittest.skipUnless(os.path.exists(REDIS_SERVER) or os.environ.get("RAMPART_REQUIRE_REDIS"),
                     "redis-server is not installed")
class RedisRateLimitTest(E2ETest):

    def setUp(self):
        self.redis = RedisServer()
        self.addCleanup(self.redis.stop)
        self.up = self.start_upstream()

    def config(self, limit="10/minute"):
        cfg = base_config(self.up.port)
        cfg["store"] = "sqlite:rampart.db"
        cfg["redis"] = "redis://127.0.0.1:%d/2" % self.redis.port
        cfg["routes"] = [
            {"name": "limited", "match": {"path_prefix": "/echo/limited"}, "upstream": "app",
             "auth": "none", "rate_limit": [limit]},
            {"name": "open", "match": {"path_prefix": "/"}, "upstream": "app", "auth": "none"},
        ]
        return cfg

    def decisions(self, rp, backend):
        return metric(rp.metrics(), "rampart_rate_limit_decisions_total", backend=backend) or 0

    def wait_ready(self, rp, status="ready", timeout=8):
        deadline = time.monotonic() + timeout
        while True:
            code, _, body = request(rp.port, "GET", "/health/ready")
            doc = json.loads(body)
            if doc["status"] == status or time.monotonic() > deadline:
                return code, doc
            time.sleep(0.05)

    def test_two_instances_share_one_limit(self):
        a = self.start_rampart(self.config())
        b = self.start_rampart(self.config())
        for rp in (a, b):
            code, doc = self.wait_ready(rp)
            self.assertEqual((code, doc["status"]), (200, "ready"), doc)
            self.assertEqual(doc["checks"]["redis"], "healthy")
        passed = 0
        for i in range(16):
            rp = a if i % 2 == 0 else b
            status, h, _ = request(rp.port, "GET", "/echo/limited")
            self.assertIn(status, (200, 429))
            passed += status == 200
        self.assertEqual(passed, 10)  # 10 in total, not 10 per instance
        self.assertEqual(self.decisions(a, "redis") + self.decisions(b, "redis"), 16)
        # The counters live in db 2 under one hash-tagged key per identity, with an expiry.
        keys = self.redis.cli("-n", "2", "--scan", "--pattern", "rampart:rl2:*").split()
        self.assertEqual(keys, ["rampart:rl2:{route:limited|ip:127.0.0.1}"])
        ttl = int(self.redis.cli("-n", "2", "PTTL", keys[0]).strip())
        self.assertGreater(ttl, 0)
        self.assertLessEqual(ttl, 120_000)

    def test_redis_down_is_degraded_not_down_and_recovers(self):
        rp = self.start_rampart(self.config("1000/minute"))
        self.assertEqual(self.wait_ready(rp)[1]["status"], "ready")
        for _ in range(5):
            self.assertEqual(request(rp.port, "GET", "/echo/limited")[0], 200)
        self.assertEqual(self.decisions(rp, "redis"), 5)
        self.redis.kill()
        # Still serving: every request answered, none 5xx, none held up by the dead Redis.
        slowest = 0
        for _ in range(30):
            started = time.monotonic()
            status, h, _ = request(rp.port, "GET", "/echo/limited")
            slowest = max(slowest, time.monotonic() - started)
            self.assertEqual(status, 200)
            self.assertIn("ratelimit-limit", h)
        self.assertLess(slowest, 1.0)
        self.assertGreaterEqual(self.decisions(rp, "local_fallback"), 29)
        code, doc = self.wait_ready(rp, "degraded")
        self.assertEqual((code, doc["status"]), (200, "degraded"), doc)
        self.assertEqual(doc["checks"]["redis"], "unhealthy")
        line = rp.wait_log(lambda l: l.get("event") == "redis_health" and not l.get("healthy"))
        self.assertIsNotNone(line)
        self.assertNotIn("password", json.dumps(line))
        # Back: shared counts resume.
        self.redis.start()
        code, doc = self.wait_ready(rp, "ready", timeout=10)
        self.assertEqual(doc["status"], "ready", doc)
        before = self.decisions(rp, "redis")
        self.assertEqual(request(rp.port, "GET", "/echo/limited")[0], 200)
        self.assertEqual(self.decisions(rp, "redis"), before + 1)
        self.assertIsNotNone(rp.wait_log(lambda l: l.get("event") == "redis_health" and
                                         l.get("healthy") is True))

    def test_a_hung_redis_is_decided_locally_at_either_deadline(self):
        # The route's policy deadline (40 ms) passes before the Redis command timeout (100 ms):
        # SPEC §2, a rate limit then decides locally; it is never a 503 policy_timeout.
        cfg = self.config("1000/minute")
        cfg["routes"][0]["policy_timeout"] = "40ms"
        cfg["routes"].insert(1, {"name": "patient", "match": {"path_prefix": "/echo/patient"},
                                 "upstream": "app", "auth": "none",
                                 "rate_limit": ["1000/minute"]})
        rp = self.start_rampart(cfg)
        self.assertEqual(self.wait_ready(rp)[1]["status"], "ready")
        self.assertEqual(request(rp.port, "GET", "/echo/limited")[0], 200)
        self.redis.freeze()
        self.addCleanup(self.redis.thaw)
        for path in ("/echo/limited", "/echo/patient"):  # policy deadline; Redis timeout
            for _ in range(3):
                started = time.monotonic()
                status, h, _ = request(rp.port, "GET", path)
                self.assertEqual(status, 200, path)
                self.assertIn("ratelimit-remaining", h)
                self.assertLess(time.monotonic() - started, 1.0)
        self.assertGreaterEqual(self.decisions(rp, "local_fallback"), 6)
        self.redis.thaw()
        self.wait_ready(rp, "ready", timeout=10)
        before = self.decisions(rp, "redis")
        deadline = time.monotonic() + 10
        while self.decisions(rp, "redis") == before and time.monotonic() < deadline:
            self.assertEqual(request(rp.port, "GET", "/echo/limited")[0], 200)
            time.sleep(0.05)
        self.assertGreater(self.decisions(rp, "redis"), before)

    def test_a_bad_redis_url_is_a_load_error(self):
        cfg = self.config()
        cfg["redis"] = "rediss://127.0.0.1:6379"
        from harness import Rampart, RAMPART_BIN, ADMIN_KEY
        r = Rampart(cfg, start=False)
        self.addCleanup(shutil.rmtree, r.workdir, True)
        p = subprocess.run([RAMPART_BIN, "check", "-c", r.config_path], cwd=r.workdir,
                           env=dict(os.environ, RAMPART_ADMIN_KEY=ADMIN_KEY),
                           capture_output=True, text=True, timeout=20)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertRegex(p.stderr, r"rampart\.yaml:\d+:\d+: redis: ")
        cfg["redis"] = "redis://:s3cret-pw@127.0.0.1:6379/99"
        r.write_config(cfg)
        p = subprocess.run([RAMPART_BIN, "check", "-c", r.config_path], cwd=r.workdir,
                           env=dict(os.environ, RAMPART_ADMIN_KEY=ADMIN_KEY),
                           capture_output=True, text=True, timeout=20)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertNotIn("s3cret-pw", p.stdout + p.stderr)


if __name__ == "__main__":
    unittest.main()
