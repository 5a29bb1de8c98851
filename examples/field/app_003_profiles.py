#!/usr/bin/env python3
"""Replica of 003: an LLM profile generator on FastAPI + SQLite before its fixes: generic
exception handling that returns str(e) (paths and SQLite errors included), any model name
accepted, no body limit, no rate limit, no health endpoint."""

import json
import sqlite3

from replica import main


def generate(req):
    spec = req.json()
    conn = sqlite3.connect("/nonexistent/dir/profiles.db")  # the unguarded store
    conn.execute("INSERT INTO profiles VALUES (?)", (json.dumps(spec),))
    return 200, "{}"


def profiles(req):
    raise FileNotFoundError("/srv/profilegen/app/templates/profile.j2 not found")


main({
    "server": "uvicorn",
    "on_error": "message",
    "routes": {
        ("GET", "/api/profiles"): lambda r: (200, '{"profiles":[]}'),
        ("POST", "/api/profiles"): generate,
        ("GET", "/api/profiles/export"): profiles,
    },
})
