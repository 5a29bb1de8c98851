#!/usr/bin/env python3
"""Replica of 004: an LLM code-generation API before its fixes: no API key or JWT on
generation, no rate limits, no size limits, Prometheus metrics on the public port, no
request ids, only a bare health check."""

import json

from replica import main

METRICS = ("# HELP codegen_requests_total Requests.\n# TYPE codegen_requests_total counter\n"
           "codegen_requests_total 42\n")


def generate(req):
    spec = req.json()
    return 200, json.dumps({"code": "print(%r)" % spec["prompt"]})


main({
    "server": "uvicorn",
    "cors": None,
    "routes": {
        ("GET", "/health"): lambda r: (200, '{"status":"ok"}'),
        ("GET", "/metrics"): lambda r: (200, METRICS, "text/plain; version=0.0.4"),
        ("GET", "/api/v1/languages"): lambda r: (200, '["python"]'),
        ("POST", "/api/v1/languages"): generate,
        ("POST", "/api/v1/generate"): generate,
        ("GET", "/api/v1/history"): lambda r: (200, "[]"),
    },
})
