"""FastAPI app for tests/e2e/test_redirects.py: a trailing-slash redirect, an explicit
absolute redirect and an absolute link, all built from the request's Host the way FastAPI
does it.

Run: /usr/bin/python3 -m uvicorn redirect_fastapi:app --port N [--proxy-headers
     --forwarded-allow-ips 127.0.0.1]
"""

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse

app = FastAPI()


@app.get("/api/folder/")
def folder(request: Request):
    return {"link": str(request.url_for("item", item_id="7"))}


@app.get("/api/items/{item_id}")
def item(item_id: str):
    return {"item": item_id}


@app.get("/api/old")
def old(request: Request):
    return RedirectResponse(str(request.url_for("item", item_id="8")))
