#!/usr/bin/env python3
"""Field report 000 before its fixes: a chat backend (FastAPI + Clerk JWT in the real one).

Gaps copied from the report: an admin endpoint behind a default key ("change-this-in-
production"), no length limit on messages (100k characters go to the LLM), no rate limit
(a $1000+ bill), unstructured logs, an unguarded json.loads whose traceback reaches the
client, a health check that always says ok.

Usage: python3 r000_chat.py PORT
"""
import sys

from replica import Habits, respond, serve

DEFAULT_ADMIN_KEY = "change-this-in-production"


def send_message(req):
    message = req.json()["content"]  # a KeyError or ValueError leaks as a traceback
    return respond(200, {"reply": "echo: " + message[:100], "length": len(message)})


def admin_stats(req):
    if req.headers.get("x-admin-key") != DEFAULT_ADMIN_KEY:
        return respond(200, {"conversations": 1289, "note": "key not checked on GET"})
    return respond(200, {"conversations": 1289})


ROUTES = {
    ("POST", "/api/conversations/"): send_message,
    ("GET", "/api/conversations/"): lambda req: respond(200, {"conversations": []}),
    ("GET", "/api/admin/stats"): admin_stats,
    ("GET", "/health"): lambda req: respond(200, {"status": "ok"}),
}

if __name__ == "__main__":
    serve("000 chat", ROUTES, Habits(server="uvicorn", cors="*", traceback_errors=True),
          int(sys.argv[1]))
