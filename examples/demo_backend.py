#!/usr/bin/env python3
"""A small, deliberately unhardened backend for rampart's quickstart (Python 3 stdlib only).

Usage: python3 examples/demo_backend.py [PORT]     (default 8000, listens on 127.0.0.1)

It behaves like a typical app before launch: it leaks a stack trace on an error and
announces its software in `Server` and `X-Powered-By`. Put rampart in front of it and
compare. Endpoints:

  GET  /api/hello              200 JSON greeting
  GET  /api/users/42           200 JSON user (any numeric id; others 404)
  GET  /api/crash              500 with a Python traceback in the body
  GET  /api/slow?seconds=N     sleeps N seconds (at most 30), then 200 JSON
  GET  /api/events             text/event-stream: 10 events, one per second, each flushed
  GET  /healthz                200 "ok" (rampart's active health check)
  POST /api/echo               200, echoes the JSON body back
"""

import json
import sys
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

MAX_BODY = 1024 * 1024  # the demo refuses larger bodies rather than buffering them
EVENT_COUNT = 10


class DemoHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive; every response has Content-Length or is chunked
    # One send per response: a head and a body written apart meet Nagle here and a delayed
    # ACK at the reader, 40 ms per request.
    wbufsize = 1 << 16

    def version_string(self):
        return "demo/0.1"  # sent as Server: on every response, as many apps do

    # -- helpers ---------------------------------------------------------------------------

    def _send(self, status, body, content_type="application/json", extra=None):
        data = body if isinstance(body, bytes) else body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _json(self, status, obj, extra=None):
        self._send(status, json.dumps(obj) + "\n", extra=extra)

    def _not_found(self):
        self._json(404, {"error": "not found", "path": self.path})

    # -- GET -------------------------------------------------------------------------------

    def do_GET(self):
        url = urlsplit(self.path)
        path = url.path
        if path == "/healthz":
            self._send(200, "ok\n", "text/plain")
        elif path == "/api/hello":
            self._json(200, {"message": "hello from the demo backend",
                             "request_id_seen": self.headers.get("X-Request-ID")})
        elif path.startswith("/api/users/"):
            user_id = path[len("/api/users/"):]
            if user_id.isdigit():
                self._json(200, {"id": int(user_id), "name": "Ada Lovelace",
                                 "email": "ada@example.com"})
            else:
                self._not_found()
        elif path == "/api/crash":
            self._crash()
        elif path == "/api/slow":
            self._slow(parse_qs(url.query))
        elif path == "/api/events":
            self._events()
        else:
            self._not_found()

    do_HEAD = do_GET

    def _crash(self):
        # What an unhardened app sends: its own stack trace, file paths and software versions.
        try:
            {}["database_url"]
        except KeyError:
            body = "Internal Server Error\n\n" + traceback.format_exc()
        self._send(500, body, "text/plain; charset=utf-8",
                   {"X-Powered-By": "Python"})

    def _slow(self, query):
        try:
            seconds = float(query.get("seconds", ["1"])[0])
        except ValueError:
            self._json(400, {"error": "seconds must be a number"})
            return
        seconds = max(0.0, min(seconds, 30.0))
        time.sleep(seconds)
        self._json(200, {"slept_seconds": seconds})

    def _events(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for i in range(1, EVENT_COUNT + 1):
                event = "id: %d\nevent: tick\ndata: {\"n\": %d, \"of\": %d}\n\n" % (
                    i, i, EVENT_COUNT)
                self._chunk(event.encode("utf-8"))
                if i < EVENT_COUNT:
                    time.sleep(1)
            self._chunk(b"")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client (or rampart) went away

    def _chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    # -- POST ------------------------------------------------------------------------------

    def do_POST(self):
        body = self._read_body()
        if body is None:
            return
        if urlsplit(self.path).path != "/api/echo":
            self._not_found()
            return
        try:
            value = json.loads(body or b"null")
        except ValueError:
            self._json(400, {"error": "body is not JSON"})
            return
        self._json(200, {"echo": value})

    def _read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.close_connection = True
            self._json(413, {"error": "body too large"})
            return None
        return self.rfile.read(length)

    def _read_chunked(self):
        parts, total = [], 0
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(parts)
            total += size
            if total > MAX_BODY:
                self.close_connection = True
                self._json(413, {"error": "body too large"})
                return None
            parts.append(self.rfile.read(size))
            self.rfile.readline()

    def log_request(self, code="-", size="-"):
        if self.path == "/healthz":
            return  # rampart polls it every few seconds
        status = getattr(code, "value", code)
        self.log_message("%s %s %s", self.command, urlsplit(self.path).path, status)

    def log_message(self, fmt, *args):
        sys.stderr.write("demo: " + (fmt % args) + "\n")  # one short line, no query strings


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8000
    server = ThreadingHTTPServer(("127.0.0.1", port), DemoHandler)
    server.daemon_threads = True
    sys.stderr.write("demo backend on http://127.0.0.1:%d\n" % port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
