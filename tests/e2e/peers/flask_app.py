"""A recording upstream on Flask, served by gunicorn (sync worker).

Run: RECORD_FILE=/path/to/file /usr/bin/python3 -m gunicorn -b 127.0.0.1:N flask_app:app
(from this folder, or with --chdir).

Appends one JSON line per request gunicorn handed to the app to RECORD_FILE:
  {"peer", "method", "target", "headers": [[name, value], ...], "body_len", "body_sha256",
   "body_head"}   (WSGI gives headers as CGI variables: names are rebuilt from HTTP_X_FOO as
   X-Foo and gunicorn joins repeated fields with ","; body_len null when not read;
   "incomplete": true when the body was shorter than its Content-Length)
Answers 200 with a small JSON body (method, target, body_len); gunicorn's sync worker closes
every connection after its response. The routes /public/early-405 and /other/early-405 are
GET-only Flask routes: Flask's router answers any other method with 405 before anything reads
the body (the recording wrapper does not read it), and gunicorn then closes the socket with
the body unread, which resets the connection when enough of it is still arriving.
"""

import hashlib
import io
import json
import os
import threading

from flask import Flask, jsonify, request
from werkzeug.routing import PathConverter

RECORD = os.environ.get("RECORD_FILE", "flask-record.jsonl")
LOCK = threading.Lock()
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

flask_app = Flask(__name__)


class AnyButGetOnly(PathConverter):
    """A path converter that does not match the GET-only routes, so that a PATCH to them
    finds no other rule and Flask's router answers 405 itself."""
    regex = r"(?!(?:public|other)/early-405$)[^/].*?"


flask_app.url_map.converters["anybutgetonly"] = AnyButGetOnly
flask_app.url_map.merge_slashes = False
flask_app.url_map.strict_slashes = False


def record(entry):
    line = (json.dumps(entry) + "\n").encode()
    with LOCK:
        fd = os.open(RECORD, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)


def target_of(environ):
    raw = environ.get("RAW_URI")
    if raw:
        return raw
    qs = environ.get("QUERY_STRING")
    return environ.get("PATH_INFO", "") + ("?" + qs if qs else "")


def headers_of(environ):
    out = []
    for k, v in environ.items():
        if k.startswith("HTTP_"):
            out.append(["-".join(p.capitalize() for p in k[5:].split("_")), v])
        elif k in ("CONTENT_LENGTH", "CONTENT_TYPE") and v != "":
            out.append(["-".join(p.capitalize() for p in k.split("_")), v])
    return out


def early_405(environ):
    path = target_of(environ).split("?", 1)[0]
    return (path in ("/public/early-405", "/other/early-405")
            and environ.get("REQUEST_METHOD") not in ("GET", "HEAD"))


def app(environ, start_response):
    """The recording wrapper gunicorn runs: reads and records the body (except for the
    early-405 case), then hands the request to Flask."""
    entry = {"peer": "flask", "method": environ.get("REQUEST_METHOD"),
             "target": target_of(environ), "headers": headers_of(environ),
             "body_len": None, "body_sha256": None, "body_head": None}
    if not early_405(environ):
        try:
            body = environ["wsgi.input"].read()
        except Exception:  # the head came, the body did not: recorded as incomplete
            entry["incomplete"] = True
            record(entry)
            raise
        declared = environ.get("CONTENT_LENGTH")
        if declared and declared.isdigit() and int(declared) != len(body):
            entry["incomplete"] = True
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        entry.update(body_len=len(body), body_sha256=hashlib.sha256(body).hexdigest(),
                     body_head=body[:200].decode("latin-1"))
    record(entry)
    return flask_app(environ, start_response)


@flask_app.route("/public/early-405", methods=["GET"])
@flask_app.route("/other/early-405", methods=["GET"])
def get_only():
    return jsonify(get_only=True)


@flask_app.route("/", defaults={"rest": ""}, methods=METHODS)
@flask_app.route("/<anybutgetonly:rest>", methods=METHODS)
def catch_all(rest):
    body = request.get_data()
    return jsonify(method=request.method, target=target_of(request.environ),
                   body_len=len(body))
