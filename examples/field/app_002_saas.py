#!/usr/bin/env python3
"""Replica of 002: a FastAPI + Stripe SaaS before its fixes: CORS for every origin with
credentials, a Stripe webhook that works without a secret, framework errors to the client,
no /health/ready or /health/live, no request ids, no rate limits."""

import json

from replica import main


def webhook(req):
    event = req.json()  # no Stripe-Signature check: STRIPE_WEBHOOK_SECRET was optional
    return 200, json.dumps({"received": event.get("type")})


def insights(req):
    body = req.json()
    return 200, json.dumps({"insight": body["query"].upper()})


def saved(req):
    if "Authorization" not in req.headers:
        return 401, '{"detail":"Not authenticated"}'
    return 200, "[]"


main({
    "server": "uvicorn",
    "cors": "wildcard",
    "routes": {
        ("GET", "/health"): lambda r: (200, '{"status":"healthy"}'),
        ("GET", "/api/insights"): lambda r: (200, '{"insights":[]}'),
        ("POST", "/api/insights"): insights,
        ("GET", "/api/insights/saved"): saved,
        ("POST", "/webhooks/stripe"): webhook,
    },
})
