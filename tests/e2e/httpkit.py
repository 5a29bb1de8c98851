"""Small stdlib helpers for the e2e suite: ports, waits, HTTP over http.client and raw
sockets, Prometheus text parsing, and a minimal YAML emitter. Re-exported by harness."""

import http.client
import json
import re
import socket
import time


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_accepts(port, timeout=0.5):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_until(pred, timeout, interval=0.05, what="condition"):
    """Polls pred() until it returns a truthy value; returns it, or None at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = pred()
        if value:
            return value
        if time.monotonic() >= deadline:
            return None
        time.sleep(interval)


# ---------------------------------------------------------------------------------------
# HTTP helpers

def _lower_headers(msg):
    out = {}
    for k, v in msg.items():
        k = k.lower()
        out[k] = out[k] + ", " + v if k in out else v
    return out


def request(port, method, path, headers=None, body=None, timeout=10):
    """One request on a new connection: (status, headers lower-cased, body bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, _lower_headers(resp.headers), data
    finally:
        conn.close()


def conn_request(conn, method, path, headers=None, body=None):
    """A request on an existing http.client connection (keep-alive)."""
    conn.request(method, path, body=body, headers=headers or {})
    resp = conn.getresponse()
    data = resp.read()
    return resp.status, _lower_headers(resp.headers), data


def raw(port, data, read_timeout=3.0):
    """Sends bytes on a raw socket; returns everything read until close or timeout."""
    got, _closed = raw_ex(port, data, read_timeout)
    return got


def raw_ex(port, data, read_timeout=3.0):
    """Like raw(), also returns whether the server closed the connection."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    chunks = []
    closed = False
    try:
        try:
            s.sendall(data)
        except OSError:
            pass  # the server may close before reading everything: read what it said
        deadline = time.monotonic() + read_timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            s.settimeout(left)
            try:
                b = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                closed = True
                break
            if not b:
                closed = True
                break
            chunks.append(b)
    finally:
        s.close()
    return b"".join(chunks), closed


def parse_response(data):
    """Parses the first HTTP response in bytes: (status, headers lower-cased, body, rest)."""
    head, sep, rest = data.partition(b"\r\n\r\n")
    if not sep:
        raise ValueError("no complete response head in %r" % data[:200])
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        k = k.strip().lower()
        v = v.strip()
        headers[k] = headers[k] + ", " + v if k in headers else v
    if "content-length" in headers:
        n = int(headers["content-length"])
        return status, headers, rest[:n], rest[n:]
    if "chunked" in headers.get("transfer-encoding", ""):
        body = b""
        while True:
            line, _, rest = rest.partition(b"\r\n")
            size = int(line.split(b";")[0], 16)
            if size == 0:
                _, _, rest = rest.partition(b"\r\n")
                return status, headers, body, rest
            body += rest[:size]
            rest = rest[size + 2:]
    return status, headers, rest, b""


def metrics_samples(text):
    """Parses Prometheus text into [(name, labels dict, float value)]."""
    out = []
    line_re = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\S+)?$')
    label_re = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = line_re.match(line)
        if not m:
            raise ValueError("bad metrics line: %r" % line)
        labels = dict(label_re.findall(m.group(3) or ""))
        out.append((m.group(1), labels, float(m.group(4))))
    return out


def metric(samples, name, **labels):
    """The value of the one sample with exactly these labels (None when absent)."""
    for n, l, v in samples:
        if n == name and l == labels:
            return v
    return None


def metric_matching(samples, name, **labels):
    """All samples of name whose labels include the given ones."""
    return [(l, v) for n, l, v in samples
            if n == name and all(l.get(k) == val for k, val in labels.items())]


# ---------------------------------------------------------------------------------------
# Minimal YAML emitter (block mappings, flow lists of scalars, block lists of mappings)

def _scalar(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    return json.dumps(str(v))


def to_yaml(obj, indent=0):
    pad = "  " * indent
    lines = []
    for k, v in obj.items():
        if isinstance(v, dict):
            if not v:
                lines.append("%s%s: {}" % (pad, k))
            else:
                lines.append("%s%s:" % (pad, k))
                lines.append(to_yaml(v, indent + 1))
        elif isinstance(v, list):
            if v and all(isinstance(x, dict) for x in v):
                lines.append("%s%s:" % (pad, k))
                for item in v:
                    sub = to_yaml(item, indent + 2).split("\n")
                    sub[0] = "%s  - %s" % (pad, sub[0].lstrip())
                    lines.extend(sub)
            else:
                lines.append("%s%s: [%s]" % (pad, k, ", ".join(_scalar(x) for x in v)))
        else:
            lines.append("%s%s: %s" % (pad, k, _scalar(v)))
    return "\n".join(lines)
