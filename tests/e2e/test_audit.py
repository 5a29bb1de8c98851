"""`rampart audit URL` (SPEC §1, §9; docs/audit.md) on the real binary: each probe against a
backend that has the problem and one that does not (audit_backends.py), no false finding on
a well-configured rampart in front of a well-behaved backend, the request and time bounds
against a backend that never answers, a report for one that resets every connection, the
exit codes, the JSON schema, the HTML file and masking."""

import http.client
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import jsonschema

from harness import (ADMIN_KEY, RAMPART_BIN, SLOW, E2ETest, Rampart, _die_with_parent, _kill, free_port,
                     port_accepts, wait_until)

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA_PATH = os.path.join(HERE, "..", "..", "docs", "audit-report.schema.json")
with open(SCHEMA_PATH) as f:
    SCHEMA = json.load(f)
WEBHOOK_SECRET = "whsec_audit_0123456789abcdef0123456789"
ACCESS = ["--private", "/api/private", "--webhook", "/webhooks/stripe"]


class Backend:
    """audit_backends.py on a free port."""

    def __init__(self, *flags):
        for _ in range(3):
            self.port = free_port()
            self.proc = subprocess.Popen(
                [sys.executable, os.path.join(HERE, "audit_backends.py"), str(self.port),
                 *flags], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                preexec_fn=_die_with_parent)
            wait_until(lambda: self.proc.poll() is not None or port_accepts(self.port), 10)
            if self.proc.poll() is None and port_accepts(self.port):
                return
            _kill(self.proc, 2)
        raise RuntimeError("audit backend did not start")

    @property
    def url(self):
        return "http://127.0.0.1:%d/" % self.port

    def stop(self):
        _kill(self.proc, 2)


def run_audit(url, *args, timeout=40):
    """(exit status, stdout, stderr, seconds)."""
    started = time.monotonic()
    p = subprocess.run([RAMPART_BIN, "audit", url, *args], capture_output=True, text=True,
                       timeout=timeout * SLOW)
    return p.returncode, p.stdout, p.stderr, time.monotonic() - started


def outcomes(report):
    return {c["id"]: c["outcome"] for c in report["checks"]}


class AuditTest(E2ETest):

    def backend(self, *flags):
        b = Backend(*flags)
        self.addCleanup(b.stop)
        return b

    def audit_json(self, url, *args, expect_rc=0):
        rc, out, err, _ = run_audit(url, "--format", "json", *args)
        self.assertEqual(rc, expect_rc, err)
        report = json.loads(out)
        jsonschema.validate(report, SCHEMA)
        return report

    def assert_outcome(self, report, check_id, outcome):
        got = outcomes(report).get(check_id)
        detail = [c for c in report["checks"] if c["id"] == check_id]
        self.assertEqual(got, outcome, detail)


class ProblemsFoundTest(AuditTest):
    """The leaky backend has every problem; the good backend none."""

    def test_leaky_backend_every_finding(self):
        report = self.audit_json(self.backend("--profile", "leaky").url, *ACCESS)
        for check_id in ["SEC-CORS-REFLECT", "SEC-CORS-NULL", "SEC-HEADER-NOSNIFF",
                         "SEC-HEADER-FRAME", "SEC-HEADER-REFERRER", "SEC-VERSION-DISCLOSURE",
                         "SEC-LEAK-TRACEBACK", "SEC-LEAK-PATH", "SEC-LEAK-SQL",
                         "SEC-LEAK-FRAMEWORK", "SEC-LEAK-HOST", "SEC-BODY-UNLIMITED",
                         "SEC-RATE-NONE", "SEC-AUTH-MISSING", "SEC-WEBHOOK-UNSIGNED",
                         "REL-MALFORMED-5XX", "REL-HEALTH-MISSING", "REL-HEALTH-LIVE-MISSING",
                         "REL-HEALTH-READY-MISSING", "OBS-REQUEST-ID-MISSING",
                         "OBS-METRICS-PUBLIC"]:
            with self.subTest(check_id):
                self.assert_outcome(report, check_id, "fail")
        self.assertLess(report["scores"]["overall"], 50)
        self.assertTrue(report["scores"]["capped"] or report["scores"]["overall"] < 49)
        # every finding carries evidence and a fix; the gateway-fixable ones rampart YAML
        for c in report["checks"]:
            if c["outcome"] == "fail":
                self.assertIn("> ", c["evidence"], c["id"])
                self.assertTrue(c["fix"], c["id"])
        # the performance target: a full audit of a local service
        self.assertLess(report["requests"], 300)
        self.assertLess(report["elapsed_ms"], 10000)

    def test_good_backend_no_finding(self):
        report = self.audit_json(self.backend("--profile", "good").url, *ACCESS)
        fails = [c for c in report["checks"] if c["outcome"] in ("fail", "undecided")]
        self.assertEqual(fails, [])
        self.assertEqual(report["scores"]["overall"], 100)

    def test_secrets_are_masked_in_every_format(self):
        b = self.backend("--profile", "leaky")
        for fmt in ("md", "json"):
            rc, out, err, _ = run_audit(b.url, "--format", fmt, *ACCESS)
            self.assertEqual(rc, 0, err)
            self.assertIn("session=***", out)
            self.assertNotIn("s3cr3t-cookie-value", out)
            self.assertNotIn('"secret":"data"', out.replace('\\"', '"'))


class ProbeVariantsTest(AuditTest):
    """One problem at a time, on an otherwise good backend."""

    def test_wildcard_origin_with_credentials(self):
        report = self.audit_json(self.backend("--cors", "wildcard-credentials").url)
        self.assert_outcome(report, "SEC-CORS-WILDCARD-CREDENTIALS", "fail")
        self.assert_outcome(report, "SEC-CORS-REFLECT", "pass")

    def test_health_in_plain_text(self):
        report = self.audit_json(self.backend("--health", "text").url)
        self.assert_outcome(report, "REL-HEALTH-NOT-JSON", "fail")
        self.assert_outcome(report, "REL-HEALTH-MISSING", "pass")

    def test_slow_health(self):
        report = self.audit_json(self.backend("--health", "slow").url)
        self.assert_outcome(report, "REL-HEALTH-SLOW", "fail")

    def test_readiness_must_report_a_down_dependency(self):
        lying = self.audit_json(self.backend().url, "--expect-unready")
        self.assert_outcome(lying, "REL-READY-DISHONEST", "fail")
        honest = self.audit_json(self.backend("--ready-down").url, "--expect-unready")
        self.assert_outcome(honest, "REL-READY-DISHONEST", "pass")
        self.assert_outcome(honest, "REL-HEALTH-READY-MISSING", "pass")  # 503 JSON is present
        self.assert_outcome(self.audit_json(self.backend().url), "REL-READY-DISHONEST",
                            "not_applicable")

    def test_custom_health_paths(self):
        report = self.audit_json(self.backend().url, "--health", "/healthz")
        self.assert_outcome(report, "REL-HEALTH-MISSING", "pass")
        self.assert_outcome(report, "REL-HEALTH-READY-MISSING", "not_applicable")
        report = self.audit_json(self.backend().url, "--health", "/nope/ready")
        self.assert_outcome(report, "REL-HEALTH-MISSING", "fail")
        self.assert_outcome(report, "REL-HEALTH-READY-MISSING", "fail")

    def test_429_without_retry_after(self):
        report = self.audit_json(self.backend("--no-retry-after").url)
        self.assert_outcome(report, "SEC-RATE-NONE", "pass")
        self.assert_outcome(report, "SEC-RATE-NO-RETRY-AFTER", "fail")

    def test_a_burst_that_cannot_show_a_limit_is_undecided(self):
        # Every answer a 401: a limit behind authentication cannot be seen without a key.
        b = self.backend("--rate-limit", "0")
        report = self.audit_json(b.url + "api/private")
        self.assert_outcome(report, "SEC-RATE-NONE", "undecided")
        self.assertIn("credentials", [c for c in report["checks"]
                                      if c["id"] == "SEC-RATE-NONE"][0]["detail"])
        # Every answer a 404: nothing is routed there.
        report = self.audit_json(b.url + "no/such/path")
        self.assert_outcome(report, "SEC-RATE-NONE", "undecided")

    def test_an_announced_limit_the_burst_does_not_reach_passes(self):
        report = self.audit_json(self.backend("--rate-limit", "0", "--announce-limit").url)
        self.assert_outcome(report, "SEC-RATE-NONE", "pass")
        self.assert_outcome(report, "SEC-RATE-NO-RETRY-AFTER", "not_applicable")
        # Without the announcement the same backend is a finding.
        report = self.audit_json(self.backend("--rate-limit", "0").url)
        self.assert_outcome(report, "SEC-RATE-NONE", "fail")

    def test_slow_endpoint_without_timeout(self):
        b = self.backend("--slow-seconds", "30")
        rc, out, err, seconds = run_audit(b.url, "--format", "json", "--slow", "/slow",
                                          "--timeout", "8s")
        self.assertEqual(rc, 0, err)
        report = json.loads(out)
        self.assert_outcome(report, "REL-SLOW-NO-TIMEOUT", "fail")
        self.assertLess(seconds, 8 + 2 * SLOW)
        # a short --timeout leaves no room to wait: undecided, not a guess
        report = self.audit_json(b.url, "--slow", "/slow", "--timeout", "4s")
        self.assert_outcome(report, "REL-SLOW-NO-TIMEOUT", "undecided")

    def test_unreachable_private_path_is_undecided(self):
        report = self.audit_json(self.backend().url, "--private", "/no/such/private")
        self.assert_outcome(report, "SEC-AUTH-MISSING", "undecided")


class BoundsTest(AuditTest):

    def test_backend_that_never_answers(self):
        b = self.backend("--mode", "silent")
        rc, out, err, seconds = run_audit(b.url, "--format", "json", "--timeout", "4s",
                                          "--max-requests", "50", *ACCESS)
        self.assertEqual(rc, 0, err)
        report = json.loads(out)
        jsonschema.validate(report, SCHEMA)
        self.assertLess(seconds, 4 + 2 * SLOW)
        self.assertLessEqual(report["elapsed_ms"], 4100)
        self.assertLessEqual(report["requests"], 50)
        decided = [c["id"] for c in report["checks"] if c["outcome"] in ("pass", "fail")]
        self.assertEqual(decided, [])
        self.assertIsNone(report["scores"]["overall"])

    def test_default_bounds_against_a_backend_that_never_answers(self):
        rc, out, err, seconds = run_audit(self.backend("--mode", "silent").url, "--format",
                                          "json")
        self.assertEqual(rc, 0, err)
        report = json.loads(out)
        self.assertLessEqual(report["elapsed_ms"], 15100)
        self.assertLess(seconds, 15 + 2 * SLOW)
        self.assertTrue(all(c["outcome"] in ("undecided", "not_applicable")
                            for c in report["checks"]))

    def test_backend_that_resets_every_connection(self):
        rc, out, err, seconds = run_audit(self.backend("--mode", "reset").url, *ACCESS)
        self.assertEqual(rc, 0, err)
        self.assertIn("## Undecided", out)
        self.assertIn("stopped answering", out)
        self.assertLess(seconds, 5 * SLOW)

    def test_request_budget(self):
        report = self.audit_json(self.backend("--profile", "leaky").url, "--max-requests", "40")
        self.assertLessEqual(report["requests"], 40)
        self.assert_outcome(report, "SEC-RATE-NONE", "undecided")  # too few to say
        self.assertIn("budget", [c for c in report["checks"]
                                 if c["id"] == "SEC-RATE-NONE"][0]["detail"])

    def test_host_name_with_several_addresses(self):
        # a host name, not an address (on hosts where localhost is ::1 and 127.0.0.1, the
        # backend listens on the second only)
        b = self.backend()
        report = self.audit_json("http://localhost:%d/" % b.port)
        self.assertEqual([c for c in report["checks"] if c["outcome"] == "undecided"], [])

    def test_rate(self):
        rc, out, err, seconds = run_audit(self.backend().url, "--rate", "20",
                                          "--max-requests", "11")
        self.assertEqual(rc, 0, err)
        self.assertGreaterEqual(seconds, 0.45)
        self.assertIn("11 requests (max 11)", out)


class CommandLineTest(AuditTest):

    def one_line_error(self, *args, contains):
        rc, out, err, _ = run_audit(*args)
        self.assertEqual(rc, 1)
        self.assertEqual(out, "")
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        self.assertIn(contains, err)

    def test_bad_arguments(self):
        url = self.backend().url
        self.one_line_error("http://127.0.0.1:%d/" % free_port(), contains="cannot connect")
        self.one_line_error("127.0.0.1:80", contains="scheme")
        self.one_line_error("https://127.0.0.1:%d/" % free_port(), contains="cannot connect")
        self.one_line_error(url, "--ca", "/no/such/ca.pem", contains="--ca")
        self.one_line_error(url, "--ca", SCHEMA_PATH, contains="https:// URLs only")
        self.one_line_error(url.replace("http:", "https:"), "--ca", SCHEMA_PATH,
                            contains="not a PEM CA file")
        self.one_line_error(url, "--format", "xml", contains="--format")
        self.one_line_error(url, "--private", "api", contains="--private")
        self.one_line_error(url, "--timeout", "15", contains="--timeout")
        self.one_line_error(url, "--fail-under", "101", contains="--fail-under")
        self.one_line_error(url, "--max-requests", "0", contains="--max-requests")

    def test_fail_under(self):
        leaky = self.backend("--profile", "leaky").url
        rc, out, err, _ = run_audit(leaky, "--fail-under", "50")
        self.assertEqual(rc, 1)
        self.assertIn("# rampart audit", out)  # the report still comes out
        self.assertIn("below --fail-under 50", err)
        rc, _, err, _ = run_audit(self.backend().url, "--fail-under", "90")
        self.assertEqual(rc, 0, err)

    def test_html_report_is_one_self_contained_file(self):
        out_dir = tempfile.mkdtemp(prefix="rampart-audit-")
        self.addCleanup(shutil.rmtree, out_dir, True)
        path = os.path.join(out_dir, "report.html")
        b = self.backend("--profile", "leaky")
        rc, out, err, _ = run_audit(b.url, "--format", "html", "--out", path, *ACCESS)
        self.assertEqual(rc, 0, err)
        self.assertEqual(out, "")
        self.assertIn("wrote " + path, err)
        with open(path) as f:
            html = f.read()
        report = self.audit_json(b.url, *ACCESS)
        for c in report["checks"]:
            if c["outcome"] == "fail":
                self.assertIn('id="%s"' % c["id"], html)
        for external in ("<script", "<link", "src=", "href=", "url(", "@import"):
            self.assertNotIn(external, html)
        self.assertIn("<svg", html)
        self.assertIn("<details", html)


class HttpsTest(AuditTest):
    """https:// targets: the probes run over TLS; the certificate and old protocols are
    checks of their own."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="rampart-audit-tls-")
        cls.cert = os.path.join(cls.dir, "cert.pem")
        cls.key = os.path.join(cls.dir, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                        cls.key, "-out", cls.cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                       check=True, capture_output=True, timeout=30)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def https_url(self, *flags):
        return self.backend("--tls", self.cert, self.key, *flags).url.replace("http:", "https:")

    def test_untrusted_certificate(self):
        report = self.audit_json(self.https_url())
        self.assert_outcome(report, "SEC-TLS-CERT", "fail")
        detail = [c for c in report["checks"] if c["id"] == "SEC-TLS-CERT"][0]["detail"]
        self.assertIn("self-signed", detail)
        # the application is still probed over TLS, behind the bad certificate
        self.assert_outcome(report, "SEC-CORS-REFLECT", "pass")
        self.assert_outcome(report, "SEC-RATE-NONE", "pass")

    def test_trusted_certificate_modern_protocols_and_hsts(self):
        report = self.audit_json(self.https_url("--hsts"), "--ca", self.cert, *ACCESS)
        self.assertEqual([c for c in report["checks"] if c["outcome"] in ("fail", "undecided")],
                         [])
        self.assert_outcome(report, "SEC-TLS-CERT", "pass")
        self.assert_outcome(report, "SEC-TLS-OLD-PROTOCOL", "pass")
        self.assert_outcome(report, "SEC-HEADER-HSTS", "pass")

    def test_missing_hsts_and_legacy_protocols(self):
        report = self.audit_json(self.https_url("--tls-legacy"), "--ca", self.cert)
        self.assert_outcome(report, "SEC-HEADER-HSTS", "fail")
        self.assert_outcome(report, "SEC-TLS-OLD-PROTOCOL", "fail")

    def test_http_targets_skip_the_tls_checks(self):
        report = self.audit_json(self.backend().url)
        for check_id in ("SEC-TLS-CERT", "SEC-TLS-OLD-PROTOCOL", "SEC-HEADER-HSTS"):
            self.assert_outcome(report, check_id, "not_applicable")

    def test_plain_http_server_behind_an_https_url(self):
        rc, out, err, seconds = run_audit(self.backend().url.replace("http:", "https:"))
        self.assertEqual(rc, 0, err)
        self.assertIn("TLS handshake", out)
        self.assertLess(seconds, 5 * SLOW)


def merge(base, extra):
    """extra's mappings merged into base's; lists (routes) replaced."""
    out = dict(base)
    for k, v in extra.items():
        out[k] = merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


class CatalogueTest(AuditTest):
    """What the report promises: every fix is rampart config that loads, every id is in
    docs/audit.md."""

    @classmethod
    def setUpClass(cls):
        b = Backend("--profile", "leaky")
        try:
            rc, out, err, _ = run_audit(b.url, "--format", "json", "--max-requests", "30")
        finally:
            b.stop()
        assert rc == 0, err
        cls.checks = json.loads(out)["checks"]

    def test_every_check_is_in_every_report(self):
        self.assertEqual(len({c["id"] for c in self.checks}), 30)

    def test_every_id_is_documented(self):
        with open(os.path.join(HERE, "..", "..", "docs", "audit.md")) as f:
            doc = f.read()
        for c in self.checks:
            self.assertIn("| `%s` | %s | %s |" % (c["id"], c["category"], c["severity"]), doc)

    def test_every_fix_is_config_that_loads(self):
        import yaml
        work = tempfile.mkdtemp(prefix="rampart-audit-fix-")
        self.addCleanup(shutil.rmtree, work, True)
        base = {"admin": {"listen": "127.0.0.1:9901", "api_key": "${RAMPART_ADMIN_KEY}"},
                "store": "sqlite:rampart.db",
                "upstreams": {"app": {"url": "http://127.0.0.1:8000"}},
                "routes": [{"name": "status", "match": {"path": "/status"}, "upstream": "app",
                            "auth": "none", "public": True}]}
        env = dict(os.environ, RAMPART_ADMIN_KEY=ADMIN_KEY,
                   STRIPE_WEBHOOK_SECRET="whsec_" + secrets.token_hex(16))
        for c in self.checks:
            if not c["config"]:
                continue
            with self.subTest(c["id"]):
                fix = yaml.safe_load(c["config"])
                cfg = merge(base, fix)
                if "routes" in fix:
                    cfg["routes"] = base["routes"] + fix["routes"]
                path = os.path.join(work, "rampart.yaml")
                with open(path, "w") as f:
                    yaml.safe_dump(cfg, f)
                p = subprocess.run([RAMPART_BIN, "check", "-c", path], cwd=work, env=env,
                                   capture_output=True, text=True, timeout=20)
                self.assertEqual(p.returncode, 0, c["config"] + p.stdout + p.stderr)


class CheckReportTest(AuditTest):
    """`rampart check --report`: the same kind of scored report for a config, after `ok`."""

    def check(self, cfg, *args):
        import yaml
        work = tempfile.mkdtemp(prefix="rampart-check-report-")
        self.addCleanup(shutil.rmtree, work, True)
        path = os.path.join(work, "rampart.yaml")
        with open(path, "w") as f:
            yaml.safe_dump(cfg, f)
        env = dict(os.environ, RAMPART_ADMIN_KEY=ADMIN_KEY)
        p = subprocess.run([RAMPART_BIN, "check", "-c", path, *args], cwd=work, env=env,
                           capture_output=True, text=True, timeout=20)
        return p.returncode, p.stdout, p.stderr

    def base(self):
        return {"admin": {"listen": "127.0.0.1:9901", "api_key": "${RAMPART_ADMIN_KEY}"},
                "store": "sqlite:rampart.db",
                "upstreams": {"app": {"url": "http://127.0.0.1:8000"}}}

    def test_weak_config(self):
        cfg = self.base()
        cfg["admin"]["listen"] = "0.0.0.0:9901"
        cfg["upstreams"]["app"]["timeout"] = "5m"
        cfg["routes"] = [
            {"name": "hook", "match": {"path": "/hook", "methods": ["POST"]}, "upstream": "app",
             "auth": "none", "webhook": {"scheme": "stripe"}},
            {"name": "open", "match": {"path_prefix": "/"}, "upstream": "app", "auth": "none"}]
        cfg["cors"] = {"origins": ["*"]}
        rc, out, err = self.check(cfg, "--report")
        self.assertEqual(rc, 0, err)
        self.assertTrue(out.startswith("ok\n\n# rampart check: "), out[:200])
        for check_id in ("CFG-WEBHOOK-SECRET", "CFG-AUTH-NONE", "CFG-RATE-MISSING",
                         "CFG-CORS-PERMISSIVE", "CFG-BODY-LIMIT", "CFG-ENV-DEVELOPMENT",
                         "CFG-UPSTREAM-TIMEOUT", "CFG-UPSTREAM-HEALTH", "CFG-ADMIN-EXPOSED"):
            self.assertRegex(out, r"### \[\w+\] %s: " % check_id)
        self.assertIn("routes: open", out)
        self.assertIn("**Overall: 0/100**", out)
        self.assertNotIn("requests (max", out)

    def test_strong_production_config(self):
        cfg = self.base()
        cfg["env"] = "production"
        cfg["upstreams"]["app"]["health"] = {"path": "/healthz", "interval": "5s"}
        cfg["auth"] = {"api_keys": {"header": "X-API-Key"}}
        cfg["rate_limits"] = {"public": ["100/minute"]}
        cfg["cors"] = {"origins": ["https://app.example.com"]}
        cfg["routes"] = [
            {"name": "hook", "match": {"path": "/hook", "methods": ["POST"]}, "upstream": "app",
             "auth": "none", "webhook": {"scheme": "stripe", "secret": "whsec_" + "x1" * 16}},
            {"name": "api", "match": {"path_prefix": "/api/"}, "upstream": "app",
             "rate_limit": "public", "body": {"max_bytes": "1MiB", "json": True}}]
        rc, out, err = self.check(cfg, "--report")
        self.assertEqual(rc, 0, err)
        self.assertIn("**Overall: 100/100**", out)
        self.assertIn("## Findings (0)", out)

    def test_contract_without_report_and_on_problems(self):
        cfg = self.base()
        cfg["routes"] = [{"name": "api", "match": {"path_prefix": "/"}, "upstream": "nope"}]
        rc, out, err = self.check(cfg, "--report")
        self.assertEqual((rc, out), (1, ""))
        self.assertIn("nope", err)
        cfg["routes"][0]["upstream"] = "app"
        rc, out, err = self.check(cfg)
        self.assertEqual((rc, out), (0, "ok\n"))


class FieldDemoTest(AuditTest):
    """examples/field (`make demo-audit`): each replica below 50 alone, above 90 behind
    rampart."""

    def test_replicas_alone_and_behind_rampart(self):
        demo = os.path.join(HERE, "..", "..", "examples", "field", "demo-audit")
        work = tempfile.mkdtemp(prefix="rampart-demo-audit-test-")
        self.addCleanup(shutil.rmtree, work, True)
        out = os.path.join(work, "reports.json")
        p = subprocess.run([sys.executable, demo, "--rampart", RAMPART_BIN, "--json", out],
                           capture_output=True, text=True, timeout=180 * SLOW)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(out) as f:
            reports = json.load(f)
        self.assertEqual(len(reports), 5)
        for name, pair in reports.items():
            with self.subTest(name):
                jsonschema.validate(pair["alone"], SCHEMA)
                self.assertLess(pair["alone"]["scores"]["overall"], 50)
                self.assertGreater(pair["behind_rampart"]["scores"]["overall"], 90)


def chromium_console(page):
    """(console lines, DOM) of `page` loaded in headless Chromium."""
    p = subprocess.run([shutil.which("chromium"), "--headless", "--no-sandbox", "--disable-gpu",
                        "--enable-logging=stderr", "--v=0", "--dump-dom", "file://" + page],
                       capture_output=True, text=True, timeout=60 * SLOW)
    return [l for l in p.stderr.splitlines() if ":CONSOLE" in l], p.stdout


@unittest.skipUnless(shutil.which("chromium"), "Debian's chromium is not installed")
class HtmlInChromiumTest(AuditTest):
    """The HTML report opened in headless Chromium: no console message, every finding."""

    def test_report_loads_clean_with_every_finding(self):
        out_dir = tempfile.mkdtemp(prefix="rampart-audit-html-")
        self.addCleanup(shutil.rmtree, out_dir, True)
        # the detector itself: a page with a script error is caught
        bad = os.path.join(out_dir, "bad.html")
        with open(bad, "w") as f:
            f.write("<html><body><script>undefinedFn()</script></body></html>")
        self.assertTrue(chromium_console(bad)[0])
        b = self.backend("--profile", "leaky")
        page = os.path.join(out_dir, "report.html")
        rc, _, err, _ = run_audit(b.url, "--format", "html", "--out", page, *ACCESS)
        self.assertEqual(rc, 0, err)
        console, dom = chromium_console(page)
        self.assertEqual(console, [])
        report = self.audit_json(b.url, *ACCESS)
        findings = [c["id"] for c in report["checks"] if c["outcome"] == "fail"]
        self.assertGreater(len(findings), 15)
        for check_id in findings:
            self.assertIn('id="%s"' % check_id, dom)


class RampartInFrontTest(AuditTest):
    """A well-behaved backend that does none of the gateway's work, behind a well-configured
    rampart: no finding, nothing undecided."""

    def config(self, up_port):
        return {
            "store": "sqlite:rampart.db",
            "server": {"workers": 2, "header_timeout": "2s", "idle_timeout": "2s"},
            "upstreams": {"app": {"url": "http://127.0.0.1:%d" % up_port,
                                  "connect_timeout": "1s", "timeout": "1s",
                                  "health": {"path": "/healthz", "interval": "200ms"}}},
            "auth": {"api_keys": {"header": "X-API-Key"}},
            "rate_limits": {"public": ["60/minute"]},
            "cors": {"origins": ["https://app.example.com"], "credentials": True},
            "routes": [
                {"name": "stripe", "match": {"path": "/webhooks/stripe", "methods": ["POST"]},
                 "upstream": "app", "auth": "none",
                 "webhook": {"scheme": "stripe", "secret": WEBHOOK_SECRET}},
                {"name": "private", "match": {"path_prefix": "/api/private"},
                 "upstream": "app", "auth": "required"},
                {"name": "writes", "match": {"path_prefix": "/",
                                             "methods": ["POST", "PUT", "PATCH"]},
                 "upstream": "app", "auth": "none", "rate_limit": "public",
                 "body": {"max_bytes": "1MiB", "json": True}},
                {"name": "api", "match": {"path_prefix": "/"}, "upstream": "app",
                 "auth": "none", "rate_limit": "public"},
            ],
        }

    def test_no_false_finding_behind_rampart(self):
        up = self.backend("--profile", "good", "--no-security-headers", "--no-request-id",
                          "--rate-limit", "0", "--body-limit", "0", "--health", "none",
                          "--slow-seconds", "5")
        rp = self.start_rampart(self.config(up.port))
        url = "http://127.0.0.1:%d/" % rp.port
        alone = self.audit_json(up.url, *ACCESS)
        self.assertLess(alone["scores"]["overall"], 80)
        report = self.audit_json(url, *ACCESS, "--slow", "/slow")
        wrong = [c for c in report["checks"] if c["outcome"] in ("fail", "undecided")]
        self.assertEqual(wrong, [])
        self.assertEqual(report["scores"]["overall"], 100)
        self.assert_outcome(report, "REL-SLOW-NO-TIMEOUT", "pass")  # 504 after 1 s

    def test_readiness_behind_rampart_with_the_upstream_down(self):
        up = self.backend("--profile", "good")
        rp = self.start_rampart(self.config(up.port))
        url = "http://127.0.0.1:%d/" % rp.port
        up.stop()
        wait_until(lambda: b"not_ready" in _get(rp.port, "/health/ready"), 5 * SLOW)
        rc, out, err, _ = run_audit(url, "--format", "json", "--expect-unready")
        report = json.loads(out)
        self.assert_outcome(report, "REL-READY-DISHONEST", "pass")


def _get(port, path):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        c.request("GET", path)
        return c.getresponse().read()
    except OSError:
        return b""
    finally:
        c.close()


if __name__ == "__main__":
    unittest.main()
