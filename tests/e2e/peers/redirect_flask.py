"""Flask app for tests/e2e/test_redirects.py: Werkzeug's trailing-slash 308, an explicit
absolute redirect and an absolute url_for link, all built from the request's Host.

Run: /usr/bin/python3 -m gunicorn -b 127.0.0.1:N redirect_flask:app
With PROXY_FIX=1 the app trusts rampart's X-Forwarded-* (Werkzeug's ProxyFix), as the docs
recommend behind rampart.
"""

import os

from flask import Flask, jsonify, redirect, url_for

app = Flask(__name__)

if os.environ.get("PROXY_FIX") == "1":
    from werkzeug.middleware.proxy_fix import ProxyFix
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)


@app.route("/api/folder/")
def folder():
    return jsonify(link=url_for("item", item_id="7", _external=True))


@app.route("/api/items/<item_id>")
def item(item_id):
    return jsonify(item=item_id)


@app.route("/api/old")
def old():
    return redirect(url_for("item", item_id="8", _external=True))
