#!/usr/bin/env python3
"""Field report 001 before its fixes: a Flask + Celery project-management agent.

Gaps copied from the report (scored 7/10 there): no rate limit on /api/auth/login, CORS that
reflects any origin with credentials, stack traces in error responses, no request ids, a
health check that never looks at its dependencies, the server's version in every answer.

Usage: python3 r001_pm_agent.py PORT
"""
import sys

from replica import Habits, respond, serve


def login(req):
    creds = req.json()
    if creds["username"] == "admin" and creds["password"] == "hunter2":
        return respond(200, {"token": "session-token"})
    return respond(401, {"error": "invalid credentials"})


def backfill(req):
    days = int(req.json()["days"])  # "abc" -> ValueError -> traceback to the client
    return respond(202, {"queued": days})


ROUTES = {
    ("POST", "/api/auth/login"): login,
    ("POST", "/api/backfill/"): backfill,
    ("GET", "/api/projects/"): lambda req: respond(200, {"projects": ["apollo", "gemini"]}),
    ("GET", "/api/health"): lambda req: respond(200, {"status": "healthy"}),
}

if __name__ == "__main__":
    serve("001 pm-agent", ROUTES,
          Habits(server="Werkzeug/2.3.7 Python/3.11.4", cors="reflect", traceback_errors=True),
          int(sys.argv[1]))
