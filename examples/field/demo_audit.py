#!/usr/bin/env python3
"""`make demo-audit`: audits each field-report replica alone, then behind rampart, and prints
the two scores side by side. Usage: python3 demo_audit.py path/to/rampart [--json]

Everything runs on loopback, on free ports, and is stopped at the end.
"""

import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))

# replica, audited path, health path, --private path, --webhook path, what the report fixed
APPS = [
    ("app_000_chat.py", "/api/models", "/health", "/api/conversations", None,
     "000 chat (FastAPI, Clerk)"),
    ("app_001_pm_agent.py", "/api/projects", "/health", "/api/backfill/status", None,
     "001 PM agent (Flask)"),
    ("app_002_saas.py", "/api/insights", "/health", "/api/insights/saved", "/webhooks/stripe",
     "002 SaaS (FastAPI, Stripe)"),
    ("app_003_profiles.py", "/api/profiles", "/api/profiles", None, None,
     "003 profile generator (LLM)"),
    ("app_004_codegen.py", "/api/v1/languages", "/health", "/api/v1/history", None,
     "004 code generation (LLM)"),
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def route(name, match, extra):
    return "  - name: %s\n    match: %s\n    upstream: app\n%s" % (name, match, extra)


def rampart_config(workdir, up_port, app):
    _, path, health, private, webhook, _ = app
    port, admin_port = free_port(), free_port()
    text = open(os.path.join(HERE, "rampart.yaml.in")).read()
    webhook_route = route("webhook", "{path: %s, methods: [POST]}" % webhook,
                          "    auth: none\n    webhook: {scheme: stripe, secret: "
                          "\"${STRIPE_WEBHOOK_SECRET}\"}\n") if webhook else ""
    private_route = route("private", "{path_prefix: %s}" % private,
                          "    auth: required\n    rate_limit: public\n") if private else ""
    api_prefix = "/" + path.strip("/").split("/")[0] + "/"
    for key, value in (("{port}", port), ("{admin_port}", admin_port),
                       ("{upstream_port}", up_port), ("{health_path}", health),
                       ("{log_file}", os.path.join(workdir, "rampart.log")),
                       ("{webhook_route}", webhook_route), ("{private_route}", private_route),
                       ("{api_prefix}", api_prefix)):
        text = text.replace(key, str(value))
    config = os.path.join(workdir, "rampart.yaml")
    with open(config, "w") as f:
        f.write(text)
    return config, port


def audit(rampart, url, app):
    _, _, health, private, webhook, _ = app
    args = [rampart, "audit", url, "--format", "json"]
    if private:
        args += ["--private", private]
    if webhook:
        args += ["--webhook", webhook]
    out = subprocess.run(args, capture_output=True, text=True, timeout=60).stdout
    report = json.loads(out)
    fails = [c["id"] for c in report["checks"] if c["outcome"] == "fail"]
    return report["scores"]["overall"], fails, report["requests"], report["elapsed_ms"]


def main():
    as_json = "--json" in sys.argv
    args = [a for a in sys.argv[1:] if a != "--json"]
    rampart = os.path.abspath(args[0] if args else "build/rampart")
    env = dict(os.environ, RAMPART_ADMIN_KEY=secrets.token_urlsafe(32),
               STRIPE_WEBHOOK_SECRET="whsec_" + secrets.token_hex(16))
    rows = []
    for app in APPS:
        workdir = tempfile.mkdtemp(prefix="rampart-field-")
        up_port = free_port()
        procs = [subprocess.Popen([sys.executable, os.path.join(HERE, app[0]), str(up_port)],
                                  cwd=HERE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
        try:
            if not wait_port(up_port):
                raise RuntimeError("%s did not start" % app[0])
            alone = audit(rampart, "http://127.0.0.1:%d%s" % (up_port, app[1]), app)
            config, port = rampart_config(workdir, up_port, app)
            procs.append(subprocess.Popen([rampart, "serve", "-c", config], cwd=workdir, env=env,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
            if not wait_port(port):
                raise RuntimeError("rampart did not start for %s: %s" % (
                    app[0], procs[-1].stderr.read().decode(errors="replace")[:500]))
            time.sleep(1.2)  # one health-check interval: readiness has seen the upstream
            behind = audit(rampart, "http://127.0.0.1:%d%s" % (port, app[1]), app)
            rows.append((app[5], alone, behind))
        finally:
            for p in procs:
                p.terminate()
                p.wait(timeout=10)
    if as_json:
        print(json.dumps([{"replica": n, "alone": a[0], "behind": b[0], "left": b[1]}
                          for n, a, b in rows]))
        return 0
    print("| replica | alone | behind rampart | findings left behind rampart |")
    print("| --- | --- | --- | --- |")
    for name, alone, behind in rows:
        print("| %s | %s (%d findings) | %s | %s |" % (
            name, alone[0], len(alone[1]), behind[0], ", ".join(behind[1]) or "none"))
    print()
    print("requests/time per audit: " + "; ".join(
        "%d/%d ms, %d/%d ms" % (a[2], a[3], b[2], b[3]) for _, a, b in rows))
    return 0 if all(a[0] is not None and b[0] is not None for _, a, b in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
