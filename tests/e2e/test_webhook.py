"""Webhook signatures (SPEC §2 route webhook, §3 step 6; issue 12 part 3) on the real binary:
Stripe's scheme signed by the test exactly as Stripe does (valid, tampered body, wrong secret,
stale, two v1 during a rotation, replay -> 409, replay after a restart -> 409), GitHub's, a
generic HMAC in base64 with a timestamp header, and the production rule."""

import base64
import hashlib
import hmac
import json
import os
import shutil
import subprocess
import time
import unittest

from harness import (ADMIN_KEY, RAMPART_BIN, E2ETest, Rampart, Upstream, base_config, metric,
                     request)

STRIPE_OLD = "whsec_old_0123456789abcdef0123456789"
STRIPE_NEW = "whsec_new_fedcba9876543210fedcba9876"
GITHUB = "gh-secret-0123456789abcdef"
GENERIC = "generic-secret-0123456789"


def stripe_header(body, secret, t=None, extra_v1=()):
    t = int(time.time()) if t is None else t
    sig = hmac.new(secret.encode(), b"%d." % t + body, hashlib.sha256).hexdigest()
    parts = ["t=%d" % t] + ["v1=%s" % s for s in extra_v1] + ["v1=%s" % sig, "v0=deadbeef"]
    return ",".join(parts)


def webhook_config(up_port):
    cfg = base_config(up_port)
    cfg["store"] = "sqlite:rampart.db"
    cfg["routes"] = [
        {"name": "stripe", "match": {"path": "/echo/stripe", "methods": ["POST"]},
         "upstream": "app", "auth": "none",
         "webhook": {"scheme": "stripe", "secrets": [STRIPE_OLD, STRIPE_NEW],
                     "tolerance": "5m"}},
        {"name": "github", "match": {"path": "/echo/github", "methods": ["POST"]},
         "upstream": "app", "auth": "none",
         "webhook": {"scheme": "github", "secret": GITHUB}},
        {"name": "generic", "match": {"path": "/echo/generic", "methods": ["POST"]},
         "upstream": "app", "auth": "none",
         "webhook": {"scheme": "hmac-sha256", "secret": GENERIC, "header": "X-Signature",
                     "encoding": "base64", "timestamp_header": "X-Timestamp",
                     "tolerance": "1m"}},
        {"name": "open", "match": {"path_prefix": "/"}, "upstream": "app", "auth": "none"},
    ]
    return cfg


class WebhookTest(E2ETest):

    def setUp(self):
        self.up = self.start_upstream()
        self.workdir = self.make_workdir()
        self.rp = self.start_rampart(webhook_config(self.up.port), workdir=self.workdir)

    def make_workdir(self):
        import tempfile
        d = tempfile.mkdtemp(prefix="rampart-e2e-webhook-")
        self.addCleanup(shutil.rmtree, d, True)
        return d

    def post(self, path, body, headers):
        return request(self.rp.port, "POST", path, headers=headers, body=body)

    def failures(self, route, reason):
        return metric(self.rp.metrics(), "rampart_webhook_failures_total", route=route,
                      reason=reason) or 0

    def assert_bad_signature(self, path, body, headers, route, reason):
        before = self.failures(route, reason)
        status, h, resp = self.post(path, body, headers)
        self.assert_problem(status, h, resp, "bad_signature", expect_status=401)
        self.assertEqual(self.failures(route, reason) - before, 1, reason)

    def test_stripe(self):
        body = b'{"id":"evt_1","type":"payment_intent.succeeded"}'
        header = stripe_header(body, STRIPE_NEW)
        status, _, resp = self.post("/echo/stripe", body, {"Stripe-Signature": header})
        self.assertEqual(status, 200, resp)
        self.assertEqual(json.loads(resp)["body_sha256"], hashlib.sha256(body).hexdigest())
        # The same delivery again: 409, and after a restart too (the mark is in the store).
        status, h, resp = self.post("/echo/stripe", body, {"Stripe-Signature": header})
        self.assert_problem(status, h, resp, "replayed", expect_status=409)
        self.rp.stop()
        self.rp = self.start_rampart(webhook_config(self.up.port), workdir=self.workdir)
        status, h, resp = self.post("/echo/stripe", body, {"Stripe-Signature": header})
        self.assert_problem(status, h, resp, "replayed", expect_status=409)
        self.assertEqual(self.failures("stripe", "replayed"), 1)
        # A rotation: the old secret still works, and a header carrying two v1 (old and new).
        body2 = b'{"id":"evt_2"}'
        status, _, _ = self.post("/echo/stripe", body2,
                                 {"Stripe-Signature": stripe_header(body2, STRIPE_OLD)})
        self.assertEqual(status, 200)
        body3 = b'{"id":"evt_3"}'
        old_sig = hmac.new(STRIPE_OLD.encode(), b"%d." % int(time.time()) + body3,
                           hashlib.sha256).hexdigest()
        status, _, _ = self.post("/echo/stripe", body3, {
            "Stripe-Signature": stripe_header(body3, STRIPE_NEW, extra_v1=[old_sig])})
        self.assertEqual(status, 200)

    def test_stripe_refusals(self):
        body = b'{"id":"evt_9"}'
        self.assert_bad_signature("/echo/stripe", body, {}, "stripe", "missing")
        self.assert_bad_signature("/echo/stripe", body + b" ",
                                  {"Stripe-Signature": stripe_header(body, STRIPE_NEW)},
                                  "stripe", "mismatch")  # tampered body
        self.assert_bad_signature("/echo/stripe", body,
                                  {"Stripe-Signature": stripe_header(body, "whsec_wrong")},
                                  "stripe", "mismatch")
        stale = stripe_header(body, STRIPE_NEW, t=int(time.time()) - 600)
        self.assert_bad_signature("/echo/stripe", body, {"Stripe-Signature": stale}, "stripe",
                                  "stale")
        future = stripe_header(body, STRIPE_NEW, t=int(time.time()) + 600)
        self.assert_bad_signature("/echo/stripe", body, {"Stripe-Signature": future}, "stripe",
                                  "stale")
        for bad in ("v1=abc", "t=notatime,v1=" + "0" * 64, "garbage",
                    "t=1,t=2,v1=" + "0" * 64):
            self.assert_bad_signature("/echo/stripe", body, {"Stripe-Signature": bad}, "stripe",
                                      "malformed")
        # The signature is never logged.
        sig = stripe_header(body, STRIPE_NEW).split("v1=")[1][:20]
        self.assertNotIn(sig, self.rp.log_text())

    def test_github(self):
        body = b'{"zen":"Keep it logically awesome."}'
        sig = "sha256=" + hmac.new(GITHUB.encode(), body, hashlib.sha256).hexdigest()
        status, _, _ = self.post("/echo/github", body, {"X-Hub-Signature-256": sig})
        self.assertEqual(status, 200)
        status, _, _ = self.post("/echo/github", body, {"X-Hub-Signature-256": sig})
        self.assertEqual(status, 409)
        self.assert_bad_signature("/echo/github", b"{}", {"X-Hub-Signature-256": sig}, "github",
                                  "mismatch")
        self.assert_bad_signature("/echo/github", body, {"X-Hub-Signature-256": sig[7:]},
                                  "github", "malformed")

    def test_generic_hmac_base64_with_a_timestamp(self):
        body = b'{"event":"x"}'
        t = str(int(time.time()))
        sig = base64.b64encode(hmac.new(GENERIC.encode(), t.encode() + b"." + body,
                                        hashlib.sha256).digest()).decode()
        status, _, _ = self.post("/echo/generic", body, {"X-Signature": sig, "X-Timestamp": t})
        self.assertEqual(status, 200)
        self.assert_bad_signature("/echo/generic", body, {"X-Signature": sig}, "generic",
                                  "missing")
        old = str(int(time.time()) - 120)
        sig_old = base64.b64encode(hmac.new(GENERIC.encode(), old.encode() + b"." + body,
                                            hashlib.sha256).digest()).decode()
        self.assert_bad_signature("/echo/generic", body,
                                  {"X-Signature": sig_old, "X-Timestamp": old}, "generic",
                                  "stale")


class WebhookConfigTest(unittest.TestCase):

    def check(self, route_webhook, env="development"):
        r = Rampart(webhook_config(9), start=False)
        self.addCleanup(shutil.rmtree, r.workdir, True)
        cfg = json.loads(json.dumps(r.config))
        cfg["env"] = env
        cfg["routes"][0]["webhook"] = route_webhook
        for route in cfg["routes"][1:]:
            route["public"] = True  # routes[0] is a webhook route: auth: none needs no public
        r.write_config(cfg)
        p = subprocess.run([RAMPART_BIN, "check", "-c", r.config_path], cwd=r.workdir,
                           env=dict(os.environ, RAMPART_ADMIN_KEY=ADMIN_KEY),
                           capture_output=True, text=True, timeout=20)
        return p.returncode, p.stdout + p.stderr

    def test_report_002_a_webhook_without_a_secret_fails_in_production(self):
        code, out = self.check({"scheme": "stripe"}, env="production")
        self.assertEqual(code, 1, out)
        self.assertRegex(out, r"rampart\.yaml:\d+:\d+: routes\[0\]\.webhook\.secret: ")
        self.assertIn("needs its secret in production", out)
        code, out = self.check({"scheme": "stripe", "secret": "whsec_x"}, env="production")
        self.assertEqual(code, 0, out)
        self.assertEqual(out.splitlines()[0], "ok")  # then the config's score
        self.assertIn("CFG-WEBHOOK-SECRET: every webhook route has a secret", out)

    def test_rules(self):
        for webhook, words in (
                ({"scheme": "paypal", "secret": "x"}, "expected stripe, github or hmac-sha256"),
                ({"scheme": "stripe", "secret": "x", "secrets": ["y"]}, "not both"),
                ({"scheme": "stripe", "secret": "x", "header": "X-Sig"}, "hmac-sha256 only"),
                ({"scheme": "hmac-sha256", "secret": "x"}, "needs header"),
                ({"scheme": "stripe", "secret": "x", "tolerance": "2h"}, "at most 1h")):
            with self.subTest(webhook=webhook):
                code, out = self.check(webhook)
                self.assertEqual(code, 1, out)
                self.assertIn(words, out)


if __name__ == "__main__":
    unittest.main()
