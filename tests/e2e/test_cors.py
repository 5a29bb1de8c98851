"""CORS (SPEC §2 cors, §3 step 5; issue 12 part 2) on the real binary: preflights from listed
and unlisted origins, rampart owning every Access-Control-* field of a CORS route (an upstream
that answers `Access-Control-Allow-Origin: *` with credentials, behind rampart), Vary: Origin,
per-route override and `cors: off`, and the config rules (report 002's own check: an evil or
http origin in a production config fails `check`)."""

import json
import os
import shutil
import subprocess
import unittest

from harness import ADMIN_KEY, RAMPART_BIN, Rampart, SharedRampart, base_config, metric, request

APP = "https://app.example.com"


def cors_config(up_port):
    cfg = base_config(up_port)
    cfg["store"] = "sqlite:rampart.db"
    cfg["cors"] = {"origins": [APP, "http://localhost:5173"], "methods": ["GET", "POST"],
                   "headers": ["Authorization", "Content-Type"], "credentials": True,
                   "max_age": "10m"}
    cfg["routes"] = [
        {"name": "api", "match": {"path_prefix": "/echo/api", "methods": ["GET", "POST"]},
         "upstream": "app", "auth": "none"},
        {"name": "partner", "match": {"path_prefix": "/echo/partner"}, "upstream": "app",
         "auth": "none", "cors": {"origins": ["https://partner.example.org"]}},
        {"name": "plain", "match": {"path_prefix": "/echo/plain"}, "upstream": "app",
         "auth": "none", "cors": "off"},
        {"name": "leaky", "match": {"path_prefix": "/headers-bad"}, "upstream": "app",
         "auth": "none"},
        {"name": "open", "match": {"path_prefix": "/"}, "upstream": "app", "auth": "none"},
    ]
    return cfg


def acl(headers):
    return {k: v for k, v in headers.items() if k.startswith("access-control-")}


class CorsTest(SharedRampart):

    @classmethod
    def config(cls, up):
        return cors_config(up.port)

    def preflight(self, path, origin, method="POST", extra=None):
        headers = {"Origin": origin, "Access-Control-Request-Method": method}
        headers.update(extra or {})
        return request(self.rp.port, "OPTIONS", path, headers=headers)

    def test_preflight_from_a_listed_origin(self):
        for origin, expected in ((APP, APP), ("HTTPS://APP.example.com:443", APP),
                                 ("http://localhost:5173", "http://localhost:5173")):
            status, h, body = self.preflight("/echo/api/items", origin,
                                             extra={"Access-Control-Request-Headers":
                                                    "content-type"})
            self.assertEqual(status, 204, body)
            self.assertEqual(body, b"")
            self.assertEqual(h["access-control-allow-origin"], expected)
            self.assertEqual(h["access-control-allow-methods"], "GET, POST")
            self.assertEqual(h["access-control-allow-headers"], "Authorization, Content-Type")
            self.assertEqual(h["access-control-max-age"], "600")
            self.assertEqual(h["access-control-allow-credentials"], "true")
            self.assertIn("Origin", h.get("vary", ""))

    def test_preflight_from_any_other_origin_is_403_without_cors_fields(self):
        before = metric(self.rp.metrics(), "rampart_cors_refusals_total", route="api",
                        reason="origin_not_allowed") or 0
        for origin in ("https://evil.example", "https://app.example.com.evil.example",
                       "http://app.example.com", "https://app.example.com:8443", "null",
                       "https://app.example.com/path", "file://", "*"):
            status, h, body = self.preflight("/echo/api", origin)
            self.assert_problem(status, h, body, "origin_not_allowed", expect_status=403)
            self.assertEqual(acl(h), {}, origin)
        after = metric(self.rp.metrics(), "rampart_cors_refusals_total", route="api",
                       reason="origin_not_allowed")
        self.assertEqual(after - before, 8)

    def test_a_preflight_reaches_the_route_of_the_method_it_asks_about(self):
        # The route accepts GET and POST only; the preflight OPTIONS is not a 405.
        status, _, _ = self.preflight("/echo/api", APP, method="POST")
        self.assertEqual(status, 204)
        # A plain OPTIONS (no Access-Control-Request-Method) is an ordinary request: the route
        # "api" does not take it, the catch-all does, and the upstream answers it.
        status, h, body = request(self.rp.port, "OPTIONS", "/echo/api", headers={"Origin": APP})
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["method"], "OPTIONS")
        self.assertEqual(h["access-control-allow-origin"], APP)

    def test_simple_requests_get_fields_only_for_listed_origins(self):
        status, h, _ = request(self.rp.port, "GET", "/echo/api", headers={"Origin": APP})
        self.assertEqual(status, 200)
        self.assertEqual(h["access-control-allow-origin"], APP)
        self.assertEqual(h["access-control-allow-credentials"], "true")
        self.assertIn("Origin", h["vary"])
        status, h, _ = request(self.rp.port, "GET", "/echo/api",
                               headers={"Origin": "https://evil.example"})
        self.assertEqual(status, 200)  # answered, but the browser may not read it
        self.assertEqual(acl(h), {})
        self.assertIn("Origin", h["vary"])
        status, h, _ = request(self.rp.port, "GET", "/echo/api")
        self.assertEqual(acl(h), {})
        self.assertIn("Origin", h["vary"])
        # rampart's own answers carry them too, so a page can read its 404 or 429.
        status, h, _ = request(self.rp.port, "GET", "/echo/api/../x", headers={"Origin": APP})
        self.assertEqual(status, 400)

    def test_the_upstreams_own_cors_fields_never_reach_the_client(self):
        """An upstream answering ACAO: * (report 001/002), behind rampart."""
        status, h, _ = request(self.rp.port, "GET", "/headers-bad",
                               headers={"Origin": "https://evil.example"})
        self.assertEqual(status, 200)
        self.assertEqual(acl(h), {})
        status, h, _ = request(self.rp.port, "GET", "/headers-bad", headers={"Origin": APP})
        self.assertEqual(acl(h), {"access-control-allow-origin": APP,
                                  "access-control-allow-credentials": "true"})

    def test_route_override_and_off(self):
        status, h, _ = self.preflight("/echo/partner", "https://partner.example.org")
        self.assertEqual(status, 204)
        self.assertNotIn("access-control-allow-credentials", h)  # its own block: no credentials
        status, _, _ = self.preflight("/echo/partner", APP)
        self.assertEqual(status, 403)  # the global list does not apply there
        # cors: off: rampart does not look; the preflight goes to the upstream.
        status, h, _ = self.preflight("/echo/plain", "https://evil.example")
        self.assertEqual(status, 200)  # the upstream's echo of the OPTIONS
        self.assertEqual(acl(h), {})
        self.assertNotIn("Origin", h.get("vary", ""))


class CorsConfigTest(unittest.TestCase):

    def check(self, mutate, env="development"):
        r = Rampart(cors_config(9), start=False)
        self.addCleanup(shutil.rmtree, r.workdir, True)
        cfg = json.loads(json.dumps(r.config))
        cfg["env"] = env
        if env == "production":
            # production also wants no anonymous routes; these tests are about cors only
            for route in cfg["routes"]:
                route["public"] = True
        mutate(cfg)
        r.write_config(cfg)
        p = subprocess.run([RAMPART_BIN, "check", "-c", r.config_path], cwd=r.workdir,
                           env=dict(os.environ, RAMPART_ADMIN_KEY=ADMIN_KEY),
                           capture_output=True, text=True, timeout=20)
        return p.returncode, p.stdout + p.stderr

    def assert_refused(self, mutate, key, words, env="development"):
        code, out = self.check(mutate, env)
        self.assertEqual(code, 1, out)
        self.assertRegex(out, r"rampart\.yaml:\d+:\d+: " + key.replace("[", r"\[")
                         .replace("]", r"\]"))
        self.assertIn(words, out)

    def origins(self, *values):
        return lambda cfg: cfg["cors"].__setitem__("origins", list(values))

    def test_valid(self):
        code, out = self.check(lambda cfg: None)
        self.assertEqual(code, 0, out)

    def test_report_002_production_rules(self):
        self.assert_refused(self.origins("https://evil.example", "*"), "cors.origins[1]",
                            "refused in production", env="production")
        self.assert_refused(self.origins("http://app.example.com"), "cors.origins[0]",
                            "https:// in production", env="production")
        self.assert_refused(self.origins("null"), "cors.origins[0]", "sandboxed",
                            env="production")

    def test_rules(self):
        self.assert_refused(self.origins("*"), "cors.credentials", "cannot be true")
        self.assert_refused(self.origins("https://app.example.com/app"), "cors.origins[0]",
                            "must be an origin")
        self.assert_refused(self.origins("app.example.com"), "cors.origins[0]",
                            "must be an origin")
        self.assert_refused(self.origins(), "cors.origins", "at least one origin")
        self.assert_refused(lambda cfg: cfg["cors"].__setitem__("methods", ["GET POST"]),
                            "cors.methods[0]", "method name")
        self.assert_refused(lambda cfg: cfg["cors"].__setitem__("max_age", "2d"),
                            "cors.max_age", "at most 24h")
        self.assert_refused(lambda cfg: cfg["routes"][0].__setitem__("cors", "on"),
                            "routes[0].cors", "must be off")


if __name__ == "__main__":
    unittest.main()
