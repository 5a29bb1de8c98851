#!/usr/bin/env python3
"""Replica of 000: a FastAPI chat backend with Clerk JWT auth, before its fixes: no input
length limits (a 20 MB message is read), no rate limit, an unguarded JSON handler whose
traceback reaches the client, a bare /health, CORS for any origin."""

import json

from replica import main


PYDANTIC_422 = json.dumps({"detail": [{
    "type": "string_type", "loc": ["body", "content"], "msg": "Input should be a valid string",
    "input": None, "url": "https://errors.pydantic.dev/2.5/v/string_type"}]})


def create_message(req):
    body = req.json()  # bad JSON -> traceback to the client
    if not isinstance(body, dict) or not isinstance(body.get("content"), str):
        return 422, PYDANTIC_422  # FastAPI's own validation answer, framework and all
    return 200, json.dumps({"id": 1, "content": body["content"][:40]})


def conversations(req):
    if not req.headers.get("Authorization", "").startswith("Bearer "):
        return 401, '{"detail":"Not authenticated"}'
    return 200, '[{"id": 1}]'


main({
    "server": "uvicorn",
    "cors": "reflect",
    "routes": {
        ("GET", "/health"): lambda r: (200, '{"status":"ok"}'),
        ("GET", "/api/models"): lambda r: (200, '{"models":["gpt-4o-mini"]}'),
        ("POST", "/api/models"): create_message,
        ("GET", "/api/conversations"): conversations,
    },
})
