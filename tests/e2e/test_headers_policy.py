"""The route key `headers:` (docs/policies/headers.md) against the real binary on loopback.

The shared upstream.py cannot send chosen response fields, so this file runs its own small
upstream (http.server, in a thread of the test process, on a port the kernel picks): every
answer is JSON carrying the exact list of fields it received, and `?h=Name:Value` (repeatable)
adds response fields as written, so a test controls case, `_` spellings and `Connection`.
Field names are compared the way the doc says rampart compares them: case-blind, `_` as `-`.
"""

import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, urlsplit

from harness import ADMIN_KEY, RAMPART_BIN, E2ETest, Rampart, free_port

TIMEOUT = 5.0  # every client socket; rampart's own upstream timeout is 2 s


def norm(name):
    return name.lower().replace("_", "-")


def fields(header_list, name):
    """The values of every field in header_list that rampart counts as `name`."""
    return [v for k, v in header_list if norm(k) == norm(name)]


def with_h(path, *pairs):
    """path?h=Name:Value&...: the response fields the test upstream should add."""
    return path + "?" + "&".join("h=" + quote("%s:%s" % p, safe="") for p in pairs)


# ---------------------------------------------------------------------------------------
# Test upstream

class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10

    def log_message(self, fmt, *args):  # quiet
        pass

    def _handle(self):
        url = urlsplit(self.path)
        query = parse_qsl(url.query, keep_blank_values=True)
        received = [[k, v] for k, v in self.headers.items()]
        with self.server.lock:
            self.server.seen.append((self.command, url.path, received))
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        status = int(dict(query).get("status", "200"))
        body = json.dumps({"method": self.command, "path": url.path,
                           "header_list": received}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for key, value in query:
            if key == "h":
                name, _, val = value.partition(":")
                self.send_header(name, val)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle


class ShapingUpstream(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.seen = []  # (method, path, [[name, value], ...]) per request
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    @property
    def port(self):
        return self.server_address[1]

    def requests_to(self, path):
        with self.lock:
            return [s for s in self.seen if s[1] == path]

    def stop(self):
        self.shutdown()
        self.server_close()
        self.thread.join(5)


# ---------------------------------------------------------------------------------------
# Client

def send(port, method, path, header_list=()):
    """One request with exactly these fields (in order, case and duplicates kept):
    (status, response [(name, value)], body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for name, value in header_list:
            conn.putheader(name, value)
        conn.endheaders()
        resp = conn.getresponse()
        body = resp.read()
        return resp.status, resp.getheaders(), body
    finally:
        conn.close()


SHAPING = {
    "request_add": {"X-Tenant": "acme"},
    "request_remove": ["Cookie"],
    "response_add": {"Cache-Control": "max-age=10"},
    "response_remove": ["X-Debug-Token"],
}


def config(up_port):
    dead = free_port()
    while dead == up_port:
        dead = free_port()
    upstream = {"connect_timeout": "1s", "timeout": "2s"}
    return {
        "server": {"workers": 2, "header_timeout": "1s", "idle_timeout": "2s",
                   "drain_timeout": "5s"},
        "upstreams": {
            "app": dict(upstream, url="http://127.0.0.1:%d" % up_port),
            "dead": dict(upstream, url="http://127.0.0.1:%d" % dead),  # nothing listens
        },
        "routes": [
            {"name": "shaped", "match": {"path_prefix": "/h/", "methods": ["GET"]},
             "upstream": "app", "auth": "none", "headers": SHAPING},
            {"name": "shaped_dead", "match": {"path_prefix": "/hdead/", "methods": ["GET"]},
             "upstream": "dead", "auth": "none", "headers": SHAPING},
            {"name": "frame", "match": {"path_prefix": "/frame/", "methods": ["GET"]},
             "upstream": "app", "auth": "none",
             "headers": {"response_add": {"X-Frame-Options": "SAMEORIGIN"},
                         "response_remove": ["X-Content-Type-Options"]}},
            {"name": "plain", "match": {"path_prefix": "/plain/", "methods": ["GET"]},
             "upstream": "app", "auth": "none"},
        ],
    }


class HeadersPolicyTest(E2ETest):
    """One upstream and one rampart for the class; both stopped even when setUp fails."""

    @classmethod
    def setUpClass(cls):
        cls.up = ShapingUpstream()
        cls.addClassCleanup(cls.up.stop)
        cls._class_failed = False
        cls.rp = Rampart(config(cls.up.port))
        cls.addClassCleanup(cls._stop_shared)

    @classmethod
    def _stop_shared(cls):
        cls.rp.stop()
        problem = cls.rp.exit_problem()
        if cls._class_failed or problem:
            sys.stderr.write("\n=== rampart output for %s\n%s\n" % (cls.__name__,
                                                                    cls.rp.debug_dump()))
        else:
            shutil.rmtree(cls.rp.workdir, ignore_errors=True)
        if problem:
            raise AssertionError(problem)

    def tearDown(self):
        if self._failed():
            type(self)._class_failed = True

    # -- helpers --------------------------------------------------------------------------
    def proxied(self, path, header_list=()):
        """A GET that must reach the upstream: (what the upstream received, response fields)."""
        status, resp, body = send(self.rp.port, "GET", path, header_list)
        self.assertEqual(status, 200, (path, resp, body[:500]))
        return json.loads(body)["header_list"], resp

    def assert_one(self, header_list, name, value, where):
        got = fields(header_list, name)
        self.assertEqual(got, [value], "%s: fields named like %s: %r (all: %r)"
                         % (where, name, got, header_list))

    # -- 1. request_add replaces, request_remove drops ------------------------------------
    def test_request_add_replaces_client_copies_in_any_spelling(self):
        cases = {
            "none": [],
            "same": [("X-Tenant", "other")],
            "lower": [("x-tenant", "other")],
            "upper": [("X-TENANT", "other")],
            "underscore": [("X_Tenant", "evil")],
            "underscore-lower": [("x_tenant", "evil")],
            "many": [("X-Tenant", "one"), ("x_tenant", "two"), ("X-TENANT", "three"),
                     ("X_TENANT", "four")],
        }
        for label, client in cases.items():
            with self.subTest(client=label):
                got, _ = self.proxied("/h/echo", client + [("X-Other", "kept")])
                self.assert_one(got, "X-Tenant", "acme", "upstream")
                # spelled as written in the config (a `_` copy would not show as X-Tenant)
                names = [k for k, _ in got if norm(k) == "x-tenant"]
                self.assertEqual(names, ["X-Tenant"], got)
                self.assert_one(got, "X-Other", "kept", "upstream")

    def test_request_remove_drops_cookie(self):
        cases = {
            "one": [("Cookie", "session=SECRET1")],
            "lower": [("cookie", "session=SECRET2")],
            "upper": [("COOKIE", "session=SECRET3")],
            "two": [("Cookie", "a=SECRET4"), ("Cookie", "b=SECRET5")],
        }
        for label, client in cases.items():
            with self.subTest(client=label):
                got, _ = self.proxied("/h/echo", client + [("Accept", "application/json")])
                self.assertEqual(fields(got, "Cookie"), [], got)
                self.assertNotIn("SECRET", json.dumps(got))
                self.assert_one(got, "Accept", "application/json", "upstream")

    # -- 2. Connection from the client cannot strip an added field ------------------------
    def test_client_connection_cannot_strip_added_field(self):
        for conn in ("X-Tenant", "x-tenant", "X_Tenant", "keep-alive, X-Tenant",
                     "X-Tenant, Cookie"):
            with self.subTest(connection=conn):
                got, _ = self.proxied("/h/echo", [("Connection", conn),
                                                  ("X-Tenant", "other")])
                self.assert_one(got, "X-Tenant", "acme", "upstream")
                self.assertEqual(fields(got, "Cookie"), [], got)

    # -- 3. response_add replaces, response_remove drops ----------------------------------
    def test_response_add_replaces_upstream_field(self):
        cases = {
            "none": [],
            "same": [("Cache-Control", "no-cache")],
            "lower": [("cache-control", "no-cache")],
            "many": [("Cache-Control", "no-cache"), ("cache-control", "private"),
                     ("Cache_Control", "no-transform")],
        }
        for label, upstream in cases.items():
            with self.subTest(upstream=label):
                _, resp = self.proxied(with_h("/h/r", *upstream))
                self.assert_one(resp, "Cache-Control", "max-age=10", "client")
                names = [k for k, _ in resp if norm(k) == "cache-control"]
                self.assertEqual(names, ["Cache-Control"], resp)

    def test_response_remove_drops_upstream_field(self):
        cases = {
            "same": [("X-Debug-Token", "DBG1")],
            "lower": [("x-debug-token", "DBG2")],
            "underscore": [("X_Debug_Token", "DBG3")],
            "two": [("X-Debug-Token", "DBG4"), ("X-Debug-Token", "DBG5")],
        }
        for label, upstream in cases.items():
            with self.subTest(upstream=label):
                _, resp = self.proxied(with_h("/h/r", *upstream, ("X-Kept", "yes")))
                self.assertEqual(fields(resp, "X-Debug-Token"), [], resp)
                self.assertNotIn("DBG", repr(resp))
                self.assert_one(resp, "X-Kept", "yes", "client")

    def test_upstream_connection_cannot_strip_added_field(self):
        for conn in ("Cache-Control", "cache-control", "Cache_Control",
                     "keep-alive, Cache-Control"):
            with self.subTest(connection=conn):
                _, resp = self.proxied(with_h("/h/r", ("Connection", conn),
                                              ("Cache-Control", "no-cache")))
                self.assert_one(resp, "Cache-Control", "max-age=10", "client")

    # -- 4. rampart's own answers on the route are not shaped -----------------------------
    def assert_own_answer(self, status, resp, body, code, expect_status):
        headers = {}
        for k, v in resp:
            headers[k.lower()] = headers[k.lower()] + ", " + v if k.lower() in headers else v
        self.assert_problem(status, headers, body, code, expect_status)
        self.assertEqual(fields(resp, "Cache-Control"), ["no-store"], resp)
        self.assertNotIn("max-age=10", repr(resp))

    def test_own_405_keeps_no_store(self):
        before = len(self.up.requests_to("/h/echo"))
        status, resp, body = send(self.rp.port, "POST", "/h/echo",
                                  [("Content-Length", "0"), ("X-Tenant", "other")])
        self.assert_own_answer(status, resp, body, "method_not_allowed", 405)
        self.assertEqual(len(self.up.requests_to("/h/echo")), before, "405 reached upstream")

    def test_own_502_keeps_no_store(self):
        status, resp, body = send(self.rp.port, "GET", "/hdead/x")
        self.assert_own_answer(status, resp, body, "upstream_unavailable", 502)

    def test_upstream_5xx_replaced_by_problem_keeps_no_store(self):
        # the upstream's 500 becomes rampart's own problem (hygiene.md): no route shaping
        status, resp, body = send(self.rp.port, "GET",
                                  with_h("/h/r", ("Cache-Control", "no-cache")) + "&status=500")
        self.assert_own_answer(status, resp, body, "upstream_error", 500)

    def test_own_405_on_frame_route_keeps_hygiene_default(self):
        status, resp, body = send(self.rp.port, "POST", "/frame/x", [("Content-Length", "0")])
        self.assertEqual(status, 405, (resp, body[:300]))
        self.assertEqual(fields(resp, "X-Frame-Options"), ["DENY"], resp)

    # -- 5. response_add of a hygiene default is kept -------------------------------------
    def test_response_add_of_hygiene_header_is_kept(self):
        cases = {
            "upstream-none": [],
            "upstream-deny": [("X-Frame-Options", "DENY")],
            "upstream-allow-from": [("x-frame-options", "ALLOW-FROM https://evil.example")],
        }
        for label, upstream in cases.items():
            with self.subTest(upstream=label):
                _, resp = self.proxied(with_h("/frame/r", *upstream))
                self.assert_one(resp, "X-Frame-Options", "SAMEORIGIN", "client")
                self.assertNotIn("DENY", repr(resp))
                # the other defaults still come from hygiene
                self.assert_one(resp, "Referrer-Policy", "no-referrer", "client")

    def test_response_remove_of_hygiene_header_falls_back_to_default(self):
        _, resp = self.proxied(with_h("/frame/r", ("X-Content-Type-Options", "bogus")))
        self.assert_one(resp, "X-Content-Type-Options", "nosniff", "client")

    # -- 6. a route without headers: is unaffected ----------------------------------------
    def test_route_without_headers_passes_fields_through(self):
        got, resp = self.proxied(
            with_h("/plain/r", ("Cache-Control", "no-cache"), ("X-Debug-Token", "DBG9")),
            [("X-Tenant", "other"), ("Cookie", "s=1")])
        self.assert_one(got, "X-Tenant", "other", "upstream")
        self.assert_one(got, "Cookie", "s=1", "upstream")
        self.assert_one(resp, "Cache-Control", "no-cache", "client")
        self.assert_one(resp, "X-Debug-Token", "DBG9", "client")
        self.assert_one(resp, "X-Frame-Options", "DENY", "client")


# ---------------------------------------------------------------------------------------
# 7. rampart check refuses names rampart owns

CHECK_CONFIG = """\
server:
  listen: "127.0.0.1:{port}"
  workers: 1
admin:
  listen: "127.0.0.1:{admin_port}"
  api_key: "${{RAMPART_ADMIN_KEY}}"
log: {{level: info, file: "-"}}
upstreams:
  app: {{url: "http://127.0.0.1:9", timeout: 2s}}
routes:
  - name: api
    match: {{path_prefix: /}}
    upstream: app
    auth: none
    headers:
      request_add:
        X-Tenant: acme
{request_extra}      response_add:
        Cache-Control: "max-age=10"
{response_extra}"""


class HeadersCheckTest(unittest.TestCase):

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="rampart-headers-check-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.env = dict(os.environ)
        self.env["RAMPART_ADMIN_KEY"] = ADMIN_KEY

    def check(self, name, request_extra=(), response_extra=()):
        """Writes a config with extra `Name: value` lines under request_add/response_add and
        runs check: (process, {extra line text: 1-based line number})."""
        text = CHECK_CONFIG.format(
            port=free_port(), admin_port=free_port(),
            request_extra="".join("        %s\n" % l for l in request_extra),
            response_extra="".join("        %s\n" % l for l in response_extra))
        lines = text.splitlines()
        where = {l: lines.index("        " + l) + 1 for l in (*request_extra, *response_extra)}
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        p = subprocess.run([RAMPART_BIN, "check", "-c", path], cwd=self.dir, env=self.env,
                           capture_output=True, text=True, timeout=20)
        return p, where

    def assert_refused(self, p, fname, line, key_path):
        msg = "exit %r\nstdout: %s\nstderr: %s" % (p.returncode, p.stdout, p.stderr)
        self.assertEqual(p.returncode, 1, msg)
        self.assertNotEqual(p.stdout.strip(), "ok", msg)
        pattern = re.escape(fname) + r":%d:(\d+:)?[^\n]*" % line + re.escape(key_path)
        self.assertRegex(p.stderr, pattern, msg)

    def test_control_config_is_valid(self):
        p, _ = self.check("good.yaml")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.strip(), "ok")

    REFUSED = [
        ("request_add", "Content-Length", '"5"'),
        ("request_add", "X-Rampart-Identity", "admin"),
        ("request_add", "X_Forwarded_For", "1.2.3.4"),
        ("response_add", "Access-Control-Allow-Origin", '"*"'),
        # the same classes in other spellings
        ("request_add", "content-length", '"5"'),
        ("request_add", "Transfer_Encoding", "chunked"),
        ("request_add", "x-rampart-user", "root"),
        ("request_add", "X-FORWARDED-FOR", "1.2.3.4"),
        ("response_add", "access_control_allow_credentials", "true"),
    ]

    def test_refused_names(self):
        for i, (side, name, value) in enumerate(self.REFUSED):
            with self.subTest(side=side, name=name):
                entry = "%s: %s" % (name, value)
                fname = "refused%d.yaml" % i
                if side == "request_add":
                    p, where = self.check(fname, request_extra=[entry])
                else:
                    p, where = self.check(fname, response_extra=[entry])
                self.assert_refused(p, fname, where[entry],
                                    "routes[0].headers.%s.%s" % (side, name))

    def test_all_refused_names_reported_at_once(self):
        req = ['Content-Length: "5"', "X-Rampart-Identity: admin", "X_Forwarded_For: 1.2.3.4"]
        resp = ['Access-Control-Allow-Origin: "*"']
        p, where = self.check("all.yaml", request_extra=req, response_extra=resp)
        for side, entries in (("request_add", req), ("response_add", resp)):
            for entry in entries:
                name = entry.split(":")[0]
                with self.subTest(name=name):
                    self.assert_refused(p, "all.yaml", where[entry],
                                        "routes[0].headers.%s.%s" % (side, name))


if __name__ == "__main__":
    unittest.main()
