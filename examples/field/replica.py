"""What the five field-report replicas share (Python 3 stdlib only): a threading HTTP/1.1
server whose routes are plain functions, and the habits of an app before its hardening, each
switched on by the replica that had it in its report.

A route is `(method, path_prefix) -> handler(req) -> (status, headers, body)`; `req` has
`method`, `path`, `query`, `headers` (lower-case names) and `body` (bytes, read whole: the
replicas, like the apps they copy, put no limit on it).
"""

import json
import sys
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


class Request:
    def __init__(self, method, path, query, headers, body):
        self.method, self.path, self.query, self.headers, self.body = (
            method, path, query, headers, body)

    def json(self):
        """The body as JSON; raises on anything else, as an unguarded json.loads does."""
        return json.loads(self.body.decode("utf-8"))


def respond(status, obj, headers=None):
    return status, dict(headers or {}), (json.dumps(obj) + "\n").encode()


class Habits:
    """The report's "before": which production gaps this app has."""

    def __init__(self, server="", powered_by="", cors="", traceback_errors=False,
                 metrics=False):
        self.server = server                    # Server: header text ("" = Python's default)
        self.powered_by = powered_by            # X-Powered-By, when set
        self.cors = cors                        # "", "*", "*+credentials" or "reflect"
        self.traceback_errors = traceback_errors  # an exception answers 500 + its traceback
        self.metrics = metrics                  # /metrics answered on the public port


def serve(name, routes, habits, port):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # One send per response: a head and a body written apart meet Nagle here and a delayed
        # ACK at the reader, 40 ms per request.
        wbufsize = 1 << 16

        def version_string(self):
            return habits.server or ("BaseHTTP/0.6 Python/" + sys.version.split()[0])

        def log_message(self, *args):
            pass  # the apps logged nothing useful either

        def _cors(self, extra):
            origin = self.headers.get("Origin")
            if habits.cors == "*":
                extra["Access-Control-Allow-Origin"] = "*"
            elif habits.cors == "*+credentials":
                extra["Access-Control-Allow-Origin"] = "*"
                extra["Access-Control-Allow-Credentials"] = "true"
            elif habits.cors == "reflect" and origin:
                extra["Access-Control-Allow-Origin"] = origin
                extra["Access-Control-Allow-Credentials"] = "true"

        def _answer(self):
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length > 0 else b""
            req = Request(self.command, url.path, url.query,
                          {k.lower(): v for k, v in self.headers.items()}, body)
            try:
                status, extra, data = self._route(req)
            except Exception:  # noqa: BLE001 - the habit being copied
                if habits.traceback_errors:
                    status, extra, data = 500, {}, traceback.format_exc().encode()
                    extra["Content-Type"] = "text/plain"
                else:
                    status, extra, data = respond(500, {"error": "internal error"})
            if self.command == "OPTIONS" and habits.cors and status == 404:
                status, data = 204, b""
                extra["Access-Control-Allow-Methods"] = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
                extra["Access-Control-Allow-Headers"] = self.headers.get(
                    "Access-Control-Request-Headers", "*")
            self._cors(extra)
            self.send_response(status)
            extra.setdefault("Content-Type", "application/json")
            if habits.powered_by:
                extra["X-Powered-By"] = habits.powered_by
            for k, v in extra.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def _route(self, req):
            if habits.metrics and req.path == "/metrics":
                return 200, {"Content-Type": "text/plain"}, (
                    "# TYPE app_requests_total counter\napp_requests_total 1\n").encode()
            for (method, prefix), handler in routes.items():
                if req.method == method and (req.path == prefix or (
                        prefix.endswith("/") and req.path.startswith(prefix))):
                    return handler(req)
            return respond(404, {"detail": "Not Found"})

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = _answer

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    print("%s replica on 127.0.0.1:%d" % (name, port), flush=True)
    server.serve_forever()
