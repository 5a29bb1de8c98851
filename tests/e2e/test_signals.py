"""Signals: SIGTERM drains in-flight requests within drain_timeout; SIGHUP reloads the config
without dropping connections, and an invalid config keeps the old one (SPEC §2)."""

import http.client
import signal
import socket
import threading
import time
import unittest

from harness import (E2ETest, base_config, conn_request, metric, port_accepts, request,
                     wait_until)


class InFlight:
    """Runs one request in a thread; .result is (status, body) or the exception."""

    def __init__(self, port, path):
        self.result = None
        self.t = threading.Thread(target=self._run, args=(port, path), daemon=True)
        self.t.start()

    def _run(self, port, path):
        try:
            status, _, body = request(port, "GET", path, timeout=15)
            self.result = (status, body)
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.result = e

    def join(self, timeout):
        self.t.join(timeout)
        return self.result


class ShutdownTest(E2ETest):

    def start(self, **server):
        self.up = self.start_upstream()
        cfg = base_config(self.up.port, **server)
        cfg["upstreams"]["app"]["timeout"] = "10s"
        self.rp = self.start_rampart(cfg)

    def wait_upstream_has(self, path):
        ok = wait_until(lambda: any(p == path for _, p in self.up.stats()["paths"]), 3.0)
        self.assertTrue(ok, "%s never reached the upstream" % path)

    def test_sigterm_completes_in_flight_request(self):
        self.start(drain_timeout="5s")
        flight = InFlight(self.rp.port, "/slow?ms=1500")
        self.wait_upstream_has("/slow")
        t0 = time.monotonic()
        self.rp.signal(signal.SIGTERM)
        refused = wait_until(lambda: not port_accepts(self.rp.port, 0.2), 1.0, 0.05)
        self.assertTrue(refused, "new connections still accepted 1 s after SIGTERM")
        result = flight.join(5)
        self.assertEqual(result and result[0], 200, "in-flight request got %r" % (result,))
        code = self.rp.wait(6)
        elapsed = time.monotonic() - t0
        self.assertEqual(code, 0, "exit status %r" % code)
        self.assertLess(elapsed, 5.0)
        events = [l.get("event") for l in self.rp.log_lines()]
        self.assertIn("shutdown", events)

    def test_drain_timeout_bounds_shutdown(self):
        self.start(drain_timeout="1s")
        flight = InFlight(self.rp.port, "/slow?ms=5000")
        self.wait_upstream_has("/slow")
        t0 = time.monotonic()
        self.rp.signal(signal.SIGTERM)
        code = self.rp.wait(5)
        elapsed = time.monotonic() - t0
        self.assertEqual(code, 0, "exit status %r" % code)
        self.assertLess(elapsed, 1.8, "exit %.2fs after SIGTERM with drain_timeout 1s" % elapsed)
        flight.join(5)

    def test_idle_connections_do_not_delay_shutdown(self):
        self.start(drain_timeout="5s", idle_timeout="30s")
        s = socket.create_connection(("127.0.0.1", self.rp.port), timeout=5)
        self.addCleanup(s.close)
        s.sendall(b"GET /json HTTP/1.1\r\nHost: x\r\n\r\n")
        resp = http.client.HTTPResponse(s, method="GET")
        resp.begin()
        self.assertEqual(resp.status, 200)
        resp.read()
        t0 = time.monotonic()
        self.rp.signal(signal.SIGTERM)
        # the idle connection gets the drain grace (1 s) for a request already on its way,
        # then is closed cleanly by the server (FIN, never a reset); shutdown follows at once
        s.settimeout(3)
        try:
            got = s.recv(65536)
        except (ConnectionResetError, socket.timeout) as e:
            got = e
        eof = got == b""
        closed_after = time.monotonic() - t0
        s.close()
        self.assertTrue(eof, "idle connection on SIGTERM: got %r, not a clean close" % (got,))
        self.assertGreater(closed_after, 0.8, "idle connection closed %.2fs after SIGTERM, "
                           "before the drain grace" % closed_after)
        self.assertLess(closed_after, 2.0, "idle connection closed %.2fs after SIGTERM" %
                        closed_after)
        code = self.rp.wait(7)
        elapsed = time.monotonic() - t0
        self.assertEqual(code, 0)
        self.assertLess(elapsed, 2.5, "an idle keep-alive connection held shutdown %.2fs" %
                        elapsed)


def reload_config(up, with_echo):
    cfg = base_config(up.port, idle_timeout="30s")
    cfg["routes"] = [{"name": "api", "match": {"path_prefix": "/json"}, "upstream": "app",
                      "auth": "none"}]
    if with_echo:
        cfg["routes"].append({"name": "echo", "match": {"path_prefix": "/echo"},
                              "upstream": "app", "auth": "none"})
    return cfg


class ReloadTest(E2ETest):

    def setUp(self):
        self.up = self.start_upstream()
        self.rp = self.start_rampart(reload_config(self.up, with_echo=False))

    def reloads(self, result):
        return metric(self.rp.metrics(), "rampart_config_reloads_total", result=result) or 0

    def test_sighup_valid_config(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.rp.port, timeout=10)
        self.addCleanup(conn.close)
        self.assertEqual(conn_request(conn, "GET", "/json")[0], 200)
        self.assertEqual(request(self.rp.port, "GET", "/echo")[0], 404)
        ok_before = self.reloads("success")
        self.rp.write_config(reload_config(self.up, with_echo=True))
        self.rp.signal(signal.SIGHUP)
        got = wait_until(lambda: request(self.rp.port, "GET", "/echo")[0] == 200, 3.0, 0.1)
        self.assertTrue(got, "the route added by the reload never answered")
        status, h, body = conn_request(conn, "GET", "/json")
        self.assertEqual(status, 200, "keep-alive connection from before the reload broke")
        self.assertEqual(self.reloads("success"), ok_before + 1)
        line = self.rp.wait_log(lambda l: l.get("event") == "reload")
        self.assertIsNotNone(line, "no reload log event")
        self.assertNotIn(str(line.get("result", "")).lower(), ("error", "failure", "failed"))
        self.assertTrue(self.rp.alive())

    def test_sighup_switches_upstream(self):
        other = self.start_upstream()
        conn = http.client.HTTPConnection("127.0.0.1", self.rp.port, timeout=10)
        self.addCleanup(conn.close)
        self.assertEqual(conn_request(conn, "GET", "/json")[0], 200)
        cfg = reload_config(other, with_echo=False)
        self.rp.write_config(cfg)
        before = other.stats()["requests"]
        self.rp.signal(signal.SIGHUP)
        moved = wait_until(lambda: request(self.rp.port, "GET", "/json")[0] == 200 and
                           other.stats()["requests"] > before, 3.0, 0.1)
        self.assertTrue(moved, "requests never reached the new upstream")
        old_before = self.up.stats()["requests"]
        for _ in range(5):
            self.assertEqual(request(self.rp.port, "GET", "/json")[0], 200)
        self.assertEqual(conn_request(conn, "GET", "/json")[0], 200)
        self.assertEqual(self.up.stats()["requests"], old_before,
                         "requests after the reload still went to the old upstream")

    def test_sighup_invalid_config_keeps_old(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.rp.port, timeout=10)
        self.addCleanup(conn.close)
        self.assertEqual(conn_request(conn, "GET", "/json")[0], 200)
        fail_before = self.reloads("failure")
        ok_before = self.reloads("success")
        for n, garbage in enumerate(("server: [unclosed\n  - ::: {{{\n",
                                     "server:\n  idel_timeout: 5s\n"), start=1):
            with open(self.rp.config_path, "w") as f:
                f.write(garbage)
            self.rp.signal(signal.SIGHUP)
            got = wait_until(lambda: self.reloads("failure") >= fail_before + n, 3.0, 0.1)
            self.assertTrue(got, "reload failure #%d was not counted" % n)
            self.assertTrue(self.rp.alive(), "rampart died on an invalid config")
            self.assertEqual(request(self.rp.port, "GET", "/json")[0], 200)
            self.assertEqual(request(self.rp.port, "GET", "/echo")[0], 404)
            self.assertEqual(conn_request(conn, "GET", "/json")[0], 200)
        self.assertEqual(self.reloads("success"), ok_before)
        line = self.rp.wait_log(lambda l: l.get("event") == "reload" and (
            str(l.get("result", "")).lower() in ("error", "failure", "failed")
            or l.get("level") == "error"))
        self.assertIsNotNone(line, "no reload error log line")
        # a valid file afterwards is taken
        self.rp.write_config(reload_config(self.up, with_echo=True))
        self.rp.signal(signal.SIGHUP)
        got = wait_until(lambda: request(self.rp.port, "GET", "/echo")[0] == 200, 3.0, 0.1)
        self.assertTrue(got)
        self.assertEqual(self.reloads("success"), ok_before + 1)


if __name__ == "__main__":
    unittest.main()
