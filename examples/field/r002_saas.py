#!/usr/bin/env python3
"""Field report 002 before its fixes: a FastAPI + Next.js SaaS with Stripe.

Gaps copied from the report: CORS "*" with credentials, a Stripe webhook that trusts any
POST (no signature, no secret), no /health/ready or /health/live, no request ids, no global
error handler, no rate limits on the insight endpoints or the SSE trend stream.

Usage: python3 r002_saas.py PORT
"""
import sys

from replica import Habits, respond, serve


def stripe_webhook(req):
    event = req.json()  # no Stripe-Signature check: anyone can mark an invoice paid
    return respond(200, {"received": event.get("type", "unknown")})


def insight(req):
    insight_id = int(req.path.rstrip("/").split("/")[-1])  # /api/insights/x -> traceback
    return respond(200, {"id": insight_id, "title": "Insight %d" % insight_id})


ROUTES = {
    ("POST", "/webhooks/stripe"): stripe_webhook,
    ("GET", "/api/insights/"): insight,
    ("GET", "/api/insights"): lambda req: respond(200, {"insights": [1, 2, 3]}),
    ("GET", "/health"): lambda req: respond(200, {"status": "ok"}),
}

if __name__ == "__main__":
    serve("002 saas", ROUTES,
          Habits(server="uvicorn", cors="*+credentials", traceback_errors=True),
          int(sys.argv[1]))
