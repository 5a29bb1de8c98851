"""`rampart users add|list|remove` (SPEC §1, docs/admin-users.md): the real binary on a
temporary SQLite store. The password goes in on stdin and must never come back out."""

import ctypes
import ctypes.util
import json
import os
import pty
import re
import select
import shutil
import sqlite3
import subprocess
import tempfile
import time
import unittest

from harness import ADMIN_KEY, RAMPART_BIN, E2ETest, free_port

CONFIG = """\
server:
  listen: "127.0.0.1:{port}"
  workers: 1
admin:
  listen: "127.0.0.1:{admin_port}"
  api_key: "${{RAMPART_ADMIN_KEY}}"
log: {{level: info, file: "-"}}
store: "sqlite:{db}"
upstreams:
  app: {{url: "http://127.0.0.1:9", timeout: 2s}}
routes:
  - name: api
    match: {{path_prefix: /}}
    upstream: app
    auth: none
"""

RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
PASSWORD = "e2e-pw-" + os.urandom(12).hex()


def _libargon2():
    name = ctypes.util.find_library("argon2")
    if not name:
        return None
    lib = ctypes.CDLL(name)
    lib.argon2id_verify.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t]
    lib.argon2id_verify.restype = ctypes.c_int
    return lib


LIBARGON2 = _libargon2()


def verifies(password, encoded):
    """libargon2's own verdict on a stored hash (the library the binary links)."""
    return LIBARGON2.argon2id_verify(encoded.encode(), password, len(password)) == 0


class UsersTest(E2ETest):

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="rampart-users-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.db = os.path.join(self.dir, "rampart.db")
        self.config = os.path.join(self.dir, "rampart.yaml")
        with open(self.config, "w") as f:
            f.write(CONFIG.format(port=free_port(), admin_port=free_port(), db=self.db))
        self.env = dict(os.environ)
        self.env["RAMPART_ADMIN_KEY"] = ADMIN_KEY
        self.outputs = []  # every stdout and stderr, to look for the password in

    def users(self, *args, stdin=b""):
        p = subprocess.run([RAMPART_BIN, "users", *args, "-c", self.config], cwd=self.dir,
                           env=self.env, input=stdin, capture_output=True, timeout=30)
        p.out = p.stdout.decode("utf-8", "replace")
        p.err = p.stderr.decode("utf-8", "replace")
        self.outputs += [p.stdout, p.stderr]
        return p

    def add(self, name, password=PASSWORD.encode() + b"\n"):
        return self.users("add", name, stdin=password)

    def explain(self, p):
        return "exit %r\nstdout: %s\nstderr: %s" % (p.returncode, p.out, p.err)

    def assert_user_error(self, p, *words):
        self.assertEqual(p.returncode, 1, self.explain(p))
        lines = p.err.strip().splitlines()
        self.assertEqual(len(lines), 1, self.explain(p))
        for word in words:
            self.assertIn(word, lines[0], self.explain(p))

    def stored_hash(self, name=None):
        """The argon2id hash in the store row that holds `name` (any user's when None), found
        without knowing the schema; None when there is none."""
        db = sqlite3.connect(self.db)
        try:
            tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
            for table in tables:
                for row in db.execute('SELECT * FROM "%s"' % table):
                    hashes = [v for v in row if isinstance(v, str) and v.startswith("$argon2id$")]
                    if hashes and (name is None or name in row):
                        return hashes[0]
        finally:
            db.close()
        return None

    def assert_stored_password(self, name, password, not_passwords=()):
        if LIBARGON2 is None:
            self.skipTest("libargon2 not found for ctypes")
        stored = self.stored_hash(name)
        self.assertIsNotNone(stored, "no hash stored for %s" % name)
        self.assertTrue(verifies(password, stored), (name, password[:40]))
        for other in not_passwords:
            self.assertFalse(verifies(other, stored), (name, other[:40]))

    def assert_password_never_shown(self, password=PASSWORD.encode()):
        stored = self.stored_hash()
        for text in self.outputs:
            self.assertNotIn(password, text)
            self.assertNotIn(b"$argon2", text)
            if stored:
                self.assertNotIn(stored.encode(), text)

    def test_add_list_remove(self):
        p = self.add("alice")
        self.assertEqual(p.returncode, 0, self.explain(p))
        self.assertIn("alice", p.err)

        p = self.users("list")
        self.assertEqual(p.returncode, 0, self.explain(p))
        rows = [line.split() for line in p.out.strip().splitlines()]
        self.assertEqual(rows[0], ["name", "created"], p.out)
        self.assertEqual([r[0] for r in rows[1:]], ["alice"], p.out)
        self.assertRegex(rows[1][1], RFC3339_UTC)

        p = self.users("list", "--json")
        self.assertEqual(p.returncode, 0, self.explain(p))
        doc = json.loads(p.out)
        self.assertEqual([u["name"] for u in doc], ["alice"])
        self.assertEqual(set(doc[0]), {"name", "created"})
        self.assertRegex(doc[0]["created"], RFC3339_UTC)

        self.assert_user_error(self.add("alice", b"another password\n"), "alice", "exists")

        p = self.users("remove", "alice")
        self.assertEqual(p.returncode, 0, self.explain(p))
        self.assertEqual(json.loads(self.users("list", "--json").out), [])
        self.assert_user_error(self.users("remove", "alice"), "no user", "alice")
        self.assert_password_never_shown()

    def test_hash_is_argon2id_of_the_whole_line(self):
        self.assertEqual(self.add("alice").returncode, 0)
        stored = self.stored_hash()
        self.assertIsNotNone(stored, "no argon2id hash in the store")
        self.assertTrue(stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$"), stored)
        self.assertNotIn(PASSWORD, stored)
        self.assert_password_never_shown()

    def test_password_without_newline_and_with_crlf(self):
        pw = PASSWORD.encode()
        for name, stdin in (("newline", pw + b"\n"), ("no-newline", pw), ("crlf", pw + b"\r\n"),
                            ("two-lines", pw + b"\nignored second line\n")):
            with self.subTest(name):
                p = self.add(name, stdin)
                self.assertEqual(p.returncode, 0, self.explain(p))
                self.assert_stored_password(
                    name, pw, [pw + b"\n", pw + b"\r", pw + b"\nignored second line", pw[:-1]])
        self.assertEqual(len(json.loads(self.users("list", "--json").out)), 4)
        self.assert_password_never_shown()

    def test_long_password_with_any_bytes(self):
        password = bytes(range(1, 10)) + bytes(range(11, 256)) + b"x" * 3000  # no \n inside
        p = self.add("bytes", password + b"\n")
        self.assertEqual(p.returncode, 0, self.explain(p))
        # the whole of it counts: no cut at 72 bytes (bcrypt) or at a NUL-free prefix
        self.assert_stored_password("bytes", password, [password[:72], password[:-1]])
        self.assert_password_never_shown(password)

    def test_nul_bytes_count(self):
        password = b"abc\x00def"
        self.assertEqual(self.add("nul", password + b"\n").returncode, 0)
        self.assert_stored_password("nul", password, [b"abc", b"abc\x00dex"])

    def test_bad_passwords_refused(self):
        self.assert_user_error(self.add("alice", b""), "password", "empty")
        self.assert_user_error(self.add("alice", b"\n"), "password", "empty")
        self.assert_user_error(self.add("alice", b"\r\n"), "password", "empty")
        too_long = b"p" * 4097
        self.assert_user_error(self.add("alice", too_long + b"\n"), "longer than 4096 bytes")
        self.assert_user_error(self.add("alice", b"q" * 1000000), "longer than 4096 bytes")
        self.assertEqual(json.loads(self.users("list", "--json").out), [])
        self.assertEqual(self.add("alice", b"p" * 4096).returncode, 0)
        self.assert_stored_password("alice", b"p" * 4096, [b"p" * 4095])
        for text in self.outputs:
            self.assertNotIn(b"ppppppppp", text)
            self.assertNotIn(b"qqqqqqqqq", text)

    def test_bad_names_refused(self):
        for name in ("a" * 65, "with space", "semi;colon", "slash/", "ümlaut", "tab\tname",
                     "esc\x1b[31mred", "quote\"d", "new\nline"):
            with self.subTest(repr(name)):
                p = self.add(name)
                self.assert_user_error(p, "not a valid user name", "A-Z a-z 0-9 . _ -")
                self.assertNotIn("\x1b", p.err)
        self.assertEqual(self.add("a" * 64).returncode, 0)
        self.assertEqual(self.add("A.b_c-9").returncode, 0)
        names = [u["name"] for u in json.loads(self.users("list", "--json").out)]
        self.assertEqual(sorted(names), sorted(["a" * 64, "A.b_c-9"]))
        self.assert_password_never_shown()

    def on_terminal(self, name, answers):
        """`users add NAME` with a pty as stdin, stdout and stderr: types each answer after the
        prompt it waits for. Returns (exit status, everything the terminal showed)."""
        master, slave = pty.openpty()
        proc = subprocess.Popen([RAMPART_BIN, "users", "add", name, "-c", self.config],
                                stdin=slave, stdout=slave, stderr=slave, cwd=self.dir,
                                env=self.env)
        os.close(slave)
        shown = b""

        def read_until(marker, deadline):
            nonlocal shown
            while marker not in shown and time.monotonic() < deadline:
                ready, _, _ = select.select([master], [], [], 0.1)
                if ready:
                    try:
                        chunk = os.read(master, 4096)
                    except OSError:  # EIO: the process has gone
                        return
                    if not chunk:
                        return
                    shown += chunk

        try:
            deadline = time.monotonic() + 20
            for prompt, answer in answers:
                read_until(prompt, deadline)
                self.assertIn(prompt, shown)
                os.write(master, answer)
            status = proc.wait(timeout=20)
            read_until(b"\0never", time.monotonic() + 0.5)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            os.close(master)
        self.outputs.append(shown)
        return status, shown.decode("utf-8", "replace")

    def test_terminal_prompts_twice_without_echo(self):
        pw = PASSWORD.encode()
        status, shown = self.on_terminal(
            "tty", [(b"Password for tty: ", pw + b"\n"), (b"Password again: ", pw + b"\n")])
        self.assertEqual(status, 0, shown)
        self.assertIn("added user", shown)
        self.assert_stored_password("tty", pw)
        self.assert_password_never_shown()  # nothing echoed on the terminal either

    def test_terminal_entries_that_differ_are_refused(self):
        pw = PASSWORD.encode()
        status, shown = self.on_terminal(
            "tty", [(b"Password for tty: ", pw + b"\n"), (b"Password again: ", pw + b"x\n")])
        self.assertEqual(status, 1, shown)
        self.assertIn("the two passwords differ", shown)
        self.assertEqual(json.loads(self.users("list", "--json").out), [])
        self.assert_password_never_shown()

    def test_list_empty_store(self):
        p = self.users("list", "--json")
        self.assertEqual(p.returncode, 0, self.explain(p))
        self.assertEqual(json.loads(p.out), [])
        p = self.users("list")
        self.assertEqual(p.returncode, 0, self.explain(p))
        self.assertEqual(p.out.split(), ["name", "created"])

    def test_bad_config_is_a_user_error(self):
        with open(self.config, "a") as f:
            f.write("no_such_key: 1\n")
        p = self.add("alice")
        self.assertEqual(p.returncode, 1, self.explain(p))
        self.assertIn("no_such_key", p.err)
        self.assertFalse(os.path.exists(self.db) and self.stored_hash())


if __name__ == "__main__":
    unittest.main()
