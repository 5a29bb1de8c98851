"""Shared e2e harness: the upstream test backend, a rampart process, and small HTTP helpers.

Everything is loopback, on free ports, time-bounded, and cleaned up even when a test fails.
"""

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest

from httpkit import *  # noqa: F401,F403 - the helpers are part of the harness API
from httpkit import port_accepts, request, to_yaml, wait_until

HERE = os.path.dirname(os.path.abspath(__file__))
RAMPART_BIN = os.environ.get("RAMPART_BIN") or os.path.normpath(
    os.path.join(HERE, "..", "..", "build", "rampart"))
# A 40-char admin key, unique per run, so a leak of it is detectable in logs.
ADMIN_KEY = ("e2e-admin-" + secrets.token_hex(15))[:40]
assert len(ADMIN_KEY) == 40

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
TRACEPARENT_RE = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
TS_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def _is_asan(path):
    try:
        with open(path, "rb") as f:
            return b"__asan_init" in f.read()
    except OSError:
        return False


ASAN = _is_asan(RAMPART_BIN)
# Sanitizer builds are slower: scale the generous waits (never the asserted bounds).
SLOW = 3.0 if ASAN else 1.0


# ---------------------------------------------------------------------------------------
# Processes

def _die_with_parent():
    """preexec_fn: the child gets SIGKILL when the test process dies (even by SIGKILL), so
    a ctest timeout never leaves a rampart or an upstream running."""
    try:
        import ctypes
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - best effort
        pass


def _kill(proc, term_wait=5.0):
    if proc is None or proc.poll() is not None:
        return
    try:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=term_wait)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)
    except ProcessLookupError:
        pass


class Upstream:
    """tests/e2e/upstream.py on a free port."""

    def __init__(self, workdir=None, attempts=3):
        self.workdir = workdir or tempfile.mkdtemp(prefix="rampart-up-")
        for _ in range(attempts):  # a parallel test may take the port before we bind it
            self.port = free_port()
            self._err = open(os.path.join(self.workdir, "upstream-%d.err" % self.port), "wb")
            self.proc = subprocess.Popen(
                [sys.executable, os.path.join(HERE, "upstream.py"), str(self.port)],
                stdout=self._err, stderr=self._err, cwd=self.workdir,
                preexec_fn=_die_with_parent)
            wait_until(lambda: self.proc.poll() is not None or port_accepts(self.port), 10)
            if self.proc.poll() is None and port_accepts(self.port):
                return
            self.stop()
        raise RuntimeError("upstream did not start (last port %d)" % self.port)

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def get(self, path):
        return request(self.port, "GET", path)

    def stats(self):
        status, _, body = request(self.port, "GET", "/stats")
        assert status == 200
        return json.loads(body)

    def stop(self):
        _kill(self.proc, 3)
        self._err.close()


def base_config(upstream_port, **server):
    """The default test config: one upstream `app`, an `sse` stream route and an `api` route."""
    srv = {"workers": 2, "header_timeout": "1s", "idle_timeout": "2s", "drain_timeout": "5s"}
    srv.update(server)
    return {
        "server": srv,
        "upstreams": {"app": {
            "url": "http://127.0.0.1:%d" % upstream_port, "connect_timeout": "1s",
            "timeout": "2s", "health": {"path": "/healthz", "interval": "200ms"}}},
        "routes": [
            {"name": "sse", "match": {"path_prefix": "/sse"}, "upstream": "app",
             "auth": "none", "stream": {"max_duration": "3s"}},
            {"name": "api", "match": {"path_prefix": "/",
                                      "methods": ["GET", "POST", "PUT", "DELETE", "HEAD"]},
             "upstream": "app", "auth": "none"},
        ],
    }


def with_dead_upstream(cfg):
    """Adds an upstream `dead` on a closed port and a `/dead` route in front of the others."""
    cfg["upstreams"]["dead"] = {"url": "http://127.0.0.1:%d" % free_port(),
                                "connect_timeout": "1s", "timeout": "2s"}
    cfg["routes"].insert(0, {"name": "dead", "match": {"path_prefix": "/dead"},
                             "upstream": "dead", "auth": "none"})
    return cfg


class Rampart:
    """`$RAMPART_BIN serve -c <file>` with a generated config, in its own temp dir.

    config: a dict (listen/admin/log are filled in unless present) or YAML text (used as is,
    after str.format-free substitution of {port}, {admin_port}, {log_file}).
    """

    def __init__(self, config, start=True, env=None, workdir=None):
        self.workdir = workdir or tempfile.mkdtemp(prefix="rampart-e2e-")
        self.port = free_port()
        self.admin_port = free_port()
        while self.admin_port == self.port:
            self.admin_port = free_port()
        self.log_file = os.path.join(self.workdir, "rampart.log")
        self.config_path = os.path.join(self.workdir, "rampart.yaml")
        self.stdout_path = os.path.join(self.workdir, "stdout.txt")
        self.stderr_path = os.path.join(self.workdir, "stderr.txt")
        self.env = dict(os.environ)
        self.env["RAMPART_ADMIN_KEY"] = ADMIN_KEY
        self.env.update(env or {})
        self.proc = None
        self.returncode = None
        self.config = config
        self.write_config(config)
        if start:
            self.start()

    # -- config ---------------------------------------------------------------------------
    def render(self, config):
        if isinstance(config, str):
            return (config.replace("{port}", str(self.port))
                    .replace("{admin_port}", str(self.admin_port))
                    .replace("{log_file}", self.log_file))
        cfg = json.loads(json.dumps(config))  # deep copy
        cfg.setdefault("server", {}).setdefault("listen", "127.0.0.1:%d" % self.port)
        admin = cfg.setdefault("admin", {})
        admin.setdefault("listen", "127.0.0.1:%d" % self.admin_port)
        admin.setdefault("api_key", "${RAMPART_ADMIN_KEY}")
        log = cfg.setdefault("log", {})
        log.setdefault("level", "info")
        log.setdefault("file", self.log_file)
        # a stable key order: env first, like a hand-written file
        ordered = {}
        for k in ("env", "server", "admin", "log", "upstreams", "routes"):
            if k in cfg:
                ordered[k] = cfg.pop(k)
        ordered.update(cfg)
        return to_yaml(ordered) + "\n"

    def write_config(self, config, new_ports=False):
        """Writes the config file (keeps listen ports unless new_ports); returns the text."""
        if new_ports:
            self.port, self.admin_port = free_port(), free_port()
        self.config = config
        text = self.render(config)
        tmp = self.config_path + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, self.config_path)
        return text

    # -- process --------------------------------------------------------------------------
    def start(self, timeout=10.0, attempts=3):
        """Starts serve and waits for both listeners. A port taken by a parallel test
        between free_port() and bind is retried on new ports."""
        for attempt in range(attempts):
            self._out = open(self.stdout_path, "wb")
            self._errf = open(self.stderr_path, "wb")
            self.proc = subprocess.Popen([RAMPART_BIN, "serve", "-c", self.config_path],
                                         stdout=self._out, stderr=self._errf,
                                         cwd=self.workdir, env=self.env,
                                         preexec_fn=_die_with_parent)
            self.pid = self.proc.pid
            ok = wait_until(lambda: self.proc.poll() is not None or
                            (port_accepts(self.port) and port_accepts(self.admin_port)),
                            timeout * SLOW)
            if ok and self.proc.poll() is None:
                return
            self.stop()
            if (attempt + 1 < attempts and "in use" in self.output(self.stderr_path)
                    and self.config_path and self.write_config(self.config, new_ports=True)):
                continue
            raise RuntimeError("rampart did not start (exit %r)\n%s" % (
                self.returncode, self.debug_dump()))

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig):
        self.proc.send_signal(sig)

    def wait(self, timeout):
        """Waits for exit; returns the exit code or None at the deadline."""
        try:
            self.returncode = self.proc.wait(timeout=timeout)
            return self.returncode
        except subprocess.TimeoutExpired:
            return None

    def stop(self, timeout=8.0):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
                self.returncode = self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.returncode = self.proc.wait(timeout=5)
        else:
            self.returncode = self.proc.returncode
        for f in (getattr(self, "_out", None), getattr(self, "_errf", None)):
            if f and not f.closed:
                f.close()
        return self.returncode

    def exit_problem(self):
        """After stop(): why the exit was not clean (status, sanitizer report), or None."""
        err = self.output(self.stderr_path, 10 ** 6) + self.output(self.stdout_path, 10 ** 6)
        for marker in ("AddressSanitizer", "LeakSanitizer", "runtime error:",
                       "UndefinedBehaviorSanitizer"):
            if marker in err:
                return "rampart reported %r:\n%s" % (marker, err[-4000:])
        if self.returncode not in (0, None):
            return "rampart exited with status %r after SIGTERM" % self.returncode
        return None

    def rss_kib(self):
        """{'VmRSS': kib, 'VmHWM': kib} from /proc/<pid>/status."""
        out = {}
        with open("/proc/%d/status" % self.pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "VmHWM"):
                    out[k] = int(v.split()[0])
        return out

    # -- output ---------------------------------------------------------------------------
    def log_text(self):
        try:
            with open(self.log_file, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def log_lines(self, strict=False):
        """Parsed JSON lines of the log file (a non-JSON line raises when strict)."""
        out = []
        for line in self.log_text().splitlines():
            if not line.strip():
                continue
            try:
                out.append(json.loads(line))
            except ValueError:
                if strict:
                    raise
        return out

    def wait_log(self, pred, timeout=3.0):
        """Waits for a log line matching pred; returns it or None."""
        def find():
            for line in self.log_lines():
                if isinstance(line, dict) and pred(line):
                    return line
            return None
        return wait_until(find, timeout * SLOW, 0.05)

    def request_logs(self, request_id=None):
        return [l for l in self.log_lines() if isinstance(l, dict) and
                l.get("event") == "request" and
                (request_id is None or l.get("request_id") == request_id)]

    def output(self, path, limit=8000):
        try:
            with open(path, "rb") as f:
                data = f.read()
            return data[-limit:].decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def debug_dump(self):
        return ("--- rampart config (%s)\n%s\n--- stdout\n%s\n--- stderr\n%s\n--- log tail\n%s"
                % (self.config_path, self.output(self.config_path),
                   self.output(self.stdout_path), self.output(self.stderr_path),
                   self.output(self.log_file, 4000)))

    def metrics_text(self):
        status, headers, body = request(self.admin_port, "GET", "/metrics")
        assert status == 200, (status, body[:300])
        return body.decode()

    def metrics(self):
        return metrics_samples(self.metrics_text())


# ---------------------------------------------------------------------------------------
# TestCase base

class E2ETest(unittest.TestCase):
    """Starts nothing by itself; helpers register cleanups, and rampart's output is printed
    when a test fails."""

    def _failed(self):
        """Whether this test (or one of its subtests) has failed so far."""
        result = getattr(getattr(self, "_outcome", None), "result", None)
        if result is None:
            return True
        for test, _ in list(getattr(result, "failures", [])) + list(getattr(result, "errors", [])):
            if test is self or getattr(test, "test_case", None) is self:
                return True
        return False

    def start_upstream(self):
        up = Upstream()
        self.addCleanup(shutil.rmtree, up.workdir, True)
        self.addCleanup(up.stop)
        return up

    def start_rampart(self, config, **kw):
        r = Rampart(config, **kw)
        self.addCleanup(self._stop_rampart, r)
        return r

    def _stop_rampart(self, r):
        r.stop()
        problem = r.exit_problem()
        if self._failed() or problem:
            sys.stderr.write("\n=== rampart output for %s\n%s\n" % (self.id(), r.debug_dump()))
        else:
            shutil.rmtree(r.workdir, ignore_errors=True)
        if problem:
            raise AssertionError(problem)

    def assert_problem(self, status, headers, body, code, expect_status=None):
        """A rampart-made problem+json response with the given code."""
        if expect_status is not None:
            self.assertEqual(status, expect_status, body[:500])
        self.assertEqual(headers.get("content-type", "").split(";")[0].strip(),
                         "application/problem+json", headers)
        self.assertEqual(headers.get("cache-control"), "no-store")
        doc = json.loads(body)
        for field in ("type", "title", "status", "code", "request_id"):
            self.assertIn(field, doc, doc)
        self.assertEqual(doc["status"], status)
        self.assertEqual(doc["code"], code, doc)
        self.assertTrue(doc["request_id"])
        if "x-request-id" in headers:
            self.assertEqual(doc["request_id"], headers["x-request-id"])
        return doc


class SharedRampart(E2ETest):
    """One upstream + one rampart for the whole class (config from cls.config(upstream))."""

    @classmethod
    def config(cls, up):
        return base_config(up.port)

    @classmethod
    def setUpClass(cls):
        cls.up = Upstream()
        try:
            cls.rp = Rampart(cls.config(cls.up))
        except Exception:
            cls.up.stop()
            raise
        cls._class_failed = False

    @classmethod
    def tearDownClass(cls):
        cls.rp.stop()
        cls.up.stop()
        problem = cls.rp.exit_problem()
        if cls._class_failed or problem:
            sys.stderr.write("\n=== rampart output for %s\n%s\n" % (cls.__name__,
                                                                    cls.rp.debug_dump()))
        else:
            shutil.rmtree(cls.rp.workdir, ignore_errors=True)
        shutil.rmtree(cls.up.workdir, ignore_errors=True)
        if problem:
            raise AssertionError(problem)

    def tearDown(self):
        if self._failed():
            type(self)._class_failed = True
