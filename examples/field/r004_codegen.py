#!/usr/bin/env python3
"""Field report 004 before its fixes: an LLM code-generation API.

Gaps copied from the report: no authentication (neither API keys nor JWT), no tiered rate
limits, no size or schema limits on prompts, one shallow health endpoint, Prometheus metrics
served on the public port, no request ids, errors with tracebacks.

Usage: python3 r004_codegen.py PORT
"""
import sys

from replica import Habits, respond, serve


def generate(req):
    spec = req.json()
    language = spec["language"]  # missing -> KeyError -> traceback to the client
    return respond(200, {"code": "print('hello')", "language": language})


ROUTES = {
    ("POST", "/api/v1/generate"): generate,
    ("GET", "/api/v1/usage"): lambda req: respond(200, {"tokens": 123456, "cost_usd": 4.2}),
    ("GET", "/health"): lambda req: respond(200, {"status": "ok"}),
}

if __name__ == "__main__":
    serve("004 codegen", ROUTES,
          Habits(server="gunicorn/21.2.0", cors="", traceback_errors=True, metrics=True),
          int(sys.argv[1]))
