#!/usr/bin/env python3
"""Replica of 001: a Flask project-management agent before its fixes: SQL built with
f-strings (the driver's error reaches the client), no rate limit on login, permissive CORS,
stack traces in errors, no request ids, a health check that answers text, backfill routes
open to anyone."""

import sqlite3
from urllib.parse import unquote

from replica import main

DB = sqlite3.connect(":memory:", check_same_thread=False)
DB.execute("CREATE TABLE projects (id INTEGER, name TEXT)")


def projects(req):
    key = unquote(req.query.partition("=")[2]) or "0"
    rows = DB.execute(f"SELECT id, name FROM projects WHERE id = {key}").fetchall()
    return 200, str(rows)


def login(req):
    creds = req.json()
    return 200, '{"token":"t-%s"}' % creds["email"]


main({
    "server": "Werkzeug/2.3.7 Python/3.11.4",
    "cors": "reflect",
    "routes": {
        ("GET", "/health"): lambda r: (200, "OK", "text/plain"),
        ("GET", "/api/projects"): projects,
        ("POST", "/api/projects"): login,
        ("POST", "/api/auth/login"): login,
        ("GET", "/api/backfill/status"): lambda r: (200, '{"running":false}'),
    },
})
