"""The API key suite (test_api_keys.py) against a real PostgreSQL store (SPEC §1 keys, §2
`store:`, §4 readiness, §8; docs/policies/auth.md): keys made by the CLI work on running
instances, two instances on one database share keys and revocations, every failure is the same
401, a store outage makes readiness 503 while known keys keep working, the password of the
store URL never shows up anywhere, and a webhook delivery accepted by one instance is a replay
(409) at the other (SPEC §3 step 6).

A throwaway server is started by pg_server.py (as the `postgres` user when we are root). When
PostgreSQL is not installed or does not start, every test is skipped saying why;
RAMPART_REQUIRE_POSTGRES=1 makes that a failure instead."""

import hashlib
import hmac
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

from harness import (RAMPART_BIN, SLOW, E2ETest, Rampart, Upstream, base_config, free_port,
                     metric, request, wait_until)
from pg_server import PgServer

REQUIRE = os.environ.get("RAMPART_REQUIRE_POSTGRES") == "1"
PASSWORD_VAR = "RAMPART_E2E_PG_PASSWORD"

STRIPE_SECRET = "whsec_pg_0123456789abcdef0123456789"


def stripe_signature(body, secret, t=None):
    """A Stripe-Signature header, made as Stripe makes it."""
    t = int(time.time()) if t is None else t
    sig = hmac.new(secret.encode(), b"%d." % t + body, hashlib.sha256).hexdigest()
    return "t=%d,v1=%s" % (t, sig)


KEY_ROUTES = [
    {"name": "private", "match": {"path_prefix": "/echo/private"}, "upstream": "app",
     "auth": "required"},
    {"name": "open", "match": {"path_prefix": "/"}, "upstream": "app", "auth": "none"},
]

# ---------------------------------------------------------------------------------------
# One PostgreSQL server for the module, started on first use.

_server = None
_reason = None


def postgres():
    """(server, "") or (None, reason); the server is started once."""
    global _server, _reason
    if _server is None and _reason is None:
        _server, _reason = PgServer.start()
        if _server is None:
            sys.stderr.write("\n[test_postgres_keys] PostgreSQL unavailable: %s\n" % _reason)
    return _server, _reason


def tearDownModule():
    global _server
    if _server is not None:
        _server.destroy()
        _server = None


def need_postgres(test):
    """In setUp: skip (or fail under RAMPART_REQUIRE_POSTGRES=1) without a server."""
    server, reason = postgres()
    if server is None:
        if REQUIRE:
            test.fail("RAMPART_REQUIRE_POSTGRES=1 and PostgreSQL is unavailable: " + reason)
        test.skipTest("PostgreSQL unavailable: " + reason)
    return server


_databases = 0


def new_database(server):
    global _databases
    _databases += 1
    return server.create_database("rampart_e2e_%d" % _databases)


# ---------------------------------------------------------------------------------------
# Every command's output is kept (and checked for the password on the spot).

OUTPUTS = []  # (argv, stdout, stderr) of every command run by this module


def run_cli(argv, cwd, env, timeout=20, stdin=None):
    p = subprocess.run([RAMPART_BIN, *argv], cwd=cwd, env=env, capture_output=True, text=True,
                       input=stdin, timeout=timeout * SLOW)
    OUTPUTS.append((argv, p.stdout, p.stderr))
    return p


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except FileNotFoundError:
        return ""


def ready(port):
    status, _, body = request(port, "GET", "/health/ready", timeout=5)
    return status, json.loads(body)


class PostgresCase(E2ETest):
    """Rampart instances of the class on one fresh database, cleaned up by class cleanups."""

    @classmethod
    def setUpClass(cls):
        cls.instances = []
        cls._class_failed = False
        cls.server, _ = postgres()
        if cls.server is None:
            return  # every test skips in setUp, saying why
        cls.password = cls.server.password
        cls.database = new_database(cls.server)
        cls.url = cls.server.url(cls.database)
        cls.up = Upstream()
        cls.addClassCleanup(shutil.rmtree, cls.up.workdir, True)
        cls.addClassCleanup(cls.up.stop)
        cls.start_instances()

    @classmethod
    def start_instances(cls):
        raise NotImplementedError

    @classmethod
    def instance(cls, store, env=None, routes=None):
        cfg = base_config(cls.up.port)
        cfg["store"] = store
        cfg["routes"] = routes or KEY_ROUTES
        rp = Rampart(cfg, start=False, env=env)
        cls.addClassCleanup(cls._stop_instance, rp)
        rp.start()
        cls.instances.append(rp)
        return rp

    @classmethod
    def _stop_instance(cls, rp):
        rp.stop()
        problem = rp.exit_problem()
        if cls._class_failed or problem:
            sys.stderr.write("\n=== rampart output for %s\n%s\n" % (cls.__name__,
                                                                    rp.debug_dump()))
        else:
            shutil.rmtree(rp.workdir, ignore_errors=True)
        if problem:
            raise AssertionError(problem)

    def setUp(self):
        need_postgres(self)

    def tearDown(self):
        if self._failed():
            type(self)._class_failed = True

    # -- helpers --------------------------------------------------------------------------
    def cli(self, rp, *args, timeout=20):
        p = run_cli([*args, "-c", rp.config_path], rp.workdir, rp.env, timeout)
        self.assertNotIn(self.password, p.stdout + p.stderr, "the store password leaked")
        return p

    def create_key(self, rp, name="test", *extra):
        """A key made by rp's CLI, and the monotonic time the command ended."""
        p = self.cli(rp, "keys", "create", "--name", name, *extra)
        made_at = time.monotonic()
        self.assertEqual(p.returncode, 0, p.stderr)
        key = p.stdout.strip()
        self.assertRegex(key, r"^rk_[A-Za-z0-9]{8}_[A-Za-z0-9]{43}$")
        self.assertNotIn(key, p.stderr)
        type(self).made_keys.append(key)
        return key, key[3:11], made_at

    def get(self, rp, path, headers=None):
        return request(rp.port, "GET", path, headers=headers or {})

    def wait_status(self, rp, key, want, since, what):
        """Polls /echo/private with key on rp until it answers `want`; fails past 2 s from
        `since` (SPEC §1: within 2 s). Returns the elapsed time."""
        while True:
            status = self.get(rp, "/echo/private", {"X-API-Key": key})[0]
            elapsed = time.monotonic() - since
            if status == want:
                return elapsed
            self.assertLess(elapsed, 2.0, "%s: still %d after %.2fs on port %d" % (
                what, status, elapsed, rp.port))
            time.sleep(0.05)

    def failures(self, rp, route, reason):
        return metric(rp.metrics(), "rampart_auth_failures_total", route=route,
                      reason=reason) or 0

    def assert_401(self, rp, headers, invalid_token=True):
        status, h, body = self.get(rp, "/echo/private", headers)
        doc = self.assert_problem(status, h, body, "unauthorized", expect_status=401)
        self.assertEqual(doc["detail"], "a valid API key is required")
        expected = 'Bearer error="invalid_token"' if invalid_token else "Bearer"
        self.assertEqual(h.get("www-authenticate"), expected)
        return doc

    def assert_no_password_anywhere(self, instances):
        """The password is in no command output, log file, serve stdout/stderr or /metrics."""
        texts = {}
        for argv, out, err in OUTPUTS:
            texts["rampart %s (stdout)" % " ".join(argv)] = out
            texts["rampart %s (stderr)" % " ".join(argv)] = err
        for rp in instances:
            texts["log file of :%d" % rp.port] = rp.log_text()
            texts["serve stdout of :%d" % rp.port] = read(rp.stdout_path)
            texts["serve stderr of :%d" % rp.port] = read(rp.stderr_path)
            if rp.alive():
                texts["/metrics of :%d" % rp.port] = rp.metrics_text()
        self.assertTrue(any(texts.values()))
        leaked = [where for where, text in texts.items() if self.password in text]
        self.assertEqual(leaked, [], "the store password appears in these outputs")


class PostgresKeysTest(PostgresCase):
    """Two instances on one PostgreSQL database: `a` with the password written in the URL,
    `b` with it substituted from the environment (docs/configuration.md#store)."""

    made_keys = []

    @classmethod
    def start_instances(cls):
        cls.a = cls.instance(cls.url)
        cls.b = cls.instance(
            "postgresql://rampart:${%s}@127.0.0.1:%d/%s" % (PASSWORD_VAR, cls.server.port,
                                                           cls.database),
            env={PASSWORD_VAR: cls.password})

    def test_a_cli_key_works_within_two_seconds_in_both_forms(self):
        key, key_id, made_at = self.create_key(self.a, "app-server")
        self.wait_status(self.a, key, 200, made_at, "a new key")
        status, _, body = self.get(self.a, "/echo/private", {"X-API-Key": key})
        self.assertEqual(status, 200, body)
        seen = json.loads(body)["headers"]
        self.assertEqual(seen.get("x-rampart-identity"), "key:" + key_id)
        self.assertNotIn("x-api-key", seen)
        self.assertNotIn(key, body.decode())
        status, _, body = self.get(self.a, "/echo/private", {"Authorization": "Bearer " + key})
        self.assertEqual(status, 200, body)
        seen = json.loads(body)["headers"]
        self.assertEqual(seen.get("x-rampart-identity"), "key:" + key_id)
        self.assertNotIn("authorization", seen)
        self.assertNotIn("x-api-key", seen)
        self.assertNotIn(key, body.decode())

    def test_b_two_instances_share_keys_and_revocations(self):
        key, key_id, made_at = self.create_key(self.a, "shared")
        self.wait_status(self.a, key, 200, made_at, "a new key on the instance of its config")
        self.wait_status(self.b, key, 200, made_at, "a new key on the other instance")
        for rp in (self.a, self.b):
            status, _, body = self.get(rp, "/echo/private", {"Authorization": "Bearer " + key})
            self.assertEqual(status, 200, body)
            self.assertEqual(json.loads(body)["headers"].get("x-rampart-identity"),
                             "key:" + key_id)
        listed = self.cli(self.b, "keys", "list", "--json")
        self.assertEqual(listed.returncode, 0, listed.stderr)
        self.assertIn(key_id, {row["id"] for row in json.loads(listed.stdout)})
        self.assertNotIn(key[12:], listed.stdout)

        revoked_before = {rp.port: self.failures(rp, "private", "revoked")
                          for rp in (self.a, self.b)}
        p = self.cli(self.b, "keys", "revoke", key_id)
        revoked_at = time.monotonic()
        self.assertEqual(p.returncode, 0, p.stderr)
        # Both polled in turn, each measured from the end of the revoke command.
        pending = {self.a.port: self.a, self.b.port: self.b}
        took = {}
        while pending:
            for port, rp in list(pending.items()):
                status = self.get(rp, "/echo/private", {"X-API-Key": key})[0]
                elapsed = time.monotonic() - revoked_at
                if status == 401:
                    took[port] = elapsed
                    del pending[port]
                else:
                    self.assertEqual(status, 200)
                    self.assertLess(elapsed, 2.0, "a revoked key still works on port %d "
                                    "after %.2fs" % (port, elapsed))
            time.sleep(0.05)
        for rp in (self.a, self.b):
            self.assertLessEqual(took[rp.port], 2.0)
            self.assert_401(rp, {"X-API-Key": key})
            self.assertGreater(self.failures(rp, "private", "revoked"),
                               revoked_before[rp.port])
        rows = {row["id"]: row for row in
                json.loads(self.cli(self.a, "keys", "list", "--json").stdout)}
        self.assertTrue(rows[key_id]["revoked"])
        again = self.cli(self.a, "keys", "revoke", key_id)
        self.assertEqual(again.returncode, 1, again.stderr)

    def test_c_every_failure_is_the_same_401_with_a_private_reason(self):
        key, _, made_at = self.create_key(self.a)
        self.wait_status(self.a, key, 200, made_at, "a new key")
        reasons = ("missing", "malformed", "unknown_key", "bad_secret")
        before = {r: self.failures(self.a, "private", r) for r in reasons}
        self.assert_401(self.a, {}, invalid_token=False)
        self.assert_401(self.a, {"X-API-Key": "not-a-key"})
        self.assert_401(self.a, {"X-API-Key": "rk_ZZZZZZZZ_" + "a" * 43})
        self.assert_401(self.a, {"X-API-Key": key[:-1] + ("b" if key[-1] != "b" else "c")})
        self.assert_401(self.a, {"Authorization": "Bearer rk_ZZZZZZZZ_" + "a" * 43})
        self.assert_401(self.a, {"X-API-Key": key, "Authorization": "Bearer " + key})
        after = {r: self.failures(self.a, "private", r) for r in reasons}
        self.assertEqual(after["missing"] - before["missing"], 1)
        self.assertEqual(after["malformed"] - before["malformed"], 2)  # garbage, and two keys
        self.assertEqual(after["unknown_key"] - before["unknown_key"], 2)
        self.assertEqual(after["bad_secret"] - before["bad_secret"], 1)
        for reason in reasons:
            line = self.a.wait_log(lambda l, r=reason: l.get("route") == "private" and
                                   l.get("reason") == r)
            self.assertIsNotNone(line, reason)
            self.assertEqual(line["status"], 401)

    def test_d_readiness_reports_a_healthy_store(self):
        for rp in (self.a, self.b):
            status, doc = ready(rp.port)
            self.assertEqual(status, 200, doc)
            self.assertEqual(doc["status"], "ready", doc)
            self.assertEqual(doc["checks"].get("store"), "healthy", doc)

    def test_zz_no_password_or_key_in_any_output(self):
        # Last (zz): after every other test of the class ran its commands.
        self.assertTrue(self.made_keys)
        self.assert_no_password_anywhere(self.instances)
        for rp in self.instances:
            text = rp.log_text() + rp.metrics_text() + read(rp.stdout_path)
            for key in self.made_keys:
                self.assertNotIn(key[12:], text)


class PostgresWebhookReplayTest(PostgresCase):
    """SPEC §3 step 6: a webhook delivery's replay mark is in the store, so on PostgreSQL a
    delivery accepted by one instance is a replay (409) at another."""

    made_keys = []

    @classmethod
    def start_instances(cls):
        routes = [{"name": "stripe", "match": {"path": "/echo/stripe", "methods": ["POST"]},
                   "upstream": "app", "auth": "none",
                   "webhook": {"scheme": "stripe", "secret": STRIPE_SECRET}}]
        cls.a = cls.instance(cls.url, routes=routes)
        cls.b = cls.instance(cls.url, routes=routes)

    def deliver(self, rp, body, header):
        return request(rp.port, "POST", "/echo/stripe", body=body,
                       headers={"Stripe-Signature": header, "Content-Type": "application/json"})

    def test_a_delivery_accepted_by_one_instance_is_a_replay_at_the_other(self):
        for first, second, event in ((self.a, self.b, "evt_a"), (self.b, self.a, "evt_b")):
            body = json.dumps({"id": event, "type": "invoice.paid"}).encode()
            header = stripe_signature(body, STRIPE_SECRET)
            status, _, resp = self.deliver(first, body, header)
            self.assertEqual(status, 200, resp)
            status, h, resp = self.deliver(second, body, header)
            self.assert_problem(status, h, resp, "replayed", expect_status=409)
            self.assertEqual(metric(second.metrics(), "rampart_webhook_failures_total",
                                    route="stripe", reason="replayed"), 1)
        # Signed anew (another timestamp), the same event is another delivery: not a replay.
        body = json.dumps({"id": "evt_a", "type": "invoice.paid"}).encode()
        status, _, resp = self.deliver(self.b, body,
                                       stripe_signature(body, STRIPE_SECRET, int(time.time()) - 5))
        self.assertEqual(status, 200, resp)


class PostgresOutageTest(PostgresCase):
    """`pg_ctl stop -m fast` under a running instance, then the server back."""

    made_keys = []

    @classmethod
    def start_instances(cls):
        cls.rp = cls.instance(cls.url)

    def restart_postgres(self):
        reason = self.server.restart()
        self.assertEqual(reason, "", "PostgreSQL did not come back: " + reason)

    def test_outage_makes_readiness_503_and_keeps_the_last_table(self):
        rp = self.rp
        key, key_id, made_at = self.create_key(rp, "before-outage")
        self.wait_status(rp, key, 200, made_at, "a new key")
        status, doc = ready(rp.port)
        self.assertEqual((status, doc["checks"].get("store")), (200, "healthy"), doc)

        self.addCleanup(self.server.restart)  # whatever happens below, the server comes back
        self.assertTrue(self.server.stop_fast(), self.server.log_tail())
        stopped_at = time.monotonic()
        down = wait_until(lambda: ready(rp.port)[0] == 503, 5.0, 0.1)
        self.assertTrue(down, "readiness still %r %.1fs after the store stopped" % (
            ready(rp.port), time.monotonic() - stopped_at))
        status, doc = ready(rp.port)
        self.assertEqual(status, 503, doc)
        self.assertEqual(doc["status"], "not_ready", doc)
        self.assertEqual(doc["checks"].get("store"), "unhealthy", doc)
        self.assertEqual(doc["checks"].get("upstream:app"), "healthy", doc)

        # The last good table is kept: the key still works, in both forms, more than once.
        for _ in range(3):
            status, _, body = self.get(rp, "/echo/private", {"X-API-Key": key})
            self.assertEqual(status, 200, body)
            self.assertEqual(json.loads(body)["headers"].get("x-rampart-identity"),
                             "key:" + key_id)
            status, _, body = self.get(rp, "/echo/private", {"Authorization": "Bearer " + key})
            self.assertEqual(status, 200, body)
            time.sleep(0.3)
        self.assert_401(rp, {"X-API-Key": "rk_ZZZZZZZZ_" + "a" * 43})
        line = rp.wait_log(lambda l: l.get("event") == "store_error")
        self.assertIsNotNone(line, "no store_error event in the log during the outage")
        # A command on a stopped store fails, prints no key, and does not leak the password.
        p = self.cli(rp, "keys", "create", "--name", "during-outage")
        self.assertNotEqual(p.returncode, 0, p.stdout)
        self.assertEqual(p.stdout.strip(), "")
        self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
        self.assert_no_password_anywhere([rp])

        self.restart_postgres()
        back_at = time.monotonic()
        up = wait_until(lambda: ready(rp.port)[0] == 200, 15.0, 0.1)
        self.assertTrue(up, "readiness still %r %.1fs after the store came back" % (
            ready(rp.port), time.monotonic() - back_at))
        status, doc = ready(rp.port)
        self.assertEqual(doc["status"], "ready", doc)
        self.assertEqual(doc["checks"].get("store"), "healthy", doc)
        self.assertEqual(self.get(rp, "/echo/private", {"X-API-Key": key})[0], 200)
        # Reconnected for real: a key made now reaches the instance within 2 s again.
        fresh, _, made_at = self.create_key(rp, "after-outage")
        self.wait_status(rp, fresh, 200, made_at, "a key made after the outage")
        self.assert_no_password_anywhere([rp])


    def test_hung_store_is_given_up_within_bounds(self):
        """A server that hangs (SIGSTOP: connections accepted, nothing answered) is not a
        refused one: without a statement deadline the store thread waited for TCP, minutes."""
        rp = self.rp
        key, key_id, made_at = self.create_key(rp, "before-hang")
        self.wait_status(rp, key, 200, made_at, "a new key")
        self.addCleanup(self.server.thaw)
        self.server.freeze()
        frozen_at = time.monotonic()
        down = wait_until(lambda: ready(rp.port)[0] == 503, 15.0, 0.2)
        self.assertTrue(down, "readiness still %r %.1fs after the store hung" % (
            ready(rp.port), time.monotonic() - frozen_at))
        # Requests are not held up by the hung store: the last table answers at once.
        for _ in range(3):
            started = time.monotonic()
            status, _, body = self.get(rp, "/echo/private", {"X-API-Key": key})
            self.assertEqual(status, 200, body)
            self.assertLess(time.monotonic() - started, 1.0)
        # A command gives up with one line (connect_timeout), not after TCP's minutes.
        started = time.monotonic()
        p = self.cli(rp, "keys", "list", timeout=30)
        self.assertNotEqual(p.returncode, 0, p.stdout)
        self.assertLess(time.monotonic() - started, 15.0)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)

        self.server.thaw()
        thawed_at = time.monotonic()
        up = wait_until(lambda: ready(rp.port)[0] == 200, 20.0, 0.2)
        self.assertTrue(up, "readiness still %r %.1fs after the store came back" % (
            ready(rp.port), time.monotonic() - thawed_at))
        fresh, _, made_at = self.create_key(rp, "after-hang")
        self.wait_status(rp, fresh, 200, made_at, "a key made after the hang")
        self.assert_no_password_anywhere([rp])


class PostgresStoreCommandsTest(E2ETest):
    """CLI only: backup on PostgreSQL, and a wrong password."""

    def setUp(self):
        self.server = need_postgres(self)
        self.password = self.server.password
        self.dir = os.path.realpath(tempfile.mkdtemp(prefix="rampart-pgcli-"))
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.env = dict(os.environ, RAMPART_ADMIN_KEY="k" * 40)

    def write_config(self, name, store):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write('server: {listen: "127.0.0.1:%d"}\n'
                    'admin: {listen: "127.0.0.1:%d", api_key: "${RAMPART_ADMIN_KEY}"}\n'
                    'log: {level: info, file: "-"}\n'
                    'store: "%s"\n'
                    'upstreams:\n  app: {url: "http://127.0.0.1:9"}\n'
                    'routes:\n  - {name: a, match: {path_prefix: /}, upstream: app}\n'
                    % (free_port(), free_port(), store))
        return path

    def cli(self, config, *args, timeout=20, secrets=()):
        p = run_cli([*args, "-c", config], self.dir, self.env, timeout)
        for secret in (self.password, *secrets):
            self.assertNotIn(secret, p.stdout + p.stderr, "a store password leaked: %r" % (
                args,))
        return p

    def test_backup_and_restore_name_the_postgresql_tools(self):
        config = self.write_config("pg.yaml", self.server.url(new_database(self.server)))
        p = self.cli(config, "keys", "create", "--name", "something-to-back-up")
        self.assertEqual(p.returncode, 0, p.stderr)
        target = os.path.join(self.dir, "backup.db")
        p = self.cli(config, "backup", target)
        self.assertEqual(p.returncode, 1, p.stderr)
        lines = p.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, p.stderr)
        self.assertIn("pg_dump", lines[0])
        self.assertEqual(p.stdout, "")
        self.assertFalse(os.path.exists(target), "backup left a file behind")
        with open(target, "w") as f:
            f.write("not a backup\n")
        p = self.cli(config, "restore", target)
        self.assertEqual(p.returncode, 1, p.stderr)
        lines = p.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, p.stderr)
        self.assertIn("pg_restore", lines[0])

    def test_a_wrong_password_stops_serve_with_one_masked_line(self):
        wrong = "wrong" + self.password[::-1]
        url = self.server.url(new_database(self.server), password=wrong)
        config = self.write_config("wrong.yaml", url)
        serve = run_cli(["serve", "-c", config], self.dir, self.env, timeout=20)
        self.assertEqual(serve.returncode, 1, serve.stderr)
        lines = serve.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, serve.stderr)
        self.assertTrue(lines[0].startswith("store postgresql://rampart:***@"), lines[0])
        for secret in (wrong, self.password):
            self.assertNotIn(secret, serve.stderr + serve.stdout)
        # The CLI opens the same store the same way.
        p = self.cli(config, "keys", "list", secrets=(wrong,))
        self.assertEqual(p.returncode, 1, p.stderr)
        lines = p.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, p.stderr)
        self.assertTrue(lines[0].startswith("store postgresql://rampart:***@"), lines[0])


if __name__ == "__main__":
    unittest.main()
