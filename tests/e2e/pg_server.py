"""A throwaway PostgreSQL server for the e2e suite, the Python twin of
tests/unit/store/postgres_server.hpp: `initdb` into a temporary directory, started with `pg_ctl`
on 127.0.0.1 and a free port (fsync off), a `rampart` superuser with a random password checked
by scram over TCP, stopped and deleted at the end.

PostgreSQL refuses to run as root, and the tests run as root in CI: then initdb, pg_ctl and
psql run as the `postgres` user (or `nobody`) in a directory that user owns.

    server, reason = PgServer.start()     # (None, "why") when it cannot run here
    url = server.url(server.create_database("rampart_e2e"))
    server.stop_fast(); server.restart()  # an outage, and the end of it
    server.destroy()

A watchdog child (in a session of its own) stops the server and deletes the directory when the
test process dies without calling destroy(), even by SIGKILL.
"""

import glob
import os
import pwd
import secrets
import signal
import shutil
import socket
import string
import subprocess
import tempfile
import time

START_BUDGET = 30.0  # seconds: everything up within this, or a skip that says why


def find_bin():
    """The directory holding initdb and pg_ctl: $RAMPART_PG_BIN alone when set, else PATH,
    then /usr/lib/postgresql/*/bin, the newest first. None when there is none."""
    def usable(d):
        return all(os.access(os.path.join(d, p), os.X_OK) for p in ("initdb", "pg_ctl"))

    chosen = os.environ.get("RAMPART_PG_BIN")
    if chosen:
        return chosen if usable(chosen) else None
    for d in os.environ.get("PATH", "").split(os.pathsep):
        if d and usable(d):
            return d
    versions = [d for d in glob.glob("/usr/lib/postgresql/*/bin") if usable(d)]

    def major(d):
        try:
            return int(os.path.basename(os.path.dirname(d)).split(".")[0])
        except ValueError:
            return 0
    versions.sort(key=major, reverse=True)
    return versions[0] if versions else None


def _tool(bin_dir, name):
    """A client program (psql) next to initdb, else on PATH."""
    here = os.path.join(bin_dir, name)
    if os.access(here, os.X_OK):
        return here
    return shutil.which(name)


def _unprivileged_user():
    """(pwd entry or None for ourselves, reason)."""
    if os.geteuid() != 0:
        return None, ""
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name), ""
        except KeyError:
            continue
    return False, "running as root and there is neither a postgres nor a nobody user"


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path, n=5):
    try:
        with open(path, "rb") as f:
            lines = [l for l in f.read().decode("utf-8", "replace").splitlines() if l.strip()]
    except OSError:
        return "no output"
    return " | ".join(lines[-n:]) or "no output"


class PgServer:

    def __init__(self):
        self.bin = None
        self.who = None       # pwd entry of the user the server runs as, None for ourselves
        self.dir = None
        self.port = 0
        self.password = "pw" + "".join(secrets.choice(string.ascii_lowercase + string.digits)
                                       for _ in range(24))
        self.running = False
        self._watchdog = None

    # -- start ----------------------------------------------------------------------------
    @classmethod
    def start(cls):
        """(server, "") or (None, reason). Never raises for an environment problem."""
        server = cls()
        try:
            reason = server._start(time.monotonic() + START_BUDGET)
        except Exception as e:  # noqa: BLE001 - any surprise is a reason to skip, said aloud
            reason = "starting PostgreSQL raised %s: %s" % (type(e).__name__, e)
        if reason:
            server.destroy()
            return None, reason
        return server, ""

    def _start(self, deadline):
        self.bin = find_bin()
        if not self.bin:
            return ("PostgreSQL is not installed (no initdb and pg_ctl in $RAMPART_PG_BIN, on "
                    "PATH or in /usr/lib/postgresql/*/bin)")
        if not _tool(self.bin, "psql"):
            return "PostgreSQL's psql is not installed"
        who, reason = _unprivileged_user()
        if who is False:
            return reason
        self.who = who
        self.dir = os.path.realpath(tempfile.mkdtemp(prefix="rampart-pg-"))
        if self.who:
            os.chown(self.dir, self.who.pw_uid, self.who.pw_gid)
        pwfile = os.path.join(self.dir, "pwfile")
        with open(pwfile, "w") as f:
            f.write(self.password + "\n")
        if self.who:
            os.chown(pwfile, self.who.pw_uid, self.who.pw_gid)
        # Password (scram) over TCP, so that a wrong password is refused; trust on the socket
        # for psql's set-up work. No fsync: the data is thrown away anyway.
        rc = self._run([os.path.join(self.bin, "initdb"), "-D", self.data, "-U", "rampart",
                        "--pwfile=" + pwfile, "--auth-local=trust",
                        "--auth-host=scram-sha-256", "--no-sync", "--locale=C",
                        "--encoding=UTF8"], "initdb.log", deadline)
        os.unlink(pwfile)
        if rc != 0:
            return "initdb (as %s) %s: %s" % (
                self.user_name, "did not finish in time" if rc is None else "failed",
                _tail(os.path.join(self.dir, "initdb.log")))
        self._start_watchdog()
        reason = ""
        for _ in range(3):  # a port taken between _free_port() and bind: another one
            self.port = _free_port()
            reason = self._launch(deadline)
            if not reason:
                return ""
        return reason

    @property
    def data(self):
        return os.path.join(self.dir, "data")

    @property
    def user_name(self):
        return self.who.pw_name if self.who else "self"

    def _run(self, argv, log, deadline, stdin=None):
        """Runs argv as the server's user with output appended to dir/log; the exit status,
        or None when it did not finish by the deadline (then it is killed)."""
        kw = {}
        if self.who:
            kw = dict(user=self.who.pw_uid, group=self.who.pw_gid, extra_groups=[])
        with open(os.path.join(self.dir, log), "ab") as out:
            proc = subprocess.Popen(argv, cwd=self.dir, stdout=out, stderr=out,
                                    stdin=subprocess.PIPE if stdin is not None else
                                    subprocess.DEVNULL,
                                    env={"PATH": "/usr/local/bin:/usr/bin:/bin", "LC_ALL": "C"},
                                    **kw)
            try:
                proc.communicate(stdin, timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                return None
        return proc.returncode

    def _launch(self, deadline):
        left = int(deadline - time.monotonic())
        if left < 1:
            return "PostgreSQL did not start within %d s: %s" % (
                START_BUDGET, _tail(os.path.join(self.dir, "server.log")))
        options = ("-p %d -k '%s' -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off" % (self.port, self.dir))
        rc = self._run([os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-l",
                        os.path.join(self.dir, "server.log"), "-w", "-t", str(left),
                        "-o", options, "start"], "pg_ctl.log", deadline)
        if rc == 0 and self.psql("postgres", "SELECT 1", deadline=deadline) == "":
            self.running = True
            return ""
        self._stop("immediate")
        return "PostgreSQL (as %s) did not start: %s (pg_ctl: %s)" % (
            self.user_name, _tail(os.path.join(self.dir, "server.log")),
            _tail(os.path.join(self.dir, "pg_ctl.log"), 2))

    def _start_watchdog(self):
        """A child in its own session that waits for the end of a pipe only we hold, then
        stops the server and deletes the directory (after a crash of the test process)."""
        script = ('read _; "$0" -D "$1" -m immediate -w stop >/dev/null 2>&1; rm -rf "$2"')
        kw = {}
        if self.who:
            kw = dict(user=self.who.pw_uid, group=self.who.pw_gid, extra_groups=[])
        self._watchdog = subprocess.Popen(
            ["/bin/sh", "-c", script, os.path.join(self.bin, "pg_ctl"), self.data, self.dir],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            cwd="/", start_new_session=True, **kw)

    # -- use ------------------------------------------------------------------------------
    def url(self, database, password=None):
        """postgresql://rampart:<password>@127.0.0.1:<port>/<database>"""
        return "postgresql://rampart:%s@127.0.0.1:%d/%s" % (
            self.password if password is None else password, self.port, database)

    def psql(self, database, sql, deadline=None):
        """Runs SQL as the superuser over the server's socket; "" or the error output."""
        deadline = deadline or time.monotonic() + 10
        log = os.path.join(self.dir, "psql.log")
        open(log, "wb").close()
        rc = self._run([_tool(self.bin, "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1",
                        "-h", self.dir, "-p", str(self.port), "-U", "rampart", "-d", database,
                        "-c", sql], "psql.log", deadline)
        return "" if rc == 0 else ("psql exit %r: %s" % (rc, _tail(log)))

    def create_database(self, name):
        error = self.psql("postgres", "CREATE DATABASE %s" % name)
        if error:
            raise RuntimeError("CREATE DATABASE %s: %s" % (name, error))
        return name

    def log_tail(self, n=5):
        return _tail(os.path.join(self.dir, "server.log"), n) if self.dir else "no server"

    # -- outages and the end --------------------------------------------------------------
    def _stop(self, mode):
        if not self.dir or not os.path.isdir(self.data):
            return None
        rc = self._run([os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-m", mode, "-w",
                        "-t", "10", "stop"], "pg_ctl.log", time.monotonic() + 15)
        self.running = False
        return rc

    def stop_fast(self):
        """`pg_ctl stop -m fast`: an outage of the store. True when it stopped."""
        return self._stop("fast") == 0

    def _processes(self):
        """The postmaster's pid (first line of postmaster.pid) and its children's."""
        with open(os.path.join(self.data, "postmaster.pid")) as f:
            main = int(f.readline())
        pids = [main]
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open("/proc/%s/stat" % entry) as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == main:
                    pids.append(int(entry))
        return pids

    def freeze(self):
        """SIGSTOP to the server and its backends: a store that hangs (the kernel still
        accepts and ACKs, nothing answers), unlike a stopped one that refuses."""
        for pid in self._processes():
            os.kill(pid, signal.SIGSTOP)

    def thaw(self):
        for pid in self._processes():
            os.kill(pid, signal.SIGCONT)

    def restart(self, timeout=20.0):
        """Starts the stopped server again on the same port; "" or the reason it did not."""
        if self.running:
            return ""
        return self._launch(time.monotonic() + timeout)

    def destroy(self):
        if self.dir and self.running:
            self._stop("immediate")
        if self._watchdog is not None:
            try:
                self._watchdog.stdin.close()  # nothing left for it to stop: it exits
                self._watchdog.wait(15)
            except (OSError, subprocess.TimeoutExpired):
                self._watchdog.kill()
            self._watchdog = None
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None
