"""Body limits and JSON well-formedness (SPEC §2 route body, §3 step 9; issue 12 part 1,
without schema) on the real binary: 413 from Content-Length before the body is sent (the
client is told before it uploads), a chunked body cut off at max_bytes, invalid_json with the
byte offset for every class of broken body, and a valid body forwarded byte for byte."""

import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

from harness import ADMIN_KEY, RAMPART_BIN, E2ETest, SharedRampart, base_config, metric, request
from httpkit import wait_until


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


ORDER_SCHEMA = {
    "type": "object",
    "required": ["customer", "items"],
    "additionalProperties": False,
    "properties": {
        "customer": {"type": "object", "required": ["email"],
                     "properties": {"email": {"type": "string", "maxLength": 40}}},
        "items": {"type": "array", "items": {
            "type": "object", "required": ["sku"],
            "properties": {"sku": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]+$"},
                           "qty": {"type": "integer", "minimum": 1}}}},
        "message": {"type": "string", "minLength": 1, "maxLength": 5000},
        "tags": {"type": "array", "items": {"type": "string"}},
    },
}


class SchemaTest(SharedRampart):
    """body.schema (issue 12 part 2): 422 schema_violation with errors[{pointer, message}]."""

    @classmethod
    def config(cls, up):
        cls.schema_dir = tempfile.mkdtemp(prefix="rampart-schema-")
        path = os.path.join(cls.schema_dir, "order.json")
        with open(path, "w") as f:
            json.dump(ORDER_SCHEMA, f)
        cfg = base_config(up.port)
        cfg["routes"] = [
            {"name": "orders", "match": {"path_prefix": "/echo/orders"}, "upstream": "app",
             "auth": "none", "body": {"max_bytes": "64KiB", "schema": path}},
            {"name": "open", "match": {"path_prefix": "/"}, "upstream": "app", "auth": "none"},
        ]
        return cfg

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.schema_dir, ignore_errors=True)

    def post(self, body):
        if not isinstance(body, bytes):
            body = json.dumps(body).encode()
        return request(self.rp.port, "POST", "/echo/orders",
                       headers={"Content-Type": "application/json"}, body=body)

    def violations(self, body):
        status, h, resp = self.post(body)
        doc = self.assert_problem(status, h, resp, "schema_violation", expect_status=422)
        return doc, {(e["pointer"], e["message"]) for e in doc["errors"]}, resp

    def valid(self, **extra):
        doc = {"customer": {"email": "a@example.com"}, "items": [{"sku": "ABC-1", "qty": 2}]}
        doc.update(extra)
        return doc

    def test_a_valid_body_is_forwarded_byte_for_byte(self):
        body = b'{ "items" : [ {"sku":"ABC-12"} ],\n"customer":{"email":"caf\xc3\xa9@x.y"} }'
        status, _, resp = self.post(body)
        self.assertEqual(status, 200, resp)
        seen = json.loads(resp)
        self.assertEqual(seen["body_len"], len(body))
        self.assertEqual(seen["body_sha256"], hashlib.sha256(body).hexdigest())

    def test_violations_name_their_pointer(self):
        before = metric(self.rp.metrics(), "rampart_validation_failures_total", route="orders",
                        reason="schema_violation") or 0
        body = {"customer": {}, "items": [{"sku": "ABC-1"}, {"sku": "bad", "qty": 0}, {}],
                "extra": True}
        doc, errors, _ = self.violations(body)
        pointers = {p for p, _ in errors}
        self.assertIn("/customer", pointers)         # missing required, nested object
        self.assertIn("/items/1/sku", pointers)      # array index, pattern
        self.assertIn("/items/1/qty", pointers)      # minimum
        self.assertIn("/items/2", pointers)          # missing required sku
        self.assertIn("/extra", pointers)            # additionalProperties: false
        self.assertIn(("/customer", 'is missing the required property "email"'), errors)
        got = wait_until(lambda: (metric(self.rp.metrics(), "rampart_validation_failures_total",
                                         route="orders", reason="schema_violation") or 0)
                         == before + 1, 3.0)
        self.assertTrue(got)
        line = self.rp.wait_log(lambda l: l.get("status") == 422 and
                                l.get("request_id") == doc["request_id"])
        self.assertTrue(line)
        self.assertEqual(line.get("reason"), "schema_violation", line)

    def test_missing_required_at_the_root(self):
        _, errors, _ = self.violations({"items": []})
        self.assertIn(("", 'is missing the required property "customer"'), errors)

    def test_at_most_20_errors(self):
        doc, _, _ = self.violations(self.valid(tags=list(range(500))))
        self.assertEqual(len(doc["errors"]), 20)
        self.assertEqual(doc["errors"][0]["pointer"], "/tags/0")

    def test_the_value_is_never_echoed(self):
        secret = "sk_live_51HxQzLkR0nT7s3cr3tV4lu3"
        for body in (self.valid(message=secret * 200),          # maxLength
                     self.valid(tags=[secret, 1]),              # type in an array
                     self.valid(customer={"email": {"k": secret}}),
                     self.valid(items=[{"sku": secret}]),       # pattern
                     self.valid(extra=secret)):                 # additionalProperties
            with self.subTest(body=list(body)):
                _, _, resp = self.violations(body)
                self.assertNotIn(b"sk_live", resp)

    def test_field_report_000_message_lengths(self):
        status, _, resp = self.post(self.valid(message="m" * 5000))
        self.assertEqual(status, 200, resp)
        _, errors, _ = self.violations(self.valid(message="m" * 5001))
        self.assertIn(("/message", "must be at most 5000 characters long"), errors)
        _, errors, _ = self.violations(self.valid(message=""))
        self.assertIn(("/message", "must be at least 1 characters long"), errors)

    def test_invalid_json_comes_before_the_schema(self):
        status, h, resp = self.post(b'{"customer": {}, "items": [}')
        doc = self.assert_problem(status, h, resp, "invalid_json", expect_status=400)
        self.assertIn("at byte 27", doc["detail"])
        status, h, resp = self.post(b'{"customer": {"email": "a\\u0000b"}, "items": []}')
        self.assert_problem(status, h, resp, "invalid_json", expect_status=400)

    def test_hostile_bodies_are_answered_quickly(self):
        cases = [self.valid(items=[{"sku": "A" * 60000 + "!"}]),
                 self.valid(tags=["x"] * 9000)]
        for body in cases:
            started = time.monotonic()
            status, _, _ = self.post(body)
            self.assertIn(status, (200, 422))
            self.assertLess(time.monotonic() - started, 2.0)


class SchemaFileTest(E2ETest):
    """The schema file at load: `rampart check` names file, line and key; a reload with a
    changed schema takes effect; a reload with a broken one keeps the old."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="rampart-schema-file-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.env = dict(os.environ, RAMPART_ADMIN_KEY=ADMIN_KEY)

    def write(self, name, text):
        with open(os.path.join(self.dir, name), "w") as f:
            f.write(text)

    def config(self, port, schema="schema.json"):
        cfg = base_config(port)
        cfg["routes"] = [{"name": "api", "match": {"path_prefix": "/echo"}, "upstream": "app",
                          "auth": "none", "body": {"schema": schema}}]
        return cfg

    def test_check_reports_a_bad_schema_file(self):
        cases = {"schema.json": ('{"type": "object",}', "is not JSON"),
                 "schema2.json": ('{"type": 7}', "not a valid JSON Schema"),
                 "schema3.json": ('{"$ref": "http://example.com/s.json"}',
                                  "is not inside the schema file"),
                 "schema4.json": ('{"pattern": "(?<=a)b"}', "/pattern"),
                 # valijson's parser recursed on this until the process crashed
                 "schema5.json": ('{"allOf": [{"$ref": "#"}]}', "$ref cycle"),
                 # with a nested $id it loaded, and the first POST crashed the worker
                 "schema6.json": ('{"allOf": [{"$ref": "#"}], "properties": '
                                  '{"a": {"$id": "http://x.test/a.json"}}}', "$ref cycle"),
                 "missing.json": (None, "cannot read")}
        for name, (text, message) in cases.items():
            with self.subTest(name=name):
                if text is not None:
                    self.write(name, text)
                rp = Rampart_for_check(self.dir, self.config(8000, name))
                p = subprocess.run([RAMPART_BIN, "check", "-c", rp], cwd="/", env=self.env,
                                   capture_output=True, text=True, timeout=20)
                self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
                self.assertRegex(p.stderr, r"rampart\.yaml:\d+:\d+: routes\[0\]\.body\.schema: ")
                self.assertIn(message, p.stderr)
        self.write("good.json", '{"type": "object"}')
        p = subprocess.run([RAMPART_BIN, "check", "-c",
                            Rampart_for_check(self.dir, self.config(8000, "good.json"))],
                           cwd="/", env=self.env, capture_output=True, text=True, timeout=20)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.strip(), "ok")

    def test_reload_applies_a_changed_schema_and_keeps_the_old_on_a_broken_one(self):
        up = self.start_upstream()
        self.write("schema.json", json.dumps({"type": "object", "required": ["a"]}))
        rp = self.start_rampart(self.config(up.port, os.path.join(self.dir, "schema.json")))
        post = lambda body: request(rp.port, "POST", "/echo", body=body,
                                    headers={"Content-Type": "application/json"})[0]
        self.assertEqual(post(b'{"a": 1}'), 200)
        self.assertEqual(post(b'{"b": 1}'), 422)

        def reloads(result):
            return metric(rp.metrics(), "rampart_config_reloads_total", result=result) or 0

        self.write("schema.json", json.dumps({"type": "object", "required": ["b"]}))
        rp.signal(signal.SIGHUP)
        self.assertTrue(wait_until(lambda: reloads("success") == 1, 5.0))
        self.assertTrue(wait_until(lambda: post(b'{"b": 1}') == 200, 3.0))
        self.assertEqual(post(b'{"a": 1}'), 422)

        self.write("schema.json", '{"required": ["a"],')
        rp.signal(signal.SIGHUP)
        self.assertTrue(wait_until(lambda: reloads("failure") == 1, 5.0))
        self.assertEqual(post(b'{"b": 1}'), 200)   # the old schema still holds
        self.assertEqual(post(b'{"a": 1}'), 422)


def Rampart_for_check(directory, cfg):
    """Writes cfg as rampart.yaml in `directory` (the schema path is relative to it)."""
    from harness import Rampart
    r = Rampart(cfg, start=False, workdir=directory)
    return r.config_path


if __name__ == "__main__":
    unittest.main()
