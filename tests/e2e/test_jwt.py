"""JWT authentication (SPEC §2 auth.jwt, §3 step 7; issue 10) on the real binary: tokens minted
by PyJWT for every algorithm rampart accepts, every known attack refused with 401 and its own
private reason in the metric, a JWKS server the test controls (rotation, outage, slowness,
oversized answers, https with a CA of the test's own), tier_claim and the identity order."""

import json
import os
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
import unittest

import jwt_tokens as T
from harness import ADMIN_KEY, RAMPART_BIN, E2ETest, Rampart, Upstream, base_config, metric, request
from jwks_server import JwksServer

IDP = "https://idp.example.test/"
HMAC_ISS = "https://hmac.example.test"
PEM_ISS = "https://pem.example.test"
ASYMMETRIC = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512",
              "EdDSA"]
REASONS = ("missing", "malformed", "bad_signature", "expired", "not_yet_valid", "wrong_issuer",
           "wrong_audience", "algorithm_not_allowed", "unknown_kid")


def text_hmac_key(kid="hmac-1"):
    """An HMAC key whose secret is text (it goes into YAML), 64 bytes: enough for HS512."""
    secret = secrets.token_urlsafe(48).encode()
    assert len(secret) == 64
    jwk = {"kid": kid, "kty": "oct", "k": T.b64url(secret)}
    return T.SigningKey("HS256", kid, secret, None, jwk, None, secret=secret)


def jwt_routes():
    return [
        {"name": "private", "match": {"path_prefix": "/echo/private"}, "upstream": "app",
         "auth": "required"},
        {"name": "maybe", "match": {"path_prefix": "/echo/maybe"}, "upstream": "app",
         "auth": "optional"},
        {"name": "hasty", "match": {"path_prefix": "/echo/hasty"}, "upstream": "app",
         "auth": "required", "policy_timeout": "1s"},
        {"name": "open", "match": {"path_prefix": "/"}, "upstream": "app", "auth": "none"},
    ]


class JwtTest(E2ETest):
    """Common helpers: a request with a token, the metric, the 401's shape."""

    def get(self, path, headers=None, rp=None):
        return request((rp or self.rp).port, "GET", path, headers=headers or {})

    def failures(self, reason, route="private", rp=None):
        return metric((rp or self.rp).metrics(), "rampart_auth_failures_total", route=route,
                      reason=reason) or 0

    def jwks_fetches(self, result, issuer="idp", rp=None):
        return metric((rp or self.rp).metrics(), "rampart_jwks_fetches_total", issuer=issuer,
                      result=result) or 0

    def assert_accepted(self, token, sub, path="/echo/private", rp=None):
        status, _, body = self.get(path, T.bearer(token), rp)
        self.assertEqual(status, 200, body)
        seen = json.loads(body)["headers"]
        self.assertEqual(seen.get("x-rampart-identity"), "jwt:" + sub)
        # The backend may want the token: it is forwarded as it came.
        self.assertEqual(seen.get("authorization"), "Bearer " + token)
        return seen

    def assert_refused(self, token, reason, path="/echo/private", route="private", rp=None):
        before = self.failures(reason, route, rp)
        status, h, body = self.get(path, T.bearer(token), rp)
        doc = self.assert_problem(status, h, body, "unauthorized", expect_status=401)
        self.assertEqual(doc["detail"], "a valid API key or token is required")
        self.assertEqual(h.get("www-authenticate"), 'Bearer error="invalid_token"')
        if len(token) > 40:
            self.assertNotIn(token[-40:], body.decode())  # no echo of the token
        self.assertEqual(self.failures(reason, route, rp) - before, 1,
                         "expected the private reason %r" % reason)


class AlgorithmsAndAttacksTest(JwtTest):
    """One rampart with three issuers: a JWKS of every asymmetric algorithm, an HMAC secret,
    and a PEM public key file."""

    @classmethod
    def setUpClass(cls):
        cls.keys = T.make_keys(ASYMMETRIC)
        cls.hmac = text_hmac_key()
        cls.pem_key = T.make_key("ES256", kid="pem-key")
        cls.jwks = JwksServer(keys=list(cls.keys.values()))
        cls.jwks.start()
        cls.up = Upstream()
        cls.workdir = tempfile.mkdtemp(prefix="rampart-e2e-jwt-")
        with open(os.path.join(cls.workdir, "issuer.pem"), "wb") as f:
            f.write(cls.pem_key.pem)
        cfg = base_config(cls.up.port)
        cfg["store"] = "sqlite:rampart.db"
        cfg["auth"] = {"jwt": [
            {"name": "idp", "issuer": IDP, "jwks_url": cls.jwks.url,
             "audiences": ["api", "other-api"], "algorithms": ASYMMETRIC, "leeway": "30s",
             "tier_claim": "public_metadata.plan"},
            {"name": "hmac", "issuer": HMAC_ISS, "secret": cls.hmac.secret.decode(),
             "algorithms": ["HS256", "HS384", "HS512"]},
            {"name": "pem", "issuer": PEM_ISS, "public_key_file": "issuer.pem",
             "algorithms": ["ES256"]},
        ]}
        cfg["routes"] = jwt_routes()
        try:
            cls.rp = Rampart(cfg, workdir=cls.workdir)
        except Exception:
            cls.up.stop()
            cls.jwks.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.rp.stop()
        cls.up.stop()
        cls.jwks.stop()
        problem = cls.rp.exit_problem()
        if problem:
            raise AssertionError(problem + "\n" + cls.rp.debug_dump())
        shutil.rmtree(cls.workdir, ignore_errors=True)

    def setUp(self):
        if not self.jwks.wait_for_fetches(1, 5):
            self.fail("rampart never fetched the JWKS")

    def good(self, sub="user-1", **extra):
        return T.claims(IDP, "api", sub, **extra)

    # -- accepted --------------------------------------------------------------------------
    def test_every_asymmetric_algorithm_from_the_jwks(self):
        for alg, key in self.keys.items():
            with self.subTest(alg=alg):
                self.assert_accepted(T.mint(key, self.good("sub-" + alg)), "sub-" + alg)

    def test_every_hmac_algorithm_with_the_secret(self):
        for alg in ("HS256", "HS384", "HS512"):
            with self.subTest(alg=alg):
                token = T.mint(self.hmac, T.claims(HMAC_ISS, None, "h-" + alg), alg=alg)
                self.assert_accepted(token, "h-" + alg)

    def test_a_pem_public_key_file(self):
        token = T.mint(self.pem_key, T.claims(PEM_ISS, None, "pem-user"))
        self.assert_accepted(token, "pem-user")
        # The same key's token under the JWKS issuer: its kid is not there.
        self.assert_refused(T.mint(self.pem_key, self.good()), "unknown_kid")

    def test_audience_as_an_array_and_typ_variants(self):
        key = self.keys["RS256"]
        self.assert_accepted(T.mint(key, T.claims(IDP, ["x", "other-api"], "arr")), "arr")
        self.assert_accepted(T.mint(key, self.good("at"), headers={"typ": "at+jwt"}), "at")
        self.assert_accepted(T.mint(key, self.good("no-typ"), headers={"typ": None}), "no-typ")

    def test_leeway_accepts_a_token_just_expired(self):
        token = T.mint(self.keys["ES256"], self.good("late", exp_in=-10))
        self.assert_accepted(token, "late")

    def test_tier_claim_fills_x_rampart_tier(self):
        key = self.keys["EdDSA"]
        seen = self.assert_accepted(
            T.mint(key, self.good("tiered", public_metadata={"plan": "pro"})), "tiered")
        self.assertEqual(seen.get("x-rampart-tier"), "pro")
        # Not a string, or absent: no tier, and the request still passes.
        seen = self.assert_accepted(
            T.mint(key, self.good("odd", public_metadata={"plan": {"x": 1}})), "odd")
        self.assertNotIn("x-rampart-tier", seen)
        # A client cannot set its own tier.
        token = T.mint(key, self.good("forger"))
        status, _, body = self.get("/echo/private", dict(T.bearer(token),
                                                         **{"X-Rampart-Tier": "enterprise"}))
        self.assertEqual(status, 200)
        self.assertNotIn("x-rampart-tier", json.loads(body)["headers"])

    def test_a_repeated_token_keeps_working(self):
        token = T.mint(self.keys["PS256"], self.good("again"))
        for _ in range(20):
            self.assert_accepted(token, "again")

    def test_optional_route_anonymous_and_bad_token(self):
        status, _, body = self.get("/echo/maybe")
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["headers"]["x-rampart-identity"], "ip:127.0.0.1")
        self.assert_accepted(T.mint(self.keys["RS256"], self.good("opt")), "opt", "/echo/maybe")
        # optional never means "a bad token passes"
        self.assert_refused(T.mint(self.keys["RS256"], self.good(exp_in=-3600)), "expired",
                            "/echo/maybe", "maybe")

    def test_identity_order_api_key_over_jwt(self):
        p = subprocess.run([RAMPART_BIN, "keys", "create", "--name", "both", "-c",
                            self.rp.config_path], cwd=self.rp.workdir, env=self.rp.env,
                           capture_output=True, text=True, timeout=20)
        self.assertEqual(p.returncode, 0, p.stderr)
        key = p.stdout.strip()
        token = T.mint(self.keys["RS256"], self.good("jwt-user"))
        deadline = time.monotonic() + 3
        while True:
            status, _, body = self.get("/echo/private",
                                       dict(T.bearer(token), **{"X-API-Key": key}))
            if status == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        self.assertEqual(status, 200, body)
        seen = json.loads(body)["headers"]
        self.assertEqual(seen["x-rampart-identity"], "key:" + key[3:11])
        self.assertNotIn("x-api-key", seen)
        self.assertEqual(seen["authorization"], "Bearer " + token)
        # Both are checked: a good key does not carry a bad token through.
        bad = T.mint(self.keys["RS256"], self.good(exp_in=-3600))
        status, _, _ = self.get("/echo/private", dict(T.bearer(bad), **{"X-API-Key": key}))
        self.assertEqual(status, 401)

    # -- refused, one reason each ------------------------------------------------------------
    def test_no_credential(self):
        before = self.failures("missing")
        status, h, body = self.get("/echo/private")
        self.assert_problem(status, h, body, "unauthorized", expect_status=401)
        self.assertEqual(h.get("www-authenticate"), "Bearer")
        self.assertEqual(self.failures("missing") - before, 1)

    def test_alg_none_in_every_spelling(self):
        for spelling in T.NONE_SPELLINGS:
            with self.subTest(spelling=spelling):
                self.assert_refused(T.alg_none(self.good(), spelling, kid=self.keys["RS256"].kid),
                                    "malformed")

    def test_hmac_signed_with_the_public_key(self):
        """Key confusion: HS256 over the RSA public key's PEM, naming the RSA key's kid."""
        rsa = self.keys["RS256"]
        self.assert_refused(T.hmac_with_public_key(rsa, self.good()), "algorithm_not_allowed")
        # Even where HS256 is allowed, a public key is never an HMAC secret.
        self.assert_refused(T.hmac_with_public_key(rsa, T.claims(HMAC_ISS, None, "x")),
                            "bad_signature")

    def test_an_algorithm_outside_the_issuers_list(self):
        token = T.mint(self.pem_key, T.claims(PEM_ISS, None, "x"), alg="ES256",
                       headers={"alg": "ES256"})
        self.assert_accepted(token, "x")
        ps = T.make_key("PS256")
        self.assert_refused(T.mint(ps, T.claims(PEM_ISS, None, "x")), "algorithm_not_allowed")

    def test_headers_that_point_elsewhere_or_are_critical(self):
        key = self.keys["RS256"]
        for name, extra in T.header_attacks(key).items():
            with self.subTest(header=name):
                self.assert_refused(T.with_header(key, self.good(), extra), "malformed")

    def test_structure(self):
        key = self.keys["ES256"]
        good = T.mint(key, self.good())
        cases = {
            "8 KiB + 1": T.oversized(key, self.good()),
            "two parts": T.wrong_parts(good, 2),
            "four parts": T.wrong_parts(good, 4),
            "non-canonical signature": T.non_canonical(good),
            "padded": T.non_canonical(good, padded=True),
            "non-canonical claims": T.non_canonical_payload(key, self.good()),
            "duplicate claim": T.duplicate_claim(key, self.good("a"), "sub", "b"),
            "duplicate header key": T.duplicate_header_key(key, self.good()),
            "not base64": "a.b.c",
        }
        for name, token in cases.items():
            with self.subTest(case=name):
                self.assert_refused(token, "malformed")
        # 8 KiB exactly is still a token (the limit is > 8 KiB).
        self.assert_accepted(T.oversized(key, self.good("big"), length=8192), "big")

    def test_claims(self):
        key = self.keys["RS384"]
        self.assert_refused(T.mint(key, self.good(exp_in=-3600)), "expired")
        self.assert_refused(T.mint(key, self.good(exp=None)), "malformed")
        self.assert_refused(T.mint(key, self.good(exp="tomorrow")), "malformed")
        now = int(time.time())
        self.assert_refused(T.mint(key, self.good(nbf=now + 3600)), "not_yet_valid")
        self.assert_refused(T.mint(key, self.good(iat=now + 3600)), "not_yet_valid")
        self.assert_refused(T.mint(key, T.claims(IDP, "someone-else", "x")), "wrong_audience")
        self.assert_refused(T.mint(key, T.claims(IDP, None, "x")), "wrong_audience")
        self.assert_refused(T.mint(key, T.claims("https://evil.example/", "api", "x")),
                            "wrong_issuer")
        self.assert_refused(T.mint(key, T.claims(IDP.rstrip("/"), "api", "x")), "wrong_issuer")
        self.assert_refused(T.mint(key, T.claims(IDP, "api", None)), "malformed")
        self.assert_refused(T.mint(key, T.claims(IDP, "api", "line\r\nX-Evil: 1")), "malformed")

    def test_a_tampered_token(self):
        key = self.keys["EdDSA"]
        header, payload, sig = T.mint(key, self.good("victim")).split(".")
        forged = T.b64url(json.dumps(self.good("admin")).encode())
        self.assert_refused("%s.%s.%s" % (header, forged, sig), "bad_signature")
        other = T.make_key("EdDSA", kid=key.kid)  # the right kid, another key
        self.assert_refused(T.mint(other, self.good()), "bad_signature")

    def test_unknown_kid(self):
        stranger = T.make_key("RS256")
        self.assert_refused(T.mint(stranger, self.good()), "unknown_kid")

    def test_no_secret_or_token_in_logs_or_metrics(self):
        token = T.mint(self.keys["RS256"], self.good("logged"))
        self.assert_accepted(token, "logged")
        self.assert_refused(T.mint(self.keys["RS256"], self.good(exp_in=-3600)), "expired")
        signature = token.split(".")[2]
        self.assertNotIn(signature, self.rp.log_text())
        self.assertNotIn(signature, self.rp.metrics_text())
        self.assertNotIn(self.hmac.secret.decode(), self.rp.log_text())
        line = self.rp.wait_log(lambda l: l.get("identity") == "jwt:logged")
        self.assertIsNotNone(line)


class JwksRotationTest(JwtTest):
    """The JWKS over time: rotation, outage, slowness, bad answers. One rampart per test, so
    the 30 s refetch limit of one test does not reach into the next."""

    def setUp(self):
        self.key_a = T.make_key("RS256", kid="key-a")
        self.key_b = T.make_key("ES256", kid="key-b")
        self.jwks = JwksServer(keys=[self.key_a])
        self.jwks.start()
        self.addCleanup(self.jwks.stop)
        self.up = Upstream()
        self.addCleanup(self.up.stop)

    def start(self, https=False, env=None, **issuer):
        cfg = base_config(self.up.port)
        cfg["store"] = "sqlite:rampart.db"
        entry = {"name": "idp", "issuer": IDP, "jwks_url": self.jwks.url,
                 "algorithms": ["RS256", "ES256"]}
        entry.update(issuer)
        cfg["auth"] = {"jwt": [entry]}
        cfg["routes"] = jwt_routes()
        self.rp = self.start_rampart(cfg, env=env)
        return self.rp

    def token(self, key, sub="u"):
        return T.mint(key, T.claims(IDP, None, sub))

    def test_a_new_kid_is_picked_up_on_first_use_and_a_removed_key_refused(self):
        self.start()
        self.assertTrue(self.jwks.wait_for_fetches(1, 5))
        token_a = self.token(self.key_a, "a")
        self.assert_accepted(token_a, "a")
        self.jwks.set_keys([self.key_b])  # rotation: a new key, the old one gone
        fetches = self.jwks.fetches
        self.assert_accepted(self.token(self.key_b, "b"), "b")  # waits for one refetch
        self.assertEqual(self.jwks.fetches, fetches + 1)
        # The old key left the set: its token, verified and cached before, is refused now.
        self.assert_refused(token_a, "unknown_kid")
        # And unknown kids do not make rampart refetch again within 30 s.
        for _ in range(5):
            self.assert_refused(self.token(T.make_key("RS256")), "unknown_kid")
        self.assertEqual(self.jwks.fetches, fetches + 1)
        self.assertEqual(self.jwks_fetches("ok"), 2)

    def test_the_last_good_set_survives_an_outage_and_bad_answers(self):
        self.start()
        self.assertTrue(self.jwks.wait_for_fetches(1, 5))
        token_a = self.token(self.key_a, "a")
        self.assert_accepted(token_a, "a")
        for mode, result in (("down", "failed"), ("oversized", "rejected"),
                             ("no_usable_keys", "rejected"), ("garbage", "rejected"),
                             ("redirect", "failed")):
            with self.subTest(mode=mode):
                fetches = self.jwks.fetches
                rp = self.start()  # a fresh instance: its first refetch is allowed at once
                self.assertTrue(self.jwks.wait_for_fetches(fetches + 1, 5))
                self.assert_accepted(token_a, "a", rp=rp)
                self.jwks.mode = mode
                try:
                    # An unknown kid asks for a refetch, which fails: refused, the set kept.
                    self.assert_refused(self.token(self.key_b), "unknown_kid", rp=rp)
                    self.assertEqual(self.jwks.fetches, fetches + 2)
                    self.assertEqual(self.jwks_fetches(result, rp=rp), 1)
                    self.assert_accepted(token_a, "a", rp=rp)
                    status, _, body = self.get("/health/ready", rp=rp)
                    self.assertEqual(status, 200, body)  # readiness never depends on JWKS
                    event = "jwks_fetch_failed" if result == "failed" else "jwks_rejected"
                    self.assertIsNotNone(rp.wait_log(lambda l: l.get("event") == event))
                finally:
                    self.jwks.mode = "ok"
                    rp.stop()
        self.assertEqual(self.jwks.redirect_fetches, 0)  # redirects are not followed

    def test_a_slow_jwks_holds_only_the_requests_that_need_it(self):
        self.jwks.slow_seconds = 2.5
        self.start()
        self.assertTrue(self.jwks.wait_for_fetches(1, 5))
        token_a = self.token(self.key_a, "a")
        self.assert_accepted(token_a, "a")
        self.jwks.set_keys([self.key_a, self.key_b])
        self.jwks.mode = "slow"
        results = {}

        def call(name, path, token):
            started = time.monotonic()
            status, _, body = self.get(path, T.bearer(token))
            results[name] = (status, time.monotonic() - started, body)

        token_b = self.token(self.key_b, "b")
        waiting = threading.Thread(target=call, args=("new-kid", "/echo/private", token_b))
        waiting.start()
        self.assertTrue(self.jwks.wait_for_fetches(2, 3))
        hasty = threading.Thread(target=call, args=("hasty", "/echo/hasty", token_b))
        hasty.start()
        # Meanwhile every other request is served at once.
        for _ in range(10):
            started = time.monotonic()
            self.assert_accepted(token_a, "a")
            status, _, _ = self.get("/health")
            self.assertEqual(status, 200)
            self.assertLess(time.monotonic() - started, 1.0)
        waiting.join(10)
        hasty.join(10)
        status, elapsed, body = results["new-kid"]
        self.assertEqual(status, 200, body)  # it waited for the refetch and got in
        self.assertGreater(elapsed, 1.5)
        status, elapsed, body = results["hasty"]
        self.assertEqual(status, 503, body)  # its route's policy deadline (1 s) came first
        self.assertEqual(json.loads(body)["code"], "policy_timeout")
        self.assertLess(elapsed, 2.0)

    def test_https_jwks_with_the_system_ca_store(self):
        self.jwks.stop()
        self.jwks = JwksServer(keys=[self.key_a], https=True)
        self.jwks.start()
        self.addCleanup(self.jwks.stop)
        self.start(env={"SSL_CERT_FILE": self.jwks.ca_file})
        self.assertTrue(self.jwks.wait_for_fetches(1, 5))
        self.assert_accepted(self.token(self.key_a, "tls"), "tls")
        self.assertEqual(self.jwks_fetches("ok"), 1)
        # Without the test's CA the server is not trusted: nothing is fetched, nothing passes.
        rp = self.start(env={"SSL_CERT_FILE": os.devnull})
        self.assertIsNotNone(rp.wait_log(lambda l: l.get("event") == "jwks_fetch_failed", 5))
        self.assert_refused(self.token(self.key_a, "tls"), "unknown_kid", rp=rp)
        self.assertGreaterEqual(self.jwks_fetches("failed", rp=rp), 1)


class JwtConfigTest(unittest.TestCase):
    """`rampart check` on auth.jwt: every rule with its key path."""

    def check(self, issuer, env="development", files=None):
        workdir = tempfile.mkdtemp(prefix="rampart-e2e-jwtcfg-")
        self.addCleanup(shutil.rmtree, workdir, True)
        for name, data in (files or {}).items():
            with open(os.path.join(workdir, name), "wb") as f:
                f.write(data)
        entry = {"name": "idp", "issuer": IDP}
        entry.update(issuer)
        cfg = base_config(9)
        cfg["env"] = env
        cfg["auth"] = {"jwt": [entry]}
        r = Rampart(cfg, start=False, workdir=workdir)
        p = subprocess.run([RAMPART_BIN, "check", "-c", r.config_path], cwd=workdir,
                           env=dict(os.environ, RAMPART_ADMIN_KEY=ADMIN_KEY),
                           capture_output=True, text=True, timeout=20)
        return p.returncode, p.stdout + p.stderr

    def assert_refused(self, issuer, key, words, **kw):
        code, out = self.check(issuer, **kw)
        self.assertEqual(code, 1, out)
        self.assertIn("auth.jwt[0]" + key, out)
        self.assertIn(words, out)
        self.assertRegex(out, r"rampart\.yaml:\d+:\d+: ")

    def test_valid_issuers_pass(self):
        code, out = self.check({"secret": "x" * 32, "algorithms": ["HS256"]})
        self.assertEqual(code, 0, out)
        code, out = self.check({"jwks_url": "https://idp.example.test/jwks.json",
                                "algorithms": ["RS256"]}, env="production")
        self.assertNotIn("auth.jwt", out)

    def test_rules(self):
        self.assert_refused({"secret": "x" * 31, "algorithms": ["HS256"]}, ".secret",
                            "at least 32 bytes")
        self.assert_refused({"secret": "x" * 32, "algorithms": ["none"]}, ".algorithms[0]",
                            "never accepted")
        self.assert_refused({"secret": "x" * 32, "algorithms": ["NONE"]}, ".algorithms[0]",
                            "never accepted")
        self.assert_refused({"secret": "x" * 32, "algorithms": ["RS256"]}, ".algorithms",
                            "does not fit")
        self.assert_refused({"secret": "x" * 32, "algorithms": ["HS512"]}, ".algorithms",
                            "does not fit")
        self.assert_refused({"jwks_url": "https://idp.example.test/j", "algorithms": ["HS256"]},
                            ".algorithms", "HMAC keys are secret")
        self.assert_refused({"secret": "x" * 32}, "", "needs algorithms")
        self.assert_refused({"algorithms": ["RS256"]}, "", "jwks_url, secret or public_key_file")
        self.assert_refused({"secret": "x" * 32, "jwks_url": "https://a.test/j",
                             "algorithms": ["HS256"]}, "", "exactly one")
        self.assert_refused({"jwks_url": "http://idp.example.test/j", "algorithms": ["RS256"]},
                            ".jwks_url", "https:// in production", env="production")
        self.assert_refused({"jwks_url": "https://user:pw@idp.example.test/j",
                             "algorithms": ["RS256"]}, ".jwks_url", "")
        self.assert_refused({"public_key_file": "missing.pem", "algorithms": ["RS256"]},
                            ".public_key_file", "cannot read")
        self.assert_refused({"public_key_file": "bad.pem", "algorithms": ["RS256"]},
                            ".public_key_file", "bad.pem",
                            files={"bad.pem": b"-----BEGIN PUBLIC KEY-----\nAAAA\n"})
        self.assert_refused({"secret": "x" * 32, "algorithms": ["HS256"], "leeway": "1h"},
                            ".leeway", "at most 5m")
        self.assert_refused({"secret": "x" * 32, "algorithms": ["HS256"], "tier_claim": "a..b"},
                            ".tier_claim", "claim name")
        self.assert_refused({"secret": "x" * 32, "algorithms": ["HS256"], "audience": ["x"]},
                            ".audience", "")


if __name__ == "__main__":
    unittest.main()
