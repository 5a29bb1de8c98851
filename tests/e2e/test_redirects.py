"""Redirects and absolute links of real backends behind rampart (issue 14 part 3): FastAPI on
uvicorn and Flask on gunicorn answer a client through rampart exactly as they answer it
directly under the client's Host — the trailing-slash redirect, an explicit redirect — with
rampart's default Location rewriting, with preserve_host, and across a /api/v1 -> /api rewrite.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

from harness import E2ETest, request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "peers"))
from wire import SYSTEM_PYTHON, _accepts, free_port, peer_missing  # noqa: E402

CLIENT_HOST = "api.example.com"


class Backend:
    def __init__(self, kind, extra_env=None, proxy_headers=False):
        self.port = free_port()
        self.workdir = tempfile.mkdtemp(prefix="rampart-redir-")
        if kind == "fastapi":
            argv = [SYSTEM_PYTHON, "-m", "uvicorn", "redirect_fastapi:app", "--host",
                    "127.0.0.1", "--port", str(self.port), "--log-level", "warning"]
            if proxy_headers:
                argv += ["--proxy-headers", "--forwarded-allow-ips", "127.0.0.1"]
        else:
            argv = [SYSTEM_PYTHON, "-m", "gunicorn", "-b", "127.0.0.1:%d" % self.port,
                    "--log-level", "warning", "redirect_flask:app"]
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", **(extra_env or {}))
        self.err = open(os.path.join(self.workdir, "err"), "wb")
        self.proc = subprocess.Popen(argv, cwd=os.path.join(HERE, "peers"), env=env,
                                     stdout=self.err, stderr=self.err)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and self.proc.poll() is None:
            if _accepts(self.port):
                return
            time.sleep(0.05)
        raise RuntimeError("%s did not start" % kind)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self.err.close()
        shutil.rmtree(self.workdir, ignore_errors=True)


def answer(port, path, host=CLIENT_HOST):
    status, headers, body = request(port, "GET", path, headers={"Host": host})
    return status, headers.get("location"), body


class RedirectsBase(E2ETest):
    KIND = None

    def setUp(self):
        if self.KIND is None:
            raise unittest.SkipTest("base class")
        reason = peer_missing(self.KIND)
        if reason:
            raise unittest.SkipTest(reason)

    def backend(self, **kw):
        b = Backend(self.KIND, **kw)
        self.addCleanup(b.stop)
        return b

    def rampart(self, backend, routes, **upstream):
        up = {"url": "http://127.0.0.1:%d" % backend.port, "connect_timeout": "1s",
              "timeout": "5s"}
        up.update(upstream)
        return self.start_rampart({
            "server": {"workers": 2, "header_timeout": "2s", "idle_timeout": "5s",
                       "drain_timeout": "5s"},
            "upstreams": {"app": up},
            "routes": routes,
        })

    def plain_routes(self, **extra):
        r = {"name": "api", "match": {"path_prefix": "/api/"}, "upstream": "app",
             "auth": "none"}
        r.update(extra)
        return [r]

    def same_as_direct(self, backend, rp, paths):
        for path in paths:
            direct = answer(backend.port, path)
            through = answer(rp.port, path)
            self.assertEqual(through[0], direct[0], path)
            self.assertEqual(through[1], direct[1], path)
            self.assertTrue(direct[1] is None or direct[1].startswith("http://" + CLIENT_HOST),
                            direct)

    def test_default_rewrite_gives_the_direct_redirects(self):
        b = self.backend()
        rp = self.rampart(b, self.plain_routes())
        # Without rampart's rewrite these would name 127.0.0.1:<port>.
        self.same_as_direct(b, rp, ["/api/folder", "/api/old"])
        status, location, _ = answer(rp.port, "/api/folder")
        self.assertIn(status, (307, 308))
        self.assertEqual(location, "http://%s/api/folder/" % CLIENT_HOST)

    def test_preserve_host_gives_the_direct_redirects_and_links(self):
        b = self.backend()
        rp = self.rampart(b, self.plain_routes(rewrite_redirects=False), preserve_host=True)
        self.same_as_direct(b, rp, ["/api/folder", "/api/old"])
        # Links in bodies are the backend's own: right only because it saw the client's Host.
        direct = answer(b.port, "/api/folder/")[2]
        through = answer(rp.port, "/api/folder/")[2]
        self.assertEqual(json.loads(through), json.loads(direct))
        self.assertEqual(json.loads(through)["link"], "http://%s/api/items/7" % CLIENT_HOST)

    def test_rewritten_prefix_comes_back_in_location(self):
        b = self.backend()
        rp = self.rampart(b, [{"name": "v1", "match": {"path_prefix": "/api/v1/"},
                               "upstream": "app", "auth": "none",
                               "rewrite": {"prefix": "/api/"}}])
        status, location, _ = answer(rp.port, "/api/v1/old")
        self.assertIn(status, (302, 307))
        self.assertEqual(location, "http://%s/api/v1/items/8" % CLIENT_HOST)
        status, location, _ = answer(rp.port, "/api/v1/folder")
        self.assertEqual(location, "http://%s/api/v1/folder/" % CLIENT_HOST)


class FastAPIRedirectsTest(RedirectsBase):
    KIND = "fastapi"

    def test_proxy_headers_settings(self):
        # The documented uvicorn settings: the backend believes rampart's X-Forwarded-*.
        b = self.backend(proxy_headers=True)
        rp = self.rampart(b, self.plain_routes(rewrite_redirects=False), preserve_host=True)
        self.same_as_direct(b, rp, ["/api/folder", "/api/old"])


class FlaskRedirectsTest(RedirectsBase):
    KIND = "flask"

    def test_proxy_fix_settings(self):
        # The documented ProxyFix: X-Forwarded-Host alone gives the client's host back, even
        # without preserve_host and without rampart's rewrite.
        b = self.backend(extra_env={"PROXY_FIX": "1"})
        rp = self.rampart(b, self.plain_routes(rewrite_redirects=False))
        status, location, _ = answer(rp.port, "/api/old")
        self.assertEqual(location, "http://%s/api/items/8" % CLIENT_HOST)
        status, location, _ = answer(rp.port, "/api/folder")
        self.assertEqual(status, 308)
        self.assertEqual(location, "http://%s/api/folder/" % CLIENT_HOST)


if __name__ == "__main__":
    unittest.main()
