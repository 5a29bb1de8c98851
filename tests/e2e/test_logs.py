"""Structured JSON-lines logs: request lines, fields, secrets never logged, lifecycle events
(SPEC §6)."""

import json
import unittest

from harness import ADMIN_KEY, E2ETest, TS_RE, base_config, raw_ex, request

SECRETS = ("AUTHSECRET789", "APIKEYSECRET555", "COOKIESECRET777", "SETCOOKIESECRET321",
           "SECRETVALUE123", "BODYSECRET456", ADMIN_KEY)


class LogsTest(E2ETest):

    def setUp(self):
        self.up = self.start_upstream()
        self.rp = self.start_rampart(base_config(self.up.port))

    def wait_request(self, rid):
        line = self.rp.wait_log(lambda l: l.get("event") == "request"
                                and l.get("request_id") == rid)
        self.assertIsNotNone(line, "no request log line for %s" % rid)
        return line

    def test_request_line_fields(self):
        body = b'{"hello": "world"}'
        status, h, resp_body = request(self.rp.port, "POST", "/echo?a=1&b=2", body=body,
                                       headers={"X-Request-ID": "log-fields-1",
                                                "Content-Type": "application/json"})
        self.assertEqual(status, 200)
        line = self.wait_request("log-fields-1")
        self.assertRegex(line.get("ts", ""), TS_RE)
        self.assertEqual(line.get("level"), "info")
        self.assertEqual(line.get("method"), "POST")
        self.assertEqual(line.get("path"), "/echo")
        self.assertEqual(line.get("route"), "api")
        self.assertEqual(line.get("status"), 200)
        for f in ("duration_ms", "upstream_ms"):
            self.assertIsInstance(line.get(f), (int, float), f)
            self.assertGreaterEqual(line[f], 0)
        self.assertGreaterEqual(line["duration_ms"], line["upstream_ms"])
        self.assertIsInstance(line.get("bytes_in"), int)
        self.assertIsInstance(line.get("bytes_out"), int)
        self.assertGreaterEqual(line["bytes_in"], len(body))
        self.assertGreaterEqual(line["bytes_out"], len(resp_body))
        self.assertEqual(line.get("client_ip"), "127.0.0.1")
        self.assertEqual(line.get("identity"), "ip:127.0.0.1")
        self.assertIsNone(line.get("code"))
        self.assertEqual(len(self.rp.request_logs("log-fields-1")), 1)

    def test_bytes_in_is_the_request_as_received(self):
        # head and body in one packet, and a chunked body: bytes_in counts exactly the
        # request's bytes as they arrived (framing included), never a pipelined request's
        for rid, body in (("log-bytes-cl", b"Content-Length: 11\r\n\r\nhello world"),
                          ("log-bytes-chunked", b"Transfer-Encoding: chunked\r\n\r\n"
                                                b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")):
            with self.subTest(rid=rid):
                req = (b"POST /echo HTTP/1.1\r\nHost: x\r\nX-Request-ID: " + rid.encode() +
                       b"\r\n" + body)
                nxt = b"GET /json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                raw_ex(self.rp.port, req + nxt, 3)
                line = self.wait_request(rid)
                self.assertEqual(line["bytes_in"], len(req))

    def test_slow_request_durations(self):
        request(self.rp.port, "GET", "/slow?ms=300", headers={"X-Request-ID": "log-slow"})
        line = self.wait_request("log-slow")
        self.assertGreaterEqual(line["upstream_ms"], 290)
        self.assertGreaterEqual(line["duration_ms"], 290)
        self.assertLess(line["duration_ms"], 2000)

    def test_stream_logged_with_full_duration(self):
        status, h, body = request(self.rp.port, "GET", "/sse?events=3&interval_ms=500",
                                  headers={"X-Request-ID": "log-sse"})
        self.assertEqual(status, 200)
        self.assertEqual(body, b"data: 0\n\ndata: 1\n\ndata: 2\n\n")
        line = self.wait_request("log-sse")
        self.assertEqual(line.get("route"), "sse")
        self.assertGreaterEqual(line["duration_ms"], 900)
        self.assertGreaterEqual(line["bytes_out"], len(body))

    def test_error_lines_have_code(self):
        request(self.rp.port, "PATCH", "/json", headers={"X-Request-ID": "log-405"})
        line = self.wait_request("log-405")
        self.assertEqual(line.get("status"), 405)
        self.assertEqual(line.get("code"), "method_not_allowed")
        self.assertRegex(line.get("ts", ""), TS_RE)
        request(self.rp.port, "GET", "/slow?ms=4000", headers={"X-Request-ID": "log-504"})
        line = self.wait_request("log-504")
        self.assertEqual(line.get("status"), 504)
        self.assertEqual(line.get("code"), "upstream_timeout")
        self.assertEqual(line.get("route"), "api")

    def test_health_endpoints_not_logged(self):
        for path in ("/health", "/health/live", "/health/ready"):
            self.assertIn(request(self.rp.port, "GET", path)[0], (200, 503))
        request(self.rp.port, "GET", "/json", headers={"X-Request-ID": "log-marker"})
        self.wait_request("log-marker")
        health = [l for l in self.rp.request_logs()
                  if str(l.get("path", "")).startswith("/health")]
        self.assertEqual(health, [])

    def test_secrets_never_logged(self):
        request(self.rp.port, "POST", "/echo?token=SECRETVALUE123&x=1",
                body=b'{"password": "BODYSECRET456"}',
                headers={"Authorization": "Bearer AUTHSECRET789",
                         "X-API-Key": "rk_abcdefgh_APIKEYSECRET555",
                         "Cookie": "session=COOKIESECRET777",
                         "X-Request-ID": "log-secrets-1"})
        request(self.rp.port, "GET", "/cookie?token=SECRETVALUE123",
                headers={"X-Request-ID": "log-secrets-2"})
        request(self.rp.port, "GET", "/fail?token=SECRETVALUE123",
                headers={"X-Request-ID": "log-secrets-3", "Cookie": "a=COOKIESECRET777"})
        request(self.rp.admin_port, "GET", "/admin/api/keys",
                headers={"Authorization": "Bearer " + ADMIN_KEY})
        request(self.rp.admin_port, "GET", "/admin/api/keys",
                headers={"Authorization": "Bearer AUTHSECRET789"})
        for rid in ("log-secrets-1", "log-secrets-2", "log-secrets-3"):
            line = self.wait_request(rid)
            self.assertNotIn("?", line.get("path", ""))
        self.rp.stop()
        outputs = {"log file": self.rp.log_text(),
                   "stdout": self.rp.output(self.rp.stdout_path, 10 ** 7),
                   "stderr": self.rp.output(self.rp.stderr_path, 10 ** 7)}
        for where, text in outputs.items():
            for secret in SECRETS:
                self.assertNotIn(secret, text, "%s leaked into the %s" % (secret, where))

    def test_every_line_is_json_with_ts_and_level(self):
        request(self.rp.port, "GET", "/json", headers={"X-Request-ID": "log-json"})
        request(self.rp.port, "GET", "/fail")
        for target in (b'/echo/"quoted"', b"/echo/\xc3\xbc\xff\x01", b"/echo/\\x",
                       b'/echo?q="\n'):
            raw_ex(self.rp.port, b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n"
                   b"Connection: close\r\n\r\n", 2)
        raw_ex(self.rp.port, b'G"E\\T /echo HTTP/1.1\r\nHost: x\r\n\r\n', 2)
        self.wait_request("log-json")
        self.rp.stop()
        text = self.rp.log_text()
        self.assertTrue(text.endswith("\n"))
        for raw_line in text.splitlines():
            doc = json.loads(raw_line)  # raises on a non-JSON line
            self.assertIsInstance(doc, dict)
            self.assertRegex(doc.get("ts", ""), TS_RE, raw_line)
            self.assertIn(doc.get("level"), ("debug", "info", "warn", "error"), raw_line)
            self.assertIsInstance(doc.get("event"), str, raw_line)

    def test_lifecycle_events(self):
        start = self.rp.wait_log(lambda l: l.get("event") == "start")
        self.assertIsNotNone(start, "no start event")
        self.assertRegex(start.get("ts", ""), TS_RE)
        self.assertEqual(self.rp.stop(), 0)
        events = [l.get("event") for l in self.rp.log_lines()]
        self.assertIn("shutdown", events)
        self.assertLess(events.index("start"), events.index("shutdown"))


class LogLevelTest(E2ETest):

    def test_level_warn_drops_request_lines(self):
        up = self.start_upstream()
        cfg = base_config(up.port)
        cfg["log"] = {"level": "warn"}
        rp = self.start_rampart(cfg)
        request(rp.port, "GET", "/json", headers={"X-Request-ID": "lvl-ok"})
        request(rp.port, "GET", "/fail", headers={"X-Request-ID": "lvl-fail"})
        err = rp.wait_log(lambda l: l.get("request_id") == "lvl-fail")
        self.assertIsNotNone(err, "a 5xx is at least a warning and must be logged at warn")
        self.assertIn(err.get("level"), ("warn", "error"))
        rp.stop()
        self.assertEqual([l for l in rp.log_lines() if l.get("request_id") == "lvl-ok"], [])


if __name__ == "__main__":
    unittest.main()
