"""A recording upstream on FastAPI, served by uvicorn.

Run: RECORD_FILE=/path/to/file /usr/bin/python3 -m uvicorn fastapi_app:app --port N
(from this folder, or with --app-dir).

Appends one JSON line per request it handled to RECORD_FILE:
  {"peer", "method", "target", "headers": [[name, value], ...], "body_len", "body_sha256",
   "body_head"}   (uvicorn hands the header names lower-cased; body_len null when not read;
   "incomplete": true when the connection closed before the whole body came)
Answers 200 with a small JSON body (method, target, body_len), keep-alive, except a path
ending in /early-405 for any method but GET/HEAD: 405 without reading the body.
"""

import hashlib
import json
import os
import threading

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.requests import ClientDisconnect

RECORD = os.environ.get("RECORD_FILE", "fastapi-record.jsonl")
LOCK = threading.Lock()
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)


def record(entry):
    line = (json.dumps(entry) + "\n").encode()
    with LOCK:
        fd = os.open(RECORD, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)


def target_of(scope):
    raw = scope.get("raw_path") or scope["path"].encode()
    qs = scope.get("query_string") or b""
    return (raw + (b"?" + qs if qs else b"")).decode("latin-1")


def entry(request, body):
    return {
        "peer": "fastapi",
        "method": request.method,
        "target": target_of(request.scope),
        "headers": [[k.decode("latin-1"), v.decode("latin-1")]
                    for k, v in request.scope["headers"]],
        "body_len": None if body is None else len(body),
        "body_sha256": None if body is None else hashlib.sha256(body).hexdigest(),
        "body_head": None if body is None else body[:200].decode("latin-1"),
    }


@app.api_route("/{rest:path}", methods=METHODS)
async def catch_all(request: Request, rest: str):
    target = target_of(request.scope)
    if (target.split("?", 1)[0].endswith("/early-405")
            and request.method not in ("GET", "HEAD")):
        record(entry(request, None))
        return JSONResponse({"error": "method not allowed"}, status_code=405)
    try:
        body = await request.body()
    except ClientDisconnect:  # the head came, the body did not: recorded as incomplete
        record(dict(entry(request, None), incomplete=True))
        raise
    record(entry(request, body))
    return JSONResponse({"method": request.method, "target": target, "body_len": len(body)})
