#!/usr/bin/env python3
"""Small configurable backends for the audit e2e tests (stdlib only), each with or without
one of the problems `rampart audit` looks for.

Usage: python3 audit_backends.py PORT [--flag ...]

  --profile good|leaky      good: every check passes when audited directly; leaky: every
                            problem at once. Flags below adjust a profile.
  --cors reflect|wildcard-credentials|none
  --security-headers / --no-security-headers
  --leak / --no-leak        malformed input -> 500 with a traceback, path, SQL, host
  --rate-limit N            429 after N requests per path (0: never)
  --no-retry-after          the 429s carry no Retry-After
  --announce-limit          every answer states RateLimit-Limit: 1000 (a limit the burst does
                            not reach)
  --body-limit BYTES        413 on a larger Content-Length before reading (0: read anything)
  --private-open            /api/private answers 200 without credentials (else 401)
  --webhook-open            /webhooks/stripe accepts unsigned events (else 400)
  --health json|text|none|slow
  --ready-down              /health/ready answers 503 not_ready (a dependency is down)
  --metrics                 /metrics serves Prometheus text
  --request-id / --no-request-id   X-Request-ID is echoed or made
  --slow-seconds S          /slow sleeps S seconds (default 30)
  --mode silent|reset       silent: accept and never answer; reset: accept and RST at once
  --tls CERT KEY            serve https (TLS 1.2+ unless --tls-legacy: TLS 1.0 and up)
  --hsts                    Strict-Transport-Security on every response
"""

import argparse
import json
import socket
import struct
import sys
import threading
import time
import uuid
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LEAK_BODY = (
    "Traceback (most recent call last):\n"
    '  File "/srv/app/handlers/items.py", line 88, in create_item\n'
    "    cur.execute(\"SELECT id, name FROM items WHERE name = '%s'\" % name)\n"
    "sqlite3.OperationalError: unrecognized token\n"
    "Werkzeug debugger; db at db-primary.internal:5432\n"
)
METRICS = "# HELP app_requests_total Requests.\n# TYPE app_requests_total counter\n" \
          "app_requests_total 7\n"


def parse_args(argv):
    p = argparse.ArgumentParser()
    p.add_argument("port", type=int)
    p.add_argument("--profile", choices=["good", "leaky"], default="good")
    p.add_argument("--cors")
    p.add_argument("--security-headers", dest="security_headers", action="store_true",
                   default=None)
    p.add_argument("--no-security-headers", dest="security_headers", action="store_false")
    p.add_argument("--leak", dest="leak", action="store_true", default=None)
    p.add_argument("--no-leak", dest="leak", action="store_false")
    p.add_argument("--rate-limit", type=int)
    p.add_argument("--no-retry-after", action="store_true")
    p.add_argument("--announce-limit", action="store_true")
    p.add_argument("--body-limit", type=int)
    p.add_argument("--private-open", action="store_true", default=None)
    p.add_argument("--webhook-open", action="store_true", default=None)
    p.add_argument("--health")
    p.add_argument("--ready-down", action="store_true")
    p.add_argument("--metrics", action="store_true", default=None)
    p.add_argument("--request-id", dest="request_id", action="store_true", default=None)
    p.add_argument("--no-request-id", dest="request_id", action="store_false")
    p.add_argument("--slow-seconds", type=float, default=30.0)
    p.add_argument("--mode")
    p.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    p.add_argument("--tls-legacy", action="store_true")
    p.add_argument("--hsts", action="store_true")
    a = p.parse_args(argv)
    good = a.profile == "good"
    defaults = {
        "cors": "none" if good else "reflect", "security_headers": good, "leak": not good,
        "rate_limit": 50 if good else 0, "body_limit": 1 << 20 if good else 0,
        "private_open": not good, "webhook_open": not good, "health": "json" if good else "none",
        "metrics": not good, "request_id": good,
    }
    for key, value in defaults.items():
        if getattr(a, key) is None:
            setattr(a, key, value)
    return a


def make_handler(cfg):
    counts = {}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # One send per response: head and body written apart meet Nagle on this side and a
        # delayed ACK on the reader's, +40 ms per request behind a proxy.
        wbufsize = 1 << 16
        server_version = "BaseHTTP/0.6" if cfg.profile == "leaky" else "app"
        sys_version = "Python/3.11.2" if cfg.profile == "leaky" else ""

        def log_message(self, *args):
            pass

        def send(self, status, body=b"", ctype="application/json", extra=None):
            if isinstance(body, str):
                body = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            if cfg.profile == "leaky":
                self.send_header("X-Powered-By", "Express 4.17.1")
                self.send_header("Set-Cookie", "session=s3cr3t-cookie-value; HttpOnly")
            if cfg.hsts:
                self.send_header("Strict-Transport-Security", "max-age=31536000")
            if cfg.security_headers:
                self.send_header("X-Content-Type-Options", "nosniff")
                self.send_header("X-Frame-Options", "DENY")
                self.send_header("Referrer-Policy", "no-referrer")
            origin = self.headers.get("Origin")
            if origin and cfg.cors == "reflect":
                self.send_header("Access-Control-Allow-Origin", origin)
                self.send_header("Access-Control-Allow-Credentials", "true")
            elif origin and cfg.cors == "wildcard-credentials":
                self.send_header("Access-Control-Allow-Origin", "*")
                self.send_header("Access-Control-Allow-Credentials", "true")
            if cfg.announce_limit:
                self.send_header("RateLimit-Limit", "1000")
            if cfg.request_id:
                rid = self.headers.get("X-Request-ID") or str(uuid.uuid4())
                self.send_header("X-Request-ID", rid)
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def read_body(self):
            length = int(self.headers.get("Content-Length") or 0)
            if cfg.body_limit and length > cfg.body_limit:
                self.close_connection = True
                self.send(413, '{"error":"too large"}')
                return None
            left = length
            data = bytearray()
            while left > 0:
                chunk = self.rfile.read(min(left, 65536))
                if not chunk:
                    break
                left -= len(chunk)
                if len(data) < 65536:
                    data += chunk[:65536]
            return bytes(data)

        def limited(self):
            if not cfg.rate_limit:
                return False
            path = self.path.split("?")[0]
            with lock:
                counts[path] = counts.get(path, 0) + 1
                n = counts[path]
            if n <= cfg.rate_limit:
                return False
            extra = {} if cfg.no_retry_after else {"Retry-After": "60"}
            self.send(429, '{"error":"slow down"}', extra=extra)
            return True

        def health(self, path):
            if cfg.health == "none":
                return self.send(404, '{"error":"not found"}')
            if cfg.health == "slow":
                time.sleep(1.2)
            if path == "/health/ready" and cfg.ready_down:
                return self.send(503, '{"status":"not_ready","checks":{"db":"unhealthy"}}')
            if cfg.health == "text":
                return self.send(200, "OK", "text/plain")
            status = "ready" if path == "/health/ready" else "ok"
            return self.send(200, json.dumps({"status": status}))

        def do_GET(self):
            path = self.path.split("?")[0]
            if path in ("/health", "/health/live", "/health/ready"):
                return self.health(path)
            if path == "/healthz":
                return self.send(200, '{"status":"ok"}')
            if path == "/metrics":
                if cfg.metrics:
                    return self.send(200, METRICS, "text/plain; version=0.0.4")
                return self.send(404, '{"error":"not found"}')
            if path == "/slow":
                time.sleep(cfg.slow_seconds)
                return self.send(200, '{"slow":true}')
            if self.limited():
                return
            if path.startswith("/api/private"):
                if cfg.private_open or self.headers.get("Authorization"):
                    return self.send(200, '{"secret":"data"}')
                return self.send(401, '{"error":"unauthorized"}',
                                 extra={"WWW-Authenticate": "Bearer"})
            if path in ("/", "/api/items"):
                if cfg.leak and "%27" in self.path:
                    return self.send(500, LEAK_BODY, "text/plain")
                return self.send(200, '{"items":[]}')
            if cfg.leak:
                return self.send(404, LEAK_BODY, "text/plain")
            return self.send(404, '{"error":"not found"}')

        def do_OPTIONS(self):
            self.send(204)

        def do_POST(self):
            path = self.path.split("?")[0]
            body = self.read_body()
            if body is None:
                return
            if path == "/webhooks/stripe":
                if cfg.webhook_open or self.headers.get("Stripe-Signature"):
                    return self.send(200, '{"received":true}')
                return self.send(400, '{"error":"missing signature"}')
            if self.limited():
                return
            try:
                value = json.loads(body)
                if not isinstance(value, dict) or not isinstance(value.get("name"), str):
                    raise ValueError("bad types")
            except ValueError:
                if cfg.leak:
                    return self.send(500, LEAK_BODY, "text/plain")
                return self.send(422, '{"error":"invalid input"}')
            return self.send(201, '{"created":true}')

    return Handler


def serve_raw(port, mode):
    """silent: accept and hold every connection; reset: accept and RST at once."""
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(128)
    held = []
    while True:
        conn, _ = srv.accept()
        if mode == "reset":
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()
        else:
            held.append(conn)


def main():
    cfg = parse_args(sys.argv[1:])
    if cfg.mode:
        serve_raw(cfg.port, cfg.mode)
        return
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer.request_queue_size = 256
    server = ThreadingHTTPServer(("127.0.0.1", cfg.port), make_handler(cfg))
    if cfg.tls:
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(*cfg.tls)
        if cfg.tls_legacy:
            ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
            with warnings.catch_warnings():  # deprecated: exactly what the test needs
                warnings.simplefilter("ignore", DeprecationWarning)
                ctx.minimum_version = ssl.TLSVersion.TLSv1
        else:
            ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
