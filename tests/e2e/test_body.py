"""Body limits and JSON well-formedness (SPEC §2 route body, §3 step 9; issue 12 part 1,
without schema) on the real binary: 413 from Content-Length before the body is sent (the
client is told before it uploads), a chunked body cut off at max_bytes, invalid_json with the
byte offset for every class of broken body, and a valid body forwarded byte for byte."""

import hashlib
import json
import socket
import time
import unittest

from harness import SharedRampart, base_config, metric, request


class BodyTest(SharedRampart):

    @classmethod
    def config(cls, up):
        cfg = base_config(up.port)
        cfg["store"] = "sqlite:rampart.db"
        cfg["routes"] = [
            {"name": "generate", "match": {"path_prefix": "/echo/generate"}, "upstream": "app",
             "auth": "none", "body": {"max_bytes": "10KiB", "json": True}},
            {"name": "upload", "match": {"path_prefix": "/echo/upload"}, "upstream": "app",
             "auth": "none", "body": {"max_bytes": "1KiB"}},
            {"name": "open", "match": {"path_prefix": "/"}, "upstream": "app", "auth": "none"},
        ]
        return cfg

    def post(self, path, body, headers=None):
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        return request(self.rp.port, "POST", path, headers=h, body=body)

    def failures(self, reason, route="generate"):
        return metric(self.rp.metrics(), "rampart_validation_failures_total", route=route,
                      reason=reason) or 0

    def test_a_valid_body_is_forwarded_byte_for_byte(self):
        body = b'{ "message" : "caf\xc3\xa9",\n "n": [1, 2.5e3, true, null] }'
        status, _, resp = self.post("/echo/generate", body)
        self.assertEqual(status, 200, resp)
        seen = json.loads(resp)
        self.assertEqual(seen["body_len"], len(body))
        self.assertEqual(seen["body_sha256"], hashlib.sha256(body).hexdigest())

    def test_invalid_json_classes(self):
        cases = {
            "truncated": (b'{"message": "hi"', "incomplete"),
            "deep": (b"[" * 10000 + b"]" * 10000, None),  # over 10 KiB: 413, see below
            "nested 65": (b"[" * 65 + b"]" * 65, "too_deep"),
            "nul": (b'{"message": "a\\u0000b"}', "nul"),
            "invalid utf-8": (b'{"message": "\xff\xfe"}', "utf8"),
            "two values": (b'{"a":1}{"b":2}', "extra_data"),
            "empty": (b"", "empty"),
            "python repr": (b"{'message': 'hi'}", "syntax"),
        }
        for name, (body, reason) in cases.items():
            with self.subTest(case=name):
                if reason is None:
                    continue
                before = self.failures(reason)
                status, h, resp = self.post("/echo/generate", body)
                doc = self.assert_problem(status, h, resp, "invalid_json", expect_status=400)
                self.assertRegex(doc["detail"], r"at byte \d+")
                self.assertEqual(self.failures(reason) - before, 1)
                if body:
                    self.assertNotIn(body[:12].decode("latin-1"), resp.decode("latin-1"))
        status, h, resp = self.post("/echo/generate", b"[" * 10000 + b"]" * 10000)
        self.assert_problem(status, h, resp, "payload_too_large", expect_status=413)
        status, h, resp = self.post("/echo/generate", b"[" * 5000 + b"]" * 5000)
        self.assert_problem(status, h, resp, "invalid_json", expect_status=400)

    def test_the_offset_points_at_the_fault(self):
        status, h, resp = self.post("/echo/generate", b'{"a": 1, "b": }')
        doc = self.assert_problem(status, h, resp, "invalid_json", expect_status=400)
        self.assertIn("at byte 14", doc["detail"])

    def test_declared_too_large_is_refused_before_the_upload(self):
        """An 11 MB Content-Length with Expect: 100-continue: 413 at once, nothing read."""
        sock = socket.create_connection(("127.0.0.1", self.rp.port), timeout=5)
        try:
            sock.sendall(b"POST /echo/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 11000000\r\n"
                         b"Expect: 100-continue\r\nContent-Type: application/octet-stream\r\n\r\n")
            started = time.monotonic()
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                data += chunk
            self.assertLess(time.monotonic() - started, 2)
            self.assertTrue(data.startswith(b"HTTP/1.1 413 "), data[:100])
            self.assertNotIn(b"100 Continue", data)
        finally:
            sock.close()

    def test_a_chunked_body_is_cut_off_at_max_bytes(self):
        sock = socket.create_connection(("127.0.0.1", self.rp.port), timeout=5)
        try:
            sock.sendall(b"POST /echo/upload HTTP/1.1\r\nHost: x\r\n"
                         b"Transfer-Encoding: chunked\r\n\r\n")
            for _ in range(4):
                sock.sendall(b"200\r\n" + b"x" * 0x200 + b"\r\n")  # 512 bytes each: 2 KiB
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                data += chunk
            self.assertTrue(data.startswith(b"HTTP/1.1 413 "), data[:100])
        finally:
            sock.close()
        status, _, _ = request(self.rp.port, "POST", "/echo/upload", body=b"y" * 1024)
        self.assertEqual(status, 200)  # exactly max_bytes passes

    def test_a_get_without_a_body_is_not_checked(self):
        status, _, _ = request(self.rp.port, "GET", "/echo/generate")
        self.assertEqual(status, 200)


if __name__ == "__main__":
    unittest.main()
