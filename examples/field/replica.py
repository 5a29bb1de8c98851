#!/usr/bin/env python3
"""The plumbing the five field-report replicas share (stdlib only): an HTTP/1.1 server whose
routes and bad habits each replica declares. Usage: python3 <replica>.py PORT

A replica is a dict:
  server      the Server header it sends (frameworks disclose themselves)
  cors        "reflect" | "wildcard" | None
  routes      {(method, path): handler(req) -> (status, body[, content_type])}
  on_error    how an unhandled exception is answered: "traceback" (500 with the trace) or
              "message" (500 with str(e), the 003 habit)
Anything not routed is a 404 in the framework's own words (`not_found` body).
"""

import json
import sys
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Request:
    def __init__(self, handler, body):
        self.method = handler.command
        self.path = handler.path.split("?")[0]
        self.query = handler.path.partition("?")[2]
        self.headers = handler.headers
        self.body = body

    def json(self):
        return json.loads(self.body or b"")  # raises on bad JSON, like an unguarded handler


def serve(app, port):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = app.get("server", "uvicorn")
        sys_version = ""
        wbufsize = 1 << 16  # head and body in one send

        def log_message(self, *args):
            pass

        def reply(self, status, body, ctype="application/json"):
            data = body.encode() if isinstance(body, str) else body
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            origin = self.headers.get("Origin")
            if origin and app.get("cors") == "reflect":
                self.send_header("Access-Control-Allow-Origin", origin)
                self.send_header("Access-Control-Allow-Credentials", "true")
            elif origin and app.get("cors") == "wildcard":
                self.send_header("Access-Control-Allow-Origin", "*")
                self.send_header("Access-Control-Allow-Credentials", "true")
            if app.get("request_id"):
                rid = self.headers.get("X-Request-ID") or str(uuid.uuid4())
                self.send_header("X-Request-ID", rid)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def dispatch(self):
            left = int(self.headers.get("Content-Length") or 0)
            kept = bytearray()
            while left > 0:  # no body limit: read it all (the reports' habit), keep 1 MiB
                chunk = self.rfile.read(min(65536, left))
                if not chunk:
                    break
                left -= len(chunk)
                if len(kept) < (1 << 20):
                    kept += chunk
            body = bytes(kept)
            req = Request(self, body)
            route = app["routes"].get((req.method, req.path))
            if route is None:
                if req.method == "OPTIONS":
                    return self.reply(204, b"")
                return self.reply(404, app.get("not_found", '{"detail":"Not Found"}'))
            try:
                answer = route(req)
            except Exception as e:  # noqa: BLE001 - the unguarded handler the reports fixed
                if app.get("on_error") == "message":
                    return self.reply(500, json.dumps({"error": "%s: %s" % (type(e).__name__, e)}))
                return self.reply(500, traceback.format_exc(), "text/plain")
            self.reply(*answer)

        do_GET = do_POST = do_PUT = do_DELETE = do_OPTIONS = do_PATCH = dispatch

    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


def main(app):
    serve(app, int(sys.argv[1]))
