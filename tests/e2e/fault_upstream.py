#!/usr/bin/env python3
"""A scriptable raw-socket upstream for the fault matrix (stdlib only, threaded).

In-process:   up = FaultUpstream(); ...; up.stop()
Subprocess:   python3 fault_upstream.py PORT      (GET /__stats returns the records as JSON)

Every request is answered by the behaviour its path selects; anything else is a normal
keep-alive 200. Requests carry a `tag=` query parameter so a test can tell whose response a
client got and which upstream connection carried which request. Behaviours:

  /ok?tag=T                    200 keep-alive, JSON {"tag", "path", "method", "conn", "n",
                               "body_len"} (no body for HEAD); the body is read first
  /slow?ms=N                   the same, after N ms
  /extra?mode=same|later       a complete 200, then STRAY (a whole extra HTTP response) in the
                               same send, or in a separate send 20 ms later
  /head-body?mode=same|later   (HEAD) 200 with Content-Length: len(STRAY), then STRAY as a body
  /status?code=204|304&mode=   204 (no Content-Length) or 304 (Content-Length: len(STRAY)),
                               then STRAY; &cl=1 adds Content-Length to the 204 as well
  /switch?extra=0|1            101 Switching Protocols (Upgrade: websocket), then with extra=1
                               a WebSocket frame; the connection stays open and is read on
  /reset-before-headers        the request is read, then the socket is reset (SO_LINGER 0)
  /close-before-headers        the request is read, then the socket is closed (FIN)
  /reset-mid-headers           half a response head, then a reset
  /reset-mid-body              a head with Content-Length 100000, 1000 bytes, then a reset
  /garbage                     a malformed status line; the connection stays open
  /slow-headers?ms=N           the head dribbled over N ms, then the body at once
  /slow-body?ms=N&bytes=B      the head at once, then B body bytes dribbled over N ms
  /early?status=405|413&then=fin-rst|rst|fin&delay_ms=D
                               the body is NOT read: the answer (Connection: close) is sent
                               as soon as the head is in, then
                                 fin-rst: shutdown(SHUT_WR), D ms, close with SO_LINGER 0
                                 rst:     close with SO_LINGER 0 at once
                                 fin:     shutdown(SHUT_WR), D ms, close() (an RST too, when
                                          unread body bytes are left in the socket)
  /__stats                     (control, not recorded) the records as JSON

Per connection (FaultUpstream.connections()): id, opened, closed (monotonic seconds or None),
closed_by ("peer" = rampart closed it with a FIN, "peer-reset", "peer-gone" = a write failed,
"self", "self-reset", "idle", "stopped"), and requests [{method, target, path, tag, t,
body_len}]. FaultUpstream.max_open is the most connections open at once.
"""

import json
import socket
import struct
import sys
import threading
import time
from urllib.parse import parse_qs, urlsplit

STRAY_BODY = b"STRAY-RESPONSE"
# A whole HTTP response: a proxy that keeps these bytes serves them to the next request.
STRAY = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s"
         % (len(STRAY_BODY), STRAY_BODY))
WS_FRAME = b"\x81\x05hello"
LATER_S = 0.020
IDLE_TIMEOUT = 60.0
MAX_HEAD = 64 * 1024


class PeerClosed(Exception):
    pass


class Conn:
    """One accepted connection with a read buffer."""

    def __init__(self, sock, rec):
        self.sock = sock
        self.rec = rec
        self.buf = b""

    def _fill(self):
        try:
            data = self.sock.recv(65536)
        except ConnectionResetError:
            raise PeerClosed("peer-reset")
        except socket.timeout:
            raise PeerClosed("idle")
        except OSError:
            raise PeerClosed("stopped")
        if not data:
            raise PeerClosed("peer")
        self.buf += data

    def read_head(self):
        while b"\r\n\r\n" not in self.buf:
            if len(self.buf) > MAX_HEAD:
                raise PeerClosed("self")
            self._fill()
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        method, target = parts[0], parts[1] if len(parts) > 1 else "/"
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            k = k.strip().lower()
            headers[k] = (headers[k] + ", " + v.strip()) if k in headers else v.strip()
        return method, target, headers

    def read_exact(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_line(self):
        while b"\r\n" not in self.buf:
            if len(self.buf) > MAX_HEAD:
                raise PeerClosed("self")
            self._fill()
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line

    def read_body(self, headers):
        if "chunked" in headers.get("transfer-encoding", "").lower():
            total = 0
            while True:
                size = int(self.read_line().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.read_line() != b"":  # trailers
                        pass
                    return total
                self.read_exact(size)
                self.read_exact(2)
                total += size
        n = int(headers.get("content-length") or 0)
        left = n
        while left > 0:  # without keeping the whole body
            if not self.buf:
                self._fill()
            take = min(left, len(self.buf))
            self.buf = self.buf[take:]
            left -= take
        return n

    def send(self, data):
        try:
            self.sock.sendall(data)
        except OSError:
            raise PeerClosed("peer-gone")

    def reset(self):
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.sock.close()

    def dribble(self, data, total_ms):
        """Sends data in about 20 pieces spread over total_ms."""
        pieces = max(1, min(len(data), 20))
        step = (len(data) + pieces - 1) // pieces
        chunks = [data[i:i + step] for i in range(0, len(data), step)]
        pause = total_ms / 1000.0 / max(1, len(chunks))
        for i, c in enumerate(chunks):
            self.send(c)
            if i + 1 < len(chunks):
                time.sleep(pause)


def _response(status, reason, body=b"", ctype="application/json", extra=(), head_only=False,
              close=False, length=None):
    lines = ["HTTP/1.1 %d %s" % (status, reason), "Content-Type: " + ctype,
             "Content-Length: %d" % (len(body) if length is None else length)]
    lines += ["%s: %s" % kv for kv in extra]
    if close:
        lines.append("Connection: close")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head if head_only else head + body


class FaultUpstream:
    def __init__(self, port=0, backlog=1024):
        self.lock = threading.Lock()
        self.records = []
        self.open = 0
        self.max_open = 0
        self.total = 0
        self._socks = set()
        self._stopping = False
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", port))
        self.listener.listen(backlog)
        self.listener.settimeout(0.1)
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._accept_loop, daemon=True,
                                       name="fault-upstream-%d" % self.port)
        self.thread.start()

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    # -- observations ---------------------------------------------------------------------
    def connections(self):
        with self.lock:
            return [dict(r, requests=[dict(q) for q in r["requests"]]) for r in self.records]

    def conn_for_tag(self, tag):
        """The record of the connection that carried the request tagged tag (or None)."""
        for r in self.connections():
            if any(q["tag"] == tag for q in r["requests"]):
                return r
        return None

    def conns_for_tag(self, tag):
        return [r for r in self.connections() if any(q["tag"] == tag for q in r["requests"])]

    def open_count(self):
        with self.lock:
            return self.open

    def reset_peak(self):
        with self.lock:
            self.max_open = self.open

    def snapshot(self):
        with self.lock:
            return {"open": self.open, "max_open": self.max_open, "total": self.total,
                    "connections": [dict(r, requests=list(r["requests"]))
                                    for r in self.records[-500:]]}

    # -- lifecycle ------------------------------------------------------------------------
    def stop(self):
        self._stopping = True
        try:
            self.listener.close()
        except OSError:
            pass
        with self.lock:
            socks = list(self._socks)
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.thread.join(2)

    def _accept_loop(self):
        while not self._stopping:
            try:
                sock, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.settimeout(IDLE_TIMEOUT)
            with self.lock:
                self.total += 1
                self.open += 1
                self.max_open = max(self.max_open, self.open)
                rec = {"id": self.total, "opened": time.monotonic(), "closed": None,
                       "closed_by": None, "requests": []}
                self.records.append(rec)
                self._socks.add(sock)
            threading.Thread(target=self._serve, args=(sock, rec), daemon=True).start()

    def _closed(self, sock, rec, how):
        with self.lock:
            if rec["closed"] is None:
                rec["closed"] = time.monotonic()
                rec["closed_by"] = how
                self.open -= 1
            self._socks.discard(sock)

    def _serve(self, sock, rec):
        conn = Conn(sock, rec)
        how = "self"
        try:
            while True:
                method, target, headers = conn.read_head()
                url = urlsplit(target)
                qs = {k: v[-1] for k, v in parse_qs(url.query).items()}
                req = {"method": method, "target": target, "path": url.path,
                       "tag": qs.get("tag"), "t": time.monotonic(), "body_len": None}
                if url.path != "/__stats":
                    with self.lock:
                        rec["requests"].append(req)
                keep = self._dispatch(conn, req, url.path, qs, headers)
                if keep == "reset":
                    how = "self-reset"
                    conn.reset()
                    return
                if not keep:
                    how = "self"
                    return
        except PeerClosed as e:
            how = e.args[0]
        except Exception as e:  # noqa: BLE001 - a bug here must not kill the server
            how = "error: %r" % (e,)
        finally:
            self._closed(sock, rec, how)
            try:
                sock.close()
            except OSError:
                pass

    # -- behaviours: return True to keep the connection, False to close it, "reset" ---------
    def _ok(self, conn, req, head_only=False, extra=()):
        body = json.dumps({"tag": req["tag"], "path": req["path"], "method": req["method"],
                           "conn": conn.rec["id"], "n": len(conn.rec["requests"]),
                           "body_len": req["body_len"]}).encode()
        return _response(200, "OK", body, head_only=head_only or req["method"] == "HEAD",
                         extra=extra)

    def _dispatch(self, conn, req, path, qs, headers):
        mode = qs.get("mode", "same")
        if path == "/early":
            status = int(qs.get("status", "405"))
            reason = {405: "Method Not Allowed", 413: "Content Too Large"}.get(status, "Nope")
            body = json.dumps({"early": status, "tag": req["tag"]}).encode()
            conn.send(_response(status, reason, body, close=True,
                                extra=[("Allow", "GET")] if status == 405 else ()))
            then, delay = qs.get("then", "fin-rst"), int(qs.get("delay_ms", "20")) / 1000.0
            if then == "rst":
                return "reset"
            try:
                conn.sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            time.sleep(delay)
            return "reset" if then == "fin-rst" else False

        req["body_len"] = conn.read_body(headers)
        if path == "/__stats":
            conn.send(_response(200, "OK", json.dumps(self.snapshot()).encode()))
            return True
        if path == "/extra":
            data = self._ok(conn, req)
            if mode == "later":
                conn.send(data)
                time.sleep(LATER_S)
                conn.send(STRAY)
            else:
                conn.send(data + STRAY)
            return True
        if path == "/head-body":
            head = _response(200, "OK", STRAY, ctype="text/plain", head_only=True)
            if mode == "later":
                conn.send(head)
                time.sleep(LATER_S)
                conn.send(STRAY)
            else:
                conn.send(head + STRAY)
            return True
        if path == "/status":
            code = int(qs.get("code", "204"))
            if code == 304:
                head = (b"HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\n"
                        b"Content-Length: %d\r\n\r\n" % len(STRAY))
            elif qs.get("cl") == "1":
                head = b"HTTP/1.1 %d No Content\r\nContent-Length: %d\r\n\r\n" % (code,
                                                                                  len(STRAY))
            else:
                head = b"HTTP/1.1 %d No Content\r\n\r\n" % code
            if mode == "later":
                conn.send(head)
                time.sleep(LATER_S)
                conn.send(STRAY)
            else:
                conn.send(head + STRAY)
            return True
        if path == "/switch":
            head = (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                    b"Connection: Upgrade\r\n"
                    b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n")
            conn.send(head + (WS_FRAME if qs.get("extra") == "1" else b""))
            return True  # read on: a request that arrives here is recorded (and answered)
        if path == "/reset-before-headers":
            return "reset"
        if path == "/close-before-headers":
            return False
        if path == "/reset-mid-headers":
            conn.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/pl")
            time.sleep(0.02)
            return "reset"
        if path == "/reset-mid-body":
            conn.send(_response(200, "OK", b"", ctype="application/octet-stream",
                                head_only=True, length=100000) + b"x" * 1000)
            time.sleep(0.05)
            return "reset"
        if path == "/garbage":
            conn.send(b"HTTP/1.1 LOL NOPE\r\n\x00\x01garbage\r\n\r\n")
            return True
        if path == "/slow-headers":
            data = self._ok(conn, req)
            head, sep, body = data.partition(b"\r\n\r\n")
            conn.dribble(head + sep, int(qs.get("ms", "1000")))
            conn.send(body)
            return True
        if path == "/slow-body":
            n = int(qs.get("bytes", "1000"))
            conn.send(_response(200, "OK", b"", ctype="application/octet-stream",
                                head_only=True, length=n))
            conn.dribble(b"b" * n, int(qs.get("ms", "1000")))
            return True
        if path == "/slow":
            time.sleep(int(qs.get("ms", "1000")) / 1000.0)
        conn.send(self._ok(conn, req))
        return True


def main():
    up = FaultUpstream(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    print(up.port, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        up.stop()


if __name__ == "__main__":
    main()
