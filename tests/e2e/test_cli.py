"""The command line: check, version, serve with a bad config (SPEC §1, §2)."""

import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

from harness import ADMIN_KEY, RAMPART_BIN, E2ETest, free_port, port_accepts

GOOD = """\
server:
  listen: "127.0.0.1:{port}"
  workers: 1
admin:
  listen: "127.0.0.1:{admin_port}"
  api_key: "${{RAMPART_ADMIN_KEY}}"
log: {{level: info, file: "-"}}
upstreams:
  app: {{url: "http://127.0.0.1:9", timeout: 2s}}
routes:
  - name: api
    match: {{path_prefix: /}}
    upstream: app
    auth: none
"""


class CliTest(E2ETest):

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="rampart-cli-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.env = dict(os.environ)
        self.env["RAMPART_ADMIN_KEY"] = ADMIN_KEY
        self.env.pop("RAMPART_E2E_UNSET_VAR", None)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def good(self, **kw):
        return GOOD.format(port=kw.get("port", free_port()),
                           admin_port=kw.get("admin_port", free_port()))

    def run_cli(self, *args, timeout=20):
        return subprocess.run([RAMPART_BIN, *args], cwd=self.dir, env=self.env,
                              capture_output=True, text=True, timeout=timeout)

    def assert_bad(self, p, fname, line, key):
        msg = "exit %r\nstdout: %s\nstderr: %s" % (p.returncode, p.stdout, p.stderr)
        self.assertEqual(p.returncode, 1, msg)
        self.assertRegex(p.stderr, re.escape(fname) + r":%d:" % line, msg)
        self.assertIn(key, p.stderr, msg)
        self.assertNotEqual(p.stdout.strip(), "ok")

    def test_check_good(self):
        path = self.write("good.yaml", self.good())
        p = self.run_cli("check", "-c", path)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.strip(), "ok")

    def test_brief_example_config_is_valid(self):
        # the documented e2e config: health with only an interval (default timeout 2s)
        text = self.good().replace(
            'upstreams:\n  app: {url: "http://127.0.0.1:9", timeout: 2s}\n',
            'upstreams:\n  app: {url: "http://127.0.0.1:9", connect_timeout: 1s, timeout: 2s,'
            ' health: {path: /healthz, interval: 200ms}}\n')
        self.assertIn("interval: 200ms", text)
        path = self.write("example.yaml", text)
        p = self.run_cli("check", "-c", path)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.strip(), "ok")

    def test_check_default_file_name(self):
        self.write("rampart.yaml", self.good())
        p = self.run_cli("check")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.strip(), "ok")

    def test_unknown_key(self):
        text = self.good().replace("  workers: 1\n", "  workers: 1\n  idel_timeout: 5s\n")
        line = text.splitlines().index("  idel_timeout: 5s") + 1
        path = self.write("typo.yaml", text)
        self.assert_bad(self.run_cli("check", "-c", path), "typo.yaml", line, "idel_timeout")

    def test_short_admin_key(self):
        text = self.good().replace('"${RAMPART_ADMIN_KEY}"', '"too-short-key"')
        line = text.splitlines().index('  api_key: "too-short-key"') + 1
        path = self.write("shortkey.yaml", text)
        p = self.run_cli("check", "-c", path)
        self.assert_bad(p, "shortkey.yaml", line, "api_key")
        self.assertNotIn("too-short-key", p.stderr + p.stdout, "a config secret was printed")

    def test_admin_key_from_short_env(self):
        self.env["RAMPART_ADMIN_KEY"] = "short"
        path = self.write("shortenv.yaml", self.good())
        line = self.good().splitlines().index('  api_key: "${RAMPART_ADMIN_KEY}"') + 1
        self.assert_bad(self.run_cli("check", "-c", path), "shortenv.yaml", line, "api_key")

    def test_unknown_upstream(self):
        text = self.good().replace("    upstream: app\n", "    upstream: nope\n")
        line = text.splitlines().index("    upstream: nope") + 1
        path = self.write("upstream.yaml", text)
        p = self.run_cli("check", "-c", path)
        self.assert_bad(p, "upstream.yaml", line, "upstream")
        self.assertIn("nope", p.stderr)

    def test_unset_variable(self):
        text = self.good().replace('url: "http://127.0.0.1:9"',
                                   'url: "http://${RAMPART_E2E_UNSET_VAR}:9"')
        line = [i for i, l in enumerate(text.splitlines(), 1) if "UNSET_VAR" in l][0]
        path = self.write("unset.yaml", text)
        self.assert_bad(self.run_cli("check", "-c", path), "unset.yaml", line,
                        "RAMPART_E2E_UNSET_VAR")

    def test_nested_unknown_key(self):
        text = self.good().replace("    match: {path_prefix: /}\n",
                                   "    match:\n      path_prefx: /\n")
        line = text.splitlines().index("      path_prefx: /") + 1
        path = self.write("nested.yaml", text)
        self.assert_bad(self.run_cli("check", "-c", path), "nested.yaml", line, "path_prefx")

    def test_route_that_can_never_match(self):
        text = self.good() + ("  - name: shadowed\n    match: {path_prefix: /api}\n"
                              "    upstream: app\n    auth: none\n")
        line = text.splitlines().index("  - name: shadowed") + 1
        path = self.write("shadow.yaml", text)
        p = self.run_cli("check", "-c", path)
        self.assert_bad(p, "shadow.yaml", line, "routes[1]")

    def test_duplicate_keys_and_names(self):
        text = self.good().replace("  workers: 1\n", "  workers: 1\n  workers: 2\n")
        line = text.splitlines().index("  workers: 2") + 1
        path = self.write("dupkey.yaml", text)
        self.assert_bad(self.run_cli("check", "-c", path), "dupkey.yaml", line, "workers")
        text = self.good() + ("  - name: api\n    match: {path_prefix: /x}\n"
                              "    upstream: app\n    auth: none\n")
        path = self.write("dupname.yaml", text)
        p = self.run_cli("check", "-c", path)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("dupname.yaml:", p.stderr)
        self.assertIn("api", p.stderr)

    def test_every_problem_reported(self):
        text = self.good().replace("  workers: 1\n", "  workers: 1\n  idel_timeout: 5s\n")
        text = text.replace("    upstream: app\n", "    upstream: nope\n")
        path = self.write("two.yaml", text)
        p = self.run_cli("check", "-c", path)
        self.assertEqual(p.returncode, 1)
        self.assertIn("idel_timeout", p.stderr)
        self.assertIn("nope", p.stderr)
        problem_lines = [l for l in p.stderr.splitlines() if "two.yaml:" in l]
        self.assertGreaterEqual(len(problem_lines), 2, p.stderr)

    def test_bad_duration_and_size(self):
        text = self.good().replace("  workers: 1\n", "  workers: 1\n  idle_timeout: 5 parsecs\n")
        line = text.splitlines().index("  idle_timeout: 5 parsecs") + 1
        path = self.write("dur.yaml", text)
        self.assert_bad(self.run_cli("check", "-c", path), "dur.yaml", line, "idle_timeout")
        text = self.good().replace("  workers: 1\n", "  workers: 1\n  max_header_bytes: 4QB\n")
        line = text.splitlines().index("  max_header_bytes: 4QB") + 1
        path = self.write("size.yaml", text)
        self.assert_bad(self.run_cli("check", "-c", path), "size.yaml", line,
                        "max_header_bytes")

    def test_a_schema_that_cannot_be_used_is_refused(self):
        # body.schema naming a file that is not there must be refused, not served unchecked
        # (test_body.SchemaFileTest covers every other way a schema file is refused).
        text = self.good().replace("    upstream: app\n",
                                   "    upstream: app\n    body: {schema: s.json}\n", 1)
        self.assertIn("body: {schema: s.json}", text)
        path = self.write("schema.yaml", text)
        p = self.run_cli("check", "-c", path)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("schema.yaml:", p.stderr)
        self.assertIn(".body.schema: cannot read", p.stderr)
        self.write("s.json", '{"type": "object"}')
        p = self.run_cli("check", "-c", path)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_control_bytes_in_keys_are_escaped(self):
        # An unknown key with raw ESC and BEL (an OSC that retitles the terminal), and one
        # whose ESC and BEL come from YAML's own escapes in a quoted key.
        text = self.good().replace(
            "  workers: 1\n",
            "  workers: 1\n  \x1b]0;pwned\x07: 1\n  \"\\e[2J\\a\": 1\n")
        path = os.path.join(self.dir, "ctl.yaml")
        with open(path, "wb") as f:
            f.write(text.encode())
        p = subprocess.run([RAMPART_BIN, "check", "-c", path], cwd=self.dir, env=self.env,
                           capture_output=True, timeout=20)
        output = p.stdout + p.stderr
        self.assertEqual(p.returncode, 1, output)
        bad = sorted({b for b in output if (b < 0x20 and b != 0x0A) or b == 0x7F})
        self.assertEqual(bad, [], "control bytes reached the terminal: %r" % output)
        self.assertIn(b"server.\\x1b]0;pwned\\x07: unknown key", p.stderr)
        self.assertIn(b"server.\\x1b[2J\\x07: unknown key", p.stderr)

    def test_missing_file(self):
        p = self.run_cli("check", "-c", os.path.join(self.dir, "nope.yaml"))
        self.assertEqual(p.returncode, 1)
        self.assertIn("nope.yaml", p.stderr)

    def test_production_rejects_non_public_auth_none(self):
        path = self.write("prod.yaml", self.good())
        p = self.run_cli("check", "--env", "production", "-c", path)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("prod.yaml:", p.stderr)
        self.assertIn("auth", p.stderr)
        text = self.good().replace("    auth: none\n", "    auth: none\n    public: true\n")
        path = self.write("prodpublic.yaml", text)
        p = self.run_cli("check", "--env", "production", "-c", path)
        self.assertEqual(p.returncode, 0, p.stderr)
        # "ok" first (scripts read the first line), then the config's score (SPEC §9).
        self.assertEqual(p.stdout.splitlines()[0], "ok")
        self.assertIn("**Overall: ", p.stdout)
        self.assertIn("CFG-", p.stdout)
        # Not in development unless asked.
        p = self.run_cli("check", "-c", path)
        self.assertEqual(p.stdout.strip(), "ok")
        # env: production in the file is just as strict
        path = self.write("prodfile.yaml", "env: production\n" + self.good())
        p = self.run_cli("check", "-c", path)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)

    def test_version(self):
        p = self.run_cli("version")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(p.stdout.startswith("rampart "), p.stdout)

    def test_unknown_command_and_argument(self):
        p = self.run_cli("frobnicate")
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertTrue(p.stderr.strip())
        p = self.run_cli("check", "--no-such-flag")
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        p = self.run_cli()
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertTrue(p.stderr.strip())

    def test_serve_bad_config_exits_1_without_listening(self):
        port, admin_port = free_port(), free_port()
        text = self.good(port=port, admin_port=admin_port).replace(
            "    upstream: app\n", "    upstream: nope\n")
        path = self.write("badserve.yaml", text)
        proc = subprocess.Popen([RAMPART_BIN, "serve", "-c", path], cwd=self.dir, env=self.env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        listened = False
        deadline = time.monotonic() + 10
        while proc.poll() is None and time.monotonic() < deadline:
            listened = listened or port_accepts(port, 0.1) or port_accepts(admin_port, 0.1)
            time.sleep(0.02)
        try:
            out, err = proc.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate(timeout=5)
            self.fail("serve with a bad config kept running")
        self.assertEqual(proc.returncode, 1, err)
        self.assertIn("badserve.yaml:", err)
        self.assertFalse(listened, "serve listened despite a bad config")


if __name__ == "__main__":
    unittest.main()
