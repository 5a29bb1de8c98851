"""Raw HTTP/1.1 on sockets for the smuggling and differential tests (stdlib only).

RawClient  one client connection: send bytes, read N complete responses (with their exact
           status line and header fields), tell whether the server closed the connection.
RawUpstream  a tiny threaded upstream that records every request exactly as it arrived on the
           wire (head bytes and raw body bytes, chunk lines included) and answers by path.
Peer       a recording upstream of tests/e2e/peers/ started as a subprocess on a free port.
Plus helpers to build chunked bodies and read the chunk lines of a raw body.
"""

import json
import os
import socket
import subprocess
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))


# ---------------------------------------------------------------------------------------
# Responses


class Response:
    def __init__(self, version, status, reason, fields, body, head):
        self.version = version
        self.status = status
        self.reason = reason
        self.fields = fields  # [(name, value)] in order, as received
        self.body = body
        self.head = head      # the raw head bytes (status line and fields)

    def all(self, name):
        name = name.lower()
        return [v for k, v in self.fields if k.lower() == name]

    def get(self, name, default=None):
        values = self.all(name)
        return ", ".join(values) if values else default

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return "<Response %s %r %r body=%r>" % (self.status, self.reason, self.fields,
                                                 self.body[:200])


class Incomplete(Exception):
    pass


def parse_response(buf, head_request=False, eof=False):
    """Parses one response at the start of buf: (Response, bytes consumed). Raises Incomplete
    when more bytes are needed, ValueError when the bytes are not HTTP."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        if eof:
            raise ValueError("no complete response head in %r" % buf[:300])
        raise Incomplete()
    head = buf[:end]
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/"):
        raise ValueError("bad status line %r" % lines[0])
    version, status = parts[0], int(parts[1])
    reason = parts[2] if len(parts) > 2 else ""
    fields = []
    for line in lines[1:]:
        k, _, v = line.partition(":")
        fields.append((k, v.strip(" \t")))
    pos = end + 4
    resp = Response(version, status, reason, fields, b"", head)
    if head_request or status < 200 or status in (204, 304):
        return resp, pos
    te = ",".join(resp.all("transfer-encoding")).lower()
    if "chunked" in te:
        body = bytearray()
        while True:
            nl = buf.find(b"\r\n", pos)
            if nl < 0:
                raise Incomplete() if not eof else ValueError("cut chunked body")
            size = int(buf[pos:nl].split(b";")[0].strip(), 16)
            pos = nl + 2
            if size == 0:
                while True:  # trailer fields, then the empty line
                    nl = buf.find(b"\r\n", pos)
                    if nl < 0:
                        raise Incomplete() if not eof else ValueError("cut trailers")
                    line, pos = buf[pos:nl], nl + 2
                    if not line:
                        resp.body = bytes(body)
                        return resp, pos
            if len(buf) < pos + size + 2:
                raise Incomplete() if not eof else ValueError("cut chunk")
            body += buf[pos:pos + size]
            pos += size + 2
    cl = resp.all("content-length")
    if cl:
        n = int(cl[0])
        if len(buf) < pos + n:
            raise Incomplete() if not eof else ValueError("cut body")
        resp.body = buf[pos:pos + n]
        return resp, pos + n
    if not eof:  # close-delimited
        raise Incomplete()
    resp.body = buf[pos:]
    return resp, len(buf)


class RawClient:
    """One raw client connection. Every wait is bounded."""

    def __init__(self, port, timeout=5.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.eof = False
        self.reset = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes a sendall blocked in another thread
        except OSError:
            pass
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data):
        """Sends data; False when the server had already closed (the rest is not sent)."""
        try:
            self.sock.sendall(data)
            return True
        except OSError:
            return False

    def _fill(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0 or self.eof:
            return False
        self.sock.settimeout(left)
        try:
            b = self.sock.recv(262144)
        except socket.timeout:
            return False
        except ConnectionResetError:
            self.eof = self.reset = True
            return True
        except OSError:
            self.eof = True
            return True
        if not b:
            self.eof = True
        self.buf += b
        return True

    def read_response(self, timeout=5.0, head_request=False, skip_interim=True):
        """The next complete response, or None at the deadline / at a close before one."""
        deadline = time.monotonic() + timeout
        while True:
            if self.buf:
                try:
                    resp, used = parse_response(self.buf, head_request, self.eof)
                except Incomplete:
                    resp = None
                if resp is not None:
                    self.buf = self.buf[used:]
                    if skip_interim and 100 <= resp.status < 200:
                        continue
                    return resp
            if self.eof and not self.buf:
                return None
            if not self._fill(deadline):
                return None

    def read_responses(self, n, timeout=5.0, head_flags=None):
        """Up to n responses (fewer when the server closes or the time is up)."""
        deadline = time.monotonic() + timeout
        out = []
        for i in range(n):
            head = bool(head_flags and i < len(head_flags) and head_flags[i])
            r = self.read_response(max(0.0, deadline - time.monotonic()), head)
            if r is None:
                break
            out.append(r)
        return out

    def closed_within(self, timeout=2.0):
        """Whether the server closes the connection within timeout (bytes read meanwhile
        stay in self.buf)."""
        deadline = time.monotonic() + timeout
        while not self.eof:
            if not self._fill(deadline):
                break
        return self.eof


def exchange(port, data, responses=1, timeout=5.0, head_flags=None):
    """Sends data on a new connection and reads up to `responses` responses."""
    with RawClient(port, timeout) as c:
        c.send(data)
        return c.read_responses(responses, timeout, head_flags)


# ---------------------------------------------------------------------------------------
# Chunked bodies


def chunked(body, piece=4096, ext=b"", trailers=b""):
    """body in chunks of `piece` bytes, each size line followed by ext (e.g. b';a=b'), then
    the last chunk, the trailer fields (each ending in CRLF) and the final CRLF."""
    out = bytearray()
    for i in range(0, len(body), piece):
        part = body[i:i + piece]
        out += b"%x%s\r\n%s\r\n" % (len(part), ext, part)
    out += b"0%s\r\n%s\r\n" % (ext, trailers)
    return bytes(out)


def chunk_lines(raw):
    """Reads a raw chunked body: (list of size lines, decoded body, list of trailer lines,
    bytes after the body)."""
    lines, body, pos = [], bytearray(), 0
    while True:
        nl = raw.index(b"\r\n", pos)
        line = raw[pos:nl]
        lines.append(line)
        size = int(line.split(b";")[0].strip(), 16)
        pos = nl + 2
        if size == 0:
            trailers = []
            while True:
                nl = raw.index(b"\r\n", pos)
                t, pos = raw[pos:nl], nl + 2
                if not t:
                    return lines, bytes(body), trailers, raw[pos:]
                trailers.append(t)
        body += raw[pos:pos + size]
        if raw[pos + size:pos + size + 2] != b"\r\n":
            raise ValueError("no CRLF after chunk")
        pos += size + 2


# ---------------------------------------------------------------------------------------
# A raw upstream


class RawUpstream:
    """A threaded socket upstream that records each request as received:
    {"head": bytes, "fields": [(name, value)], "method", "target", "body_raw": bytes}.
    responses: {path: bytes to send back}; any other path gets a 200 "ok". Keep-alive."""

    DEFAULT = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"

    def __init__(self, responses=None):
        self.responses = dict(responses or {})
        self.requests = []
        self.lock = threading.Lock()
        self.conns = []
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.stopping = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def recorded(self):
        with self.lock:
            return list(self.requests)

    def stop(self):
        self.stopping = True
        self.thread.join(2)
        self.listener.close()
        with self.lock:
            conns = list(self.conns)
        for c in conns:
            try:
                c.close()
            except OSError:
                pass

    def _accept(self):
        while not self.stopping:
            try:
                conn, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self.lock:
                self.conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        conn.settimeout(10)
        buf = b""

        def need(n):
            nonlocal buf
            while len(buf) < n:
                b = conn.recv(262144)
                if not b:
                    raise EOFError()
                buf += b

        def line():
            nonlocal buf
            while b"\r\n" not in buf:
                need(len(buf) + 1)
            i = buf.index(b"\r\n")
            out, buf = buf[:i], buf[i + 2:]
            return out

        try:
            while not self.stopping:
                while b"\r\n\r\n" not in buf:
                    need(len(buf) + 1)
                end = buf.index(b"\r\n\r\n")
                head, buf = buf[:end], buf[end + 4:]
                lines = head.decode("latin-1").split("\r\n")
                method, target = lines[0].split(" ")[:2]
                fields = [tuple(p.strip() for p in l.split(":", 1)) for l in lines[1:]]
                te = ",".join(v for k, v in fields if k.lower() == "transfer-encoding")
                cl = [v for k, v in fields if k.lower() == "content-length"]
                raw = bytearray()
                if "chunked" in te.lower():
                    while True:
                        l = line()
                        raw += l + b"\r\n"
                        size = int(l.split(b";")[0].strip(), 16)
                        if size == 0:
                            while True:
                                t = line()
                                raw += t + b"\r\n"
                                if not t:
                                    break
                            break
                        need(size + 2)
                        raw += buf[:size + 2]
                        buf = buf[size + 2:]
                elif cl:
                    n = int(cl[0])
                    need(n)
                    raw += buf[:n]
                    buf = buf[n:]
                with self.lock:
                    self.requests.append({"head": head, "fields": fields, "method": method,
                                          "target": target, "body_raw": bytes(raw)})
                path = target.split("?", 1)[0]
                conn.sendall(self.responses.get(path, self.DEFAULT))
        except (OSError, EOFError, ValueError):
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass


# ---------------------------------------------------------------------------------------
# Recording peers (subprocesses)


def _die_with_parent():
    try:
        import ctypes
        import signal
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)
    except Exception:  # noqa: BLE001 - best effort
        pass


SYSTEM_PYTHON = "/usr/bin/python3"


def peer_missing(kind):
    """Why the peer cannot run here (a skip reason), or None."""
    if kind == "node":
        if not os.path.exists("/usr/bin/node"):
            return "node (Debian nodejs) is not installed: /usr/bin/node missing"
        return None
    if kind == "python":
        return None
    modules = {"fastapi": "uvicorn, fastapi", "flask": "gunicorn, flask"}[kind]
    if not os.path.exists(SYSTEM_PYTHON):
        return "%s not found (the %s peer needs Debian's python3)" % (SYSTEM_PYTHON, kind)
    try:
        r = subprocess.run([SYSTEM_PYTHON, "-c", "import %s" % modules], capture_output=True,
                           timeout=30)
    except subprocess.TimeoutExpired:
        return "importing %s in %s timed out" % (modules, SYSTEM_PYTHON)
    if r.returncode != 0:
        return "%s cannot import %s (Debian packages %s): %s" % (
            SYSTEM_PYTHON, modules,
            {"fastapi": "uvicorn python3-fastapi", "flask": "gunicorn python3-flask"}[kind],
            r.stderr.decode(errors="replace").strip().splitlines()[-1:])
    return None


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _accepts(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class Peer:
    """A recording peer (node, python, fastapi, flask) on a free port, recording to a file."""

    def __init__(self, kind, workdir, python=None, attempts=3):
        self.kind = kind
        self.record_file = os.path.join(workdir, "record-%s.jsonl" % kind)
        open(self.record_file, "wb").close()
        self.proc = None
        self._err = None
        for _ in range(attempts):
            self.port = free_port()
            argv = {
                "node": ["/usr/bin/node", "node_recorder.js", str(self.port), self.record_file],
                "python": [python or "python3", "python_recorder.py", str(self.port),
                           self.record_file],
                "fastapi": [SYSTEM_PYTHON, "-m", "uvicorn", "fastapi_app:app", "--host",
                            "127.0.0.1", "--port", str(self.port), "--log-level", "warning"],
                "flask": [SYSTEM_PYTHON, "-m", "gunicorn", "-b", "127.0.0.1:%d" % self.port,
                          "--log-level", "warning", "flask_app:app"],
            }[kind]
            env = dict(os.environ, RECORD_FILE=self.record_file, PYTHONDONTWRITEBYTECODE="1")
            self.err_path = os.path.join(workdir, "peer-%s-%d.err" % (kind, self.port))
            self._err = open(self.err_path, "wb")
            self.proc = subprocess.Popen(argv, cwd=HERE, env=env, stdout=self._err,
                                         stderr=self._err, preexec_fn=_die_with_parent)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                if self.proc.poll() is not None or _accepts(self.port):
                    break
                time.sleep(0.05)
            if self.proc.poll() is None and _accepts(self.port):
                return
            self.stop()
        raise RuntimeError("peer %s did not start: %s" % (kind, self.stderr()))

    def stderr(self):
        try:
            with open(self.err_path, "rb") as f:
                return f.read()[-3000:].decode(errors="replace")
        except OSError:
            return ""

    def records(self):
        out = []
        with open(self.record_file, "rb") as f:
            for line in f.read().splitlines():
                if line.strip():
                    out.append(json.loads(line))
        return out

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self._err and not self._err.closed:
            self._err.close()
