#!/usr/bin/env python3
"""A configurable test backend for the rampart e2e suite (stdlib only).

Usage: python3 upstream.py PORT

Keep-alive HTTP/1.1; every response carries Content-Length or is chunked. Endpoints:
  /json                      200 small JSON
  /echo                      200 JSON: method, path, query, headers, body_len, body_sha256
                             (request bodies are read incrementally; chunked is decoded here)
  /headers-bad               200 with Server, X-Powered-By, Access-Control-Allow-Origin: *
  /own-security-headers      200 with its own X-Frame-Options: SAMEORIGIN
  /cookie                    200 with Set-Cookie carrying a secret
  /fail                      500 with a Python traceback body (> 2 KiB, mentions /app/main.py)
  /fail502                   502 plain text
  /slow?ms=N                 sleeps N ms, then 200
  /download?bytes=N          N pattern bytes, Content-Length, 64 KiB writes
  /download-chunked?bytes=N  the same, chunked
  /sse?events=N&interval_ms=M  text/event-stream, "data: i\\n\\n" per event; a failed write is
                             recorded in /stats "sse_disconnects" with a timestamp
  /status?code=N             that status (no body for 204/304)
  /close-quietly             200 keep-alive response, then the upstream closes the socket
  /garbage-response          a malformed status line, then close
  /ambiguous-framing?kind=K  a 200 whose framing two parsers could read differently
                             (K: te-and-cl, two-lengths, folded), then close
  /truncated                 Content-Length 100000, 10 bytes, close
  /drip?bytes=N&interval_ms=M  Content-Length N, one byte every M ms
  /close-delimited           a body without Content-Length or chunking, ended by close
  /early-hints               103 Early Hints, then 200
  /cookies2                  two Set-Cookie headers (one with a comma in Expires)
  /stats                     JSON counters (see Stats.snapshot)
  /healthz                   200, or 503 after /healthz/fail; /healthz/ok restores 200
A leading /api is ignored (/api/json is /json), for configs whose routes live under /api/.
"""

import hashlib
import json
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PIECE = 64 * 1024
MAX_READ = 1024 * 1024
# The deterministic download body: this 64 KiB block repeated, cut at N bytes.
PATTERN_BLOCK = hashlib.sha256(b"rampart-e2e").digest() * (PIECE // 32)

FAIL_BODY = (
    "Traceback (most recent call last):\n"
    '  File "/app/main.py", line 42, in handler\n'
    "    result = db.query(sql)\n"
    "psycopg2.OperationalError: UPSTREAM-INTERNAL-SECRET could not connect to server\n"
    + ("  padding line of the upstream's own error text, long enough to exceed 2 KiB\n" * 60)
)


def pattern_bytes(n):
    """Yields the first n bytes of the pattern in pieces of at most 64 KiB."""
    left = n
    while left > 0:
        take = min(left, PIECE)
        yield PATTERN_BLOCK[:take]
        left -= take


def pattern_sha256(n):
    h = hashlib.sha256()
    for piece in pattern_bytes(n):
        h.update(piece)
    return h.hexdigest()


COUNTED_EXCLUDE = ("/stats", "/healthz")


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = 0          # requests other than /stats and /healthz*
        self.healthz = 0
        self.connections = 0       # every TCP connection accepted
        self.proxied_connections = 0  # connections that carried at least one counted request
        self.paths = []            # (method, path) of counted requests, last 200
        self.sse_disconnects = []  # {"ts", "events_sent", "path"}
        self.sse_completed = []
        self.sse_started = []

    def snapshot(self):
        with self.lock:
            return {
                "requests": self.requests,
                "healthz": self.healthz,
                "connections": self.connections,
                "proxied_connections": self.proxied_connections,
                "paths": list(self.paths),
                "sse_started": list(self.sse_started),
                "sse_disconnects": list(self.sse_disconnects),
                "sse_completed": list(self.sse_completed),
            }


STATS = Stats()
HEALTH = {"ok": True}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "gunicorn"  # every response leaks a Server header rampart must drop
    sys_version = ""

    def version_string(self):
        return self.server_version
    timeout = 60  # an idle keep-alive connection is closed after this

    def setup(self):
        super().setup()
        # headers and body are separate writes: without this, Nagle + delayed ACK add 40 ms
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._counted_conn = False
        with STATS.lock:
            STATS.connections += 1

    def log_message(self, fmt, *args):  # quiet
        pass

    # -- helpers -------------------------------------------------------------------------
    def _send(self, status, body, ctype="application/json", extra=None):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or []):
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status, obj, extra=None):
        self._send(status, json.dumps(obj), "application/json", extra)

    def _read_exact(self, n, sink):
        while n > 0:
            data = self.rfile.read(min(n, MAX_READ, PIECE))
            if not data:
                raise ConnectionError("short body")
            sink(data)
            n -= len(data)

    def _read_body(self, sink):
        """Reads the request body into sink(piece); returns its length."""
        te = self.headers.get("Transfer-Encoding", "")
        if "chunked" in te.lower():
            total = 0
            while True:
                line = self.rfile.readline(1024)
                if not line:
                    raise ConnectionError("eof in chunked body")
                size = int(line.split(b";", 1)[0].strip(), 16)
                if size == 0:
                    while True:  # trailers
                        t = self.rfile.readline(8192)
                        if t in (b"\r\n", b"\n", b""):
                            break
                    return total
                self._read_exact(size, sink)
                total += size
                self.rfile.readline(16)  # CRLF after the chunk
        length = int(self.headers.get("Content-Length") or 0)
        self._read_exact(length, sink)
        return length

    def _count(self, path):
        if path.startswith(COUNTED_EXCLUDE):
            if path.startswith("/healthz"):
                with STATS.lock:
                    STATS.healthz += 1
            return
        with STATS.lock:
            STATS.requests += 1
            STATS.paths.append([self.command, path])
            del STATS.paths[:-200]
            if not self._counted_conn:
                self._counted_conn = True
                STATS.proxied_connections += 1

    # -- dispatch ------------------------------------------------------------------------
    def _handle(self):
        url = urlsplit(self.path)
        path, query = url.path, url.query
        if path.startswith("/api/"):  # routes under /api/ reach the same endpoints
            path = path[4:]
        qs = {k: v[-1] for k, v in parse_qs(query).items()}
        self._count(path)

        h = hashlib.sha256()
        body_len = self._read_body(h.update)

        if path == "/json":
            return self._json(200, {"ok": True, "service": "upstream"})
        if path == "/echo" or path.startswith("/echo/"):
            headers = {}
            for k, v in self.headers.items():
                k = k.lower()
                headers[k] = headers[k] + ", " + v if k in headers else v
            return self._json(200, {
                "method": self.command, "path": path, "query": query, "headers": headers,
                "header_list": [[k, v] for k, v in self.headers.items()],
                "body_len": body_len, "body_sha256": h.hexdigest(),
            })
        if path == "/headers-bad":
            return self._json(200, {"bad": True}, extra=[
                ("X-Powered-By", "Express"),
                ("Access-Control-Allow-Origin", "*"),
                ("Access-Control-Allow-Credentials", "true")])
        if path == "/own-security-headers":
            return self._json(200, {"own": True}, extra=[("X-Frame-Options", "SAMEORIGIN")])
        if path == "/cookie":
            return self._json(200, {"cookie": True},
                              extra=[("Set-Cookie", "sid=SETCOOKIESECRET321; HttpOnly")])
        if path == "/fail":
            return self._send(500, FAIL_BODY, "text/plain")
        if path == "/fail502":
            return self._send(502, "Bad Gateway from UPSTREAM-OWN-502-TEXT nginx/1.2", "text/plain")
        if path == "/slow":
            time.sleep(int(qs.get("ms", "1000")) / 1000.0)
            return self._json(200, {"slow": True})
        if path == "/download":
            n = int(qs.get("bytes", "0"))
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(n))
            self.end_headers()
            if self.command != "HEAD":
                for piece in pattern_bytes(n):
                    self.wfile.write(piece)
            return None
        if path == "/download-chunked":
            n = int(qs.get("bytes", "0"))
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for piece in pattern_bytes(n):
                self.wfile.write(b"%x\r\n" % len(piece) + piece + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
            return None
        if path == "/sse":
            return self._sse(path, int(qs.get("events", "3")), int(qs.get("interval_ms", "1000")))
        if path == "/status":  # /status?code=N: that status, no body for 1xx/204/304
            code = int(qs.get("code", "200"))
            self.send_response(code)
            if code not in (204, 304):
                self.send_header("Content-Length", "2")
            self.end_headers()
            if code not in (204, 304) and self.command != "HEAD":
                self.wfile.write(b"ok")
            return None
        if path == "/close-quietly":  # a keep-alive response, then the socket is closed
            self._json(200, {"closing": True})
            self.wfile.flush()
            self.close_connection = True
            return None
        if path == "/garbage-response":
            self.wfile.write(b"HTTP/1.1 LOL NOPE\r\n\x00\x01garbage\r\n\r\n")
            self.close_connection = True
            return None
        if path == "/ambiguous-framing":
            heads = {
                "te-and-cl": b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
                "two-lengths": b"Content-Length: 5\r\nContent-Length: 6\r\n",
                "folded": b"Content-Length: 5\r\nX-Note: one\r\n two\r\n",
            }
            self.wfile.write(b"HTTP/1.1 200 OK\r\n" + heads[qs.get("kind", "te-and-cl")] +
                             b"\r\n5\r\nhello\r\n0\r\n\r\n")
            self.close_connection = True
            return None
        if path == "/truncated":  # promises 100000 bytes, sends 10, closes
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b"0123456789")
            self.wfile.flush()
            self.close_connection = True
            return None
        if path == "/drip":  # /drip?bytes=N&interval_ms=M: Content-Length N, one byte per M ms
            n, interval = int(qs.get("bytes", "40")), int(qs.get("interval_ms", "100"))
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(n))
            self.end_headers()
            for _ in range(n):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(interval / 1000.0)
            return None
        if path == "/close-delimited":  # no Content-Length, no chunking: the body ends at close
            body = b"close-delimited body " * 500
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                             b"Connection: close\r\n\r\n" + body)
            self.wfile.flush()
            self.close_connection = True
            return None
        if path == "/early-hints":  # a 103 interim response, then the real one
            self.wfile.write(b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n")
            self.wfile.flush()
            time.sleep(0.05)
            return self._json(200, {"after_hints": True})
        if path == "/cookies2":
            return self._json(200, {"cookies": 2}, extra=[
                ("Set-Cookie", "a=1; Path=/; Expires=Wed, 21 Oct 2037 07:28:00 GMT"),
                ("Set-Cookie", "b=2; Path=/")])
        if path == "/stats":
            return self._json(200, STATS.snapshot())
        if path == "/healthz":
            if HEALTH["ok"]:
                return self._json(200, {"status": "ok"})
            return self._json(503, {"status": "failing"})
        if path == "/healthz/fail":
            HEALTH["ok"] = False
            return self._json(200, {"healthz": "failing"})
        if path == "/healthz/ok":
            HEALTH["ok"] = True
            return self._json(200, {"healthz": "ok"})
        return self._json(404, {"error": "upstream has no " + path})

    def _sse(self, path, events, interval_ms):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        with STATS.lock:
            STATS.sse_started.append({"ts": time.time(), "path": self.path})
        sent = 0
        try:
            for i in range(events):
                data = b"data: %d\n\n" % i
                self.wfile.write(b"%x\r\n" % len(data) + data + b"\r\n")
                self.wfile.flush()
                sent += 1
                if i + 1 < events:
                    time.sleep(interval_ms / 1000.0)
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except OSError:
            with STATS.lock:
                STATS.sse_disconnects.append(
                    {"ts": time.time(), "events_sent": sent, "path": self.path})
            self.close_connection = True
            return
        with STATS.lock:
            STATS.sse_completed.append({"ts": time.time(), "events_sent": sent, "path": self.path})

    def _safe(self):
        try:
            self._handle()
        except (OSError, ValueError):
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _safe


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def main():
    port = int(sys.argv[1])
    srv = Server(("127.0.0.1", port), Handler)
    srv.serve_forever(poll_interval=0.1)


if __name__ == "__main__":
    main()
