#!/usr/bin/env python3
"""A recording upstream on Python's http.server (ThreadingHTTPServer, HTTP/1.1, keep-alive).

Usage: python3 python_recorder.py PORT [RECORD_FILE]   (or RECORD_FILE in the environment)

Appends one JSON line per request it parsed to RECORD_FILE:
  {"peer", "method", "target", "headers": [[name, value], ...], "body_len", "body_sha256",
   "body_head"}   (body_head: the first 200 bytes, latin-1; body_len null when not read;
   "incomplete": true when the body could not be read whole)
Answers 200 with a small JSON body (method, target, body_len), keep-alive, except a path
ending in /early-405 for any method but GET/HEAD: 405 at once, without reading the body, and
the connection is closed (the rest of the body is never read).
"""

import hashlib
import json
import os
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
RECORD = None


def record(entry):
    line = (json.dumps(entry) + "\n").encode()
    with LOCK:
        fd = os.open(RECORD, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, fmt, *args):
        pass

    def _read_body(self):
        """The decoded body, or raises ValueError on framing it cannot read."""
        te = self.headers.get_all("Transfer-Encoding") or []
        if te:
            if "chunked" not in ",".join(te).lower():
                raise ValueError("unsupported transfer-encoding")
            out = bytearray()
            while True:
                line = self.rfile.readline(65537)
                if not line.endswith(b"\n"):
                    raise ValueError("bad chunk line")
                size = int(line.split(b";", 1)[0].strip(), 16)
                if size == 0:
                    while True:
                        t = self.rfile.readline(65537)
                        if t in (b"\r\n", b"\n", b""):
                            return bytes(out)
                data = self.rfile.read(size)
                if len(data) != size:
                    raise ValueError("short chunk")
                out += data
                if self.rfile.readline(3) not in (b"\r\n", b"\n"):
                    raise ValueError("no CRLF after chunk")
        cl = self.headers.get_all("Content-Length") or []
        if not cl:
            return b""
        n = int(cl[0].split(",")[0].strip())
        data = self.rfile.read(n)
        if len(data) != n:
            raise ValueError("short body")
        return data

    def _entry(self, body):
        return {
            "peer": "python",
            "method": self.command,
            "target": self.path,
            "headers": [[k, v] for k, v in self.headers.items()],
            "body_len": None if body is None else len(body),
            "body_sha256": None if body is None else hashlib.sha256(body).hexdigest(),
            "body_head": None if body is None else body[:200].decode("latin-1"),
        }

    def _answer(self, status, obj, close=False):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if close:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        self.wfile.flush()

    def _handle(self):
        path = self.path.split("?", 1)[0]
        if path.endswith("/early-405") and self.command not in ("GET", "HEAD"):
            record(self._entry(None))
            self._answer(405, {"error": "method not allowed"}, close=True)
            self.close_connection = True
            return
        try:
            body = self._read_body()
        except (ValueError, OSError):  # the head came, the body did not (or was unreadable)
            record(dict(self._entry(None), incomplete=True))
            self.close_connection = True
            return
        record(self._entry(body))
        self._answer(200, {"method": self.command, "target": self.path,
                           "body_len": len(body)})

    def __getattr__(self, name):
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def main():
    global RECORD
    port = int(sys.argv[1])
    RECORD = sys.argv[2] if len(sys.argv) > 2 else os.environ["RECORD_FILE"]
    Server(("127.0.0.1", port), Handler).serve_forever(poll_interval=0.1)


if __name__ == "__main__":
    main()
