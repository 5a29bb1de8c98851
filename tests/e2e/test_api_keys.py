"""API keys and route authentication (SPEC §1 keys, §3 step 7, §8) on the real binary: keys made
by the CLI work on a running instance, revocation reaches it within 2 s, every failure is the
same 401 to the client with its reason in the log and the metric, and no key ever shows up in
a log line, a metric or the upstream's request."""

import json
import os
import shutil
import signal
import subprocess
import time
import unittest

from harness import ADMIN_KEY, RAMPART_BIN, SharedRampart, base_config, metric, request

KEY_ROUTES = [
    {"name": "private", "match": {"path_prefix": "/echo/private"}, "upstream": "app",
     "auth": "required"},
    {"name": "maybe", "match": {"path_prefix": "/echo/maybe"}, "upstream": "app",
     "auth": "optional"},
    {"name": "trial", "match": {"path_prefix": "/echo/trial"}, "upstream": "app",
     "auth": "required", "dry_run": True},
    {"name": "open", "match": {"path_prefix": "/"}, "upstream": "app", "auth": "none"},
]


class ApiKeysTest(SharedRampart):

    @classmethod
    def config(cls, up):
        cfg = base_config(up.port)
        cfg["store"] = "sqlite:rampart.db"  # rampart runs in its workdir, and so does the CLI
        cfg["routes"] = KEY_ROUTES
        return cfg

    # -- helpers --------------------------------------------------------------------------
    def cli(self, *args, stdin=None, timeout=20):
        return subprocess.run([RAMPART_BIN, *args, "-c", self.rp.config_path], cwd=self.rp.workdir,
                              env=self.rp.env, capture_output=True, text=True, input=stdin,
                              timeout=timeout)

    def create_key(self, name="test", *extra, wait=True):
        p = self.cli("keys", "create", "--name", name, *extra)
        self.assertEqual(p.returncode, 0, p.stderr)
        key = p.stdout.strip()
        self.assertRegex(key, r"^rk_[A-Za-z0-9]{8}_[A-Za-z0-9]{43}$")
        self.assertNotIn(key, p.stderr)
        type(self).made_keys.append(key)
        if wait:
            self.wait_until_accepted(key)
        return key, key[3:11]

    def wait_until_accepted(self, key):
        """A key made by the CLI reaches the running instance within 2 s (SPEC §1)."""
        made_at = time.monotonic()
        while self.get("/echo/private", {"X-API-Key": key})[0] != 200:
            elapsed = time.monotonic() - made_at
            self.assertLess(elapsed, 2.0, "a new key is still refused after %.2fs" % elapsed)
            time.sleep(0.05)

    def get(self, path, headers=None):
        return request(self.rp.port, "GET", path, headers=headers or {})

    def failures(self, route, reason):
        return metric(self.rp.metrics(), "rampart_auth_failures_total", route=route,
                      reason=reason) or 0

    def assert_401(self, path, headers, invalid_token=True):
        status, h, body = self.get(path, headers)
        doc = self.assert_problem(status, h, body, "unauthorized", expect_status=401)
        # The same answer whatever failed: the reason is for the operator only.
        self.assertEqual(doc["detail"], "a valid API key is required")
        expected = 'Bearer error="invalid_token"' if invalid_token else "Bearer"
        self.assertEqual(h.get("www-authenticate"), expected)
        return doc

    made_keys = []

    # -- tests ----------------------------------------------------------------------------
    def test_a_key_made_by_the_cli_opens_a_required_route(self):
        key, key_id = self.create_key("app-server", "--tier", "pro")
        status, _, body = self.get("/echo/private", {"X-API-Key": key})
        self.assertEqual(status, 200, body)
        seen = json.loads(body)["headers"]
        self.assertEqual(seen.get("x-rampart-identity"), "key:" + key_id)
        self.assertEqual(seen.get("x-rampart-tier"), "pro")
        self.assertNotIn("x-api-key", seen)  # the key never reaches the upstream
        self.assertNotIn(key, body.decode())

    def test_bearer_form_works_and_is_not_forwarded(self):
        key, key_id = self.create_key()
        status, _, body = self.get("/echo/private", {"Authorization": "Bearer " + key})
        self.assertEqual(status, 200, body)
        seen = json.loads(body)["headers"]
        self.assertNotIn("authorization", seen)
        self.assertEqual(seen.get("x-rampart-identity"), "key:" + key_id)
        # Another kind of bearer token is not rampart's: it passes where auth is not required.
        status, _, body = self.get("/echo/open", {"Authorization": "Bearer eyJhbGciOi.x.y"})
        self.assertEqual(json.loads(body)["headers"].get("authorization"), "Bearer eyJhbGciOi.x.y")

    def test_every_failure_is_the_same_401_with_a_private_reason(self):
        key, key_id = self.create_key()
        before = {r: self.failures("private", r)
                  for r in ("missing", "malformed", "unknown_key", "bad_secret")}
        self.assert_401("/echo/private", {}, invalid_token=False)
        self.assert_401("/echo/private", {"X-API-Key": "not-a-key"})
        self.assert_401("/echo/private", {"X-API-Key": "rk_ZZZZZZZZ_" + "a" * 43})
        self.assert_401("/echo/private", {"X-API-Key": key[:-1] + ("b" if key[-1] != "b" else "c")})
        self.assert_401("/echo/private", {"X-API-Key": key, "Authorization": "Bearer " + key})
        after = {r: self.failures("private", r) for r in before}
        self.assertEqual(after["missing"] - before["missing"], 1)
        self.assertEqual(after["malformed"] - before["malformed"], 2)  # garbage, and two keys
        self.assertEqual(after["unknown_key"] - before["unknown_key"], 1)
        self.assertEqual(after["bad_secret"] - before["bad_secret"], 1)
        for reason in ("missing", "malformed", "unknown_key", "bad_secret"):
            line = self.rp.wait_log(lambda l, r=reason: l.get("route") == "private" and
                                    l.get("reason") == r)
            self.assertIsNotNone(line, reason)
            self.assertEqual(line["status"], 401)

    def test_a_revoked_key_stops_working_within_two_seconds(self):
        key, key_id = self.create_key()
        self.assertEqual(self.get("/echo/private", {"X-API-Key": key})[0], 200)
        p = self.cli("keys", "revoke", key_id)
        self.assertEqual(p.returncode, 0, p.stderr)
        revoked_at = time.monotonic()
        while True:
            status = self.get("/echo/private", {"X-API-Key": key})[0]
            elapsed = time.monotonic() - revoked_at
            if status == 401:
                break
            self.assertLess(elapsed, 2.0, "a revoked key still works after %.2fs" % elapsed)
            time.sleep(0.05)
        self.assertLessEqual(elapsed, 2.0)
        self.assertGreaterEqual(self.failures("private", "revoked"), 1)
        again = self.cli("keys", "revoke", key_id)
        self.assertEqual(again.returncode, 1)

    def test_an_expired_key_is_refused(self):
        key, _ = self.create_key("short-lived", "--expires", "1s", wait=False)
        time.sleep(1.2)
        self.assert_401("/echo/private", {"X-API-Key": key})
        self.assertGreaterEqual(self.failures("private", "expired"), 1)

    def test_optional_routes_pass_anonymous_requests_but_not_bad_keys(self):
        status, _, body = self.get("/echo/maybe")
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["headers"].get("x-rampart-identity"), "ip:127.0.0.1")
        self.assert_401("/echo/maybe", {"X-API-Key": "rk_ZZZZZZZZ_" + "a" * 43})
        key, key_id = self.create_key()
        status, _, body = self.get("/echo/maybe", {"X-API-Key": key})
        self.assertEqual(json.loads(body)["headers"].get("x-rampart-identity"), "key:" + key_id)

    def test_dry_run_lets_refusals_through_and_counts_them(self):
        before = self.failures("trial", "missing")
        status, _, body = self.get("/echo/trial")
        self.assertEqual(status, 200, body)
        self.assertEqual(self.failures("trial", "missing"), before + 1)
        line = self.rp.wait_log(lambda l: l.get("route") == "trial" and l.get("dry_run"))
        self.assertEqual(line["dry_run_refusal"], "auth:unauthorized:missing")
        self.assertEqual(line["status"], 200)

    def test_keys_list_never_shows_a_secret(self):
        key, key_id = self.create_key("listed", "--tier", "free")
        p = self.cli("keys", "list")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(key_id, p.stdout)
        self.assertIn("listed", p.stdout)
        p = self.cli("keys", "list", "--json")
        rows = {row["id"]: row for row in json.loads(p.stdout)}
        self.assertEqual(rows[key_id]["tier"], "free")
        self.assertEqual(set(rows[key_id]), {"id", "name", "tier", "created", "expires",
                                             "last_used", "revoked"})
        for made in self.made_keys:
            self.assertNotIn(made[12:], p.stdout)

    def admin(self, method, path, body=None, key=ADMIN_KEY):
        headers = {"Authorization": "Bearer " + key} if key else {}
        if body is not None:
            headers["Content-Type"] = "application/json"
            body = body if isinstance(body, bytes) else json.dumps(body).encode()
        return request(self.rp.admin_port, method, path, headers=headers, body=body)

    def test_admin_api_creates_lists_and_revokes_keys(self):
        status, h, body = self.admin("POST", "/admin/api/keys", {"name": "admin-made"}, key=None)
        self.assertEqual(status, 401)
        status, h, body = self.admin("POST", "/admin/api/keys", {"name": "admin-made",
                                                                 "tier": "gold"})
        self.assertEqual(status, 201, body)
        self.assertEqual(h.get("cache-control"), "no-store")
        made = json.loads(body)
        key, key_id = made["key"], made["details"]["id"]
        self.assertEqual(key[3:11], key_id)
        self.assertEqual(made["details"]["tier"], "gold")
        type(self).made_keys.append(key)
        self.wait_until_accepted(key)
        status, _, body = self.admin("GET", "/admin/api/keys")
        self.assertEqual(status, 200)
        listed = {k["id"]: k for k in json.loads(body)}
        self.assertEqual(listed[key_id]["name"], "admin-made")
        self.assertNotIn(key[12:], body.decode())
        status, _, _ = self.admin("DELETE", "/admin/api/keys/" + key_id)
        self.assertEqual(status, 204)
        revoked_at = time.monotonic()
        while self.get("/echo/private", {"X-API-Key": key})[0] != 401:
            self.assertLess(time.monotonic() - revoked_at, 2.0)
            time.sleep(0.05)
        status, h, body = self.admin("DELETE", "/admin/api/keys/" + key_id)
        self.assert_problem(status, h, body, "not_found", expect_status=404)

    def test_admin_api_refuses_bad_requests_clearly(self):
        status, h, body = self.admin("POST", "/admin/api/keys", b"{not json")
        self.assert_problem(status, h, body, "invalid_json", expect_status=400)
        for bad in ({"name": ""}, {"tier": "x"}, {"name": "a", "secret": "mine"},
                    {"name": "a", "expires": "soon"}, {"name": "a\nb"}):
            status, h, body = self.admin("POST", "/admin/api/keys", bad)
            self.assert_problem(status, h, body, "bad_request", expect_status=400)
        status, h, body = self.admin("PUT", "/admin/api/keys", {"name": "a"})
        self.assert_problem(status, h, body, "method_not_allowed", expect_status=405)
        self.assertEqual(h.get("allow"), "GET, POST")

    def test_last_used_is_written_in_batches(self):
        key, key_id = self.create_key("used")  # waiting for it uses it
        deadline = time.monotonic() + 12.0  # a worker reports every 5 s, the batch is written every 5 s
        last_used = None
        while time.monotonic() < deadline:
            rows = {k["id"]: k for k in json.loads(self.cli("keys", "list", "--json").stdout)}
            last_used = rows[key_id]["last_used"]
            if last_used:
                break
            self.get("/echo/private", {"X-API-Key": key})
            time.sleep(0.5)
        self.assertIsNotNone(last_used, "last_used was never written")

    def test_readiness_reports_the_store(self):
        status, _, body = self.get("/health/ready")
        self.assertEqual(json.loads(body)["checks"].get("store"), "healthy")

    def test_zz_no_key_in_any_log_line_or_metric(self):
        # Last (zz): after every other test has sent its keys.
        text = self.rp.log_text() + self.rp.metrics_text()
        self.assertTrue(self.made_keys)
        for key in self.made_keys:
            self.assertNotIn(key[12:], text)  # the secret part


class StoreCommandsTest(unittest.TestCase):
    """backup/restore and bad stores, through the CLI only."""

    def setUp(self):
        self.dir = os.path.realpath(__import__("tempfile").mkdtemp(prefix="rampart-store-"))
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.env = dict(os.environ, RAMPART_ADMIN_KEY="k" * 40)

    def write_config(self, name, store):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write('admin: {api_key: "${RAMPART_ADMIN_KEY}"}\n'
                    'store: "%s"\n'
                    'upstreams:\n  app: {url: "http://127.0.0.1:9"}\n'
                    'routes:\n  - {name: a, match: {path_prefix: /}, upstream: app}\n' % store)
        return path

    def run_cli(self, config, *args, timeout=20):
        return subprocess.run([RAMPART_BIN, *args, "-c", config], cwd=self.dir, env=self.env,
                              capture_output=True, text=True, timeout=timeout)

    def test_backup_then_restore_into_an_empty_store(self):
        first = self.write_config("first.yaml", "sqlite:first.db")
        ids = []
        for i in range(3):
            p = self.run_cli(first, "keys", "create", "--name", "k%d" % i)
            self.assertEqual(p.returncode, 0, p.stderr)
            ids.append(p.stdout.strip()[3:11])
        backup = os.path.join(self.dir, "backup.db")
        p = self.run_cli(first, "backup", backup)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.run_cli(first, "backup", backup).returncode, 1)  # never overwrites
        second = self.write_config("second.yaml", "sqlite:second.db")
        p = self.run_cli(second, "restore", backup)
        self.assertEqual(p.returncode, 0, p.stderr)
        listed = json.loads(self.run_cli(second, "keys", "list", "--json").stdout)
        self.assertEqual(sorted(k["id"] for k in listed), sorted(ids))
        again = self.run_cli(second, "restore", backup)  # not empty any more
        self.assertEqual(again.returncode, 1)
        self.assertEqual(len(again.stderr.strip().splitlines()), 1, again.stderr)

    def test_a_file_that_is_not_a_database_is_one_clear_line(self):
        bad = os.path.join(self.dir, "bad.db")
        with open(bad, "w") as f:
            f.write("this is not a database, it is a shopping list\n" * 100)
        config = self.write_config("bad.yaml", "sqlite:" + bad)
        for args in (("keys", "list"), ("migrate",)):
            p = self.run_cli(config, *args)
            self.assertEqual(p.returncode, 1, p.stderr)
            lines = p.stderr.strip().splitlines()
            self.assertEqual(len(lines), 1, p.stderr)
            self.assertIn("store sqlite:" + bad, lines[0])
        serve = subprocess.run([RAMPART_BIN, "serve", "-c", config], cwd=self.dir, env=self.env,
                               capture_output=True, text=True, timeout=20)
        self.assertEqual(serve.returncode, 1, serve.stderr)
        self.assertEqual(len(serve.stderr.strip().splitlines()), 1, serve.stderr)
        self.assertIn("store sqlite:" + bad, serve.stderr)

    def test_kill_9_during_key_creation_loses_no_reported_key(self):
        config = self.write_config("crash.yaml", "sqlite:crash.db")
        self.assertEqual(self.run_cli(config, "migrate").returncode, 0)
        reported = os.path.join(self.dir, "reported.txt")
        # Up to 1,000 creations, one process each; every key printed is "reported".
        script = ('for i in $(seq 1000); do "%s" keys create --name n$i -c "%s" >> "%s" '
                  '2>/dev/null || exit 1; done' % (RAMPART_BIN, config, reported))
        loop = subprocess.Popen(["bash", "-c", script], cwd=self.dir, env=self.env,
                                start_new_session=True)
        time.sleep(2.0)
        os.killpg(loop.pid, signal.SIGKILL)  # the loop and the rampart it is running
        loop.wait(10)
        with open(reported) as f:
            keys = [line.strip() for line in f if line.strip().startswith("rk_")]
        self.assertGreater(len(keys), 5, "too few creations to test anything")
        p = self.run_cli(config, "keys", "list", "--json")
        self.assertEqual(p.returncode, 0, p.stderr)
        stored = {k["id"] for k in json.loads(p.stdout)}
        missing = [k[3:11] for k in keys if k[3:11] not in stored]
        self.assertEqual(missing, [], "reported keys lost after kill -9")


if __name__ == "__main__":
    unittest.main()
