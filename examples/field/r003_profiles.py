#!/usr/bin/env python3
"""Field report 003 before its fixes: an LLM profile generator on FastAPI + SQLite.

Gaps copied from the report: generic exception handling that shows the exception (an
"sqlite3.OperationalError: database is locked" with the database's path), any model name
accepted, unbounded request bodies, no rate limit on generation, no health endpoint.

Usage: python3 r003_profiles.py PORT
"""
import sys

from replica import Habits, respond, serve

DB_PATH = "/srv/profiles/app/data/profiles.sqlite3"


def generate(req):
    try:
        spec = req.json()
        model = spec.get("model", "gpt-4o")
        return respond(200, {"profile": "A generated profile.", "model": model})
    except Exception as e:  # noqa: BLE001 - the report's "generic exception handling"
        return respond(500, {"error": "%s: %s (database %s)" % (type(e).__name__, e, DB_PATH)})


ROUTES = {
    ("POST", "/api/profiles/generate"): generate,
    ("GET", "/api/profiles/"): lambda req: respond(200, {"profiles": []}),
}

if __name__ == "__main__":
    serve("003 profiles", ROUTES,
          Habits(server="uvicorn", powered_by="FastAPI 0.104.1", cors="*",
                 traceback_errors=True),
          int(sys.argv[1]))
