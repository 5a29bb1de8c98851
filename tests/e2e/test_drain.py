"""Drain on SIGTERM (issue 7, item 5; /work/notes/contract.md "Drain (SIGTERM)"): every
request that was sent gets a complete response (the last one with Connection: close), no
client sees a reset, idle keep-alive connections are closed with a FIN, and rampart exits 0
within drain_timeout."""

import collections
import json
import random
import signal
import socket
import sys
import threading
import time
import unittest

from harness import E2ETest, base_config

DRAIN_TIMEOUT_S = 5.0


def report(line):
    sys.stderr.write("\n  [report] %s\n" % line)


class ResponseReader:
    """Reads Content-Length framed responses from a raw socket."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def read(self, timeout):
        """(status, headers, body); raises EOFError (with how much had arrived),
        ConnectionResetError or socket.timeout."""
        deadline = time.monotonic() + timeout
        while True:
            head, sep, rest = self.buf.partition(b"\r\n\r\n")
            if sep:
                lines = head.decode("latin-1").split("\r\n")
                headers = {}
                for line in lines[1:]:
                    k, _, v = line.partition(":")
                    headers[k.strip().lower()] = v.strip()
                n = int(headers.get("content-length", "0"))
                if len(rest) >= n:
                    self.buf = rest[n:]
                    return int(lines[0].split(" ")[1]), headers, rest[:n]
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout("no complete response")
            self.sock.settimeout(left)
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("empty reply" if not self.buf else "truncated response")
            self.buf += data


class FiringClient(threading.Thread):
    """A keep-alive client firing GET /slow?ms=50 and /json in a loop, with a think time of
    0 to think_ms between requests (so at SIGTERM some connections are idle and about to
    send). After a response with Connection: close it opens a new connection; a refused
    connect once the drain began ends it (nothing was sent: nothing lost)."""

    def __init__(self, port, index, drain, deadline, think_ms=0):
        super().__init__(daemon=True)
        self.port, self.index, self.drain, self.deadline = port, index, drain, deadline
        self.think = think_ms / 1000.0
        self.rng = random.Random(index)
        self.sent = self.completed = self.closed_by_header = 0
        self.after_drain_sent = self.after_drain_completed = 0
        self.new_conns_after_drain = self.refused_after_drain = 0
        self.lost = []     # (reason, path, sent after drain began?)
        self.resets = 0
        self.errors = []   # anything else (e.g. refused before the drain)

    def run(self):
        sock = reader = None
        n = 0
        try:
            while time.monotonic() < self.deadline:
                if sock is None:
                    draining = self.drain.is_set()
                    try:
                        sock = socket.create_connection(("127.0.0.1", self.port), timeout=3)
                    except ConnectionRefusedError:
                        if draining or self.drain.is_set():
                            self.refused_after_drain += 1
                            return
                        self.errors.append("connect refused before SIGTERM")
                        return
                    except OSError as e:
                        self.errors.append("connect: %r" % (e,))
                        return
                    if draining:
                        self.new_conns_after_drain += 1
                    reader = ResponseReader(sock)
                if n and self.think:
                    time.sleep(self.rng.uniform(0, self.think))
                n += 1
                path = "/slow?ms=50" if (n + self.index) % 2 else "/json"
                after = self.drain.is_set()
                try:
                    sock.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nX-Client: %d-%d\r\n\r\n"
                                  % (path, self.index, n)).encode())
                except ConnectionResetError:
                    self.resets += 1
                    self.lost.append(("reset on send", path, after))
                    sock.close()
                    sock = None
                    continue
                except BrokenPipeError:
                    # closed by rampart before this request went out: nothing was sent
                    sock.close()
                    sock = None
                    continue
                self.sent += 1
                self.after_drain_sent += after
                try:
                    status, headers, body = reader.read(DRAIN_TIMEOUT_S + 3)
                except ConnectionResetError:
                    self.resets += 1
                    self.lost.append(("reset", path, after))
                    sock.close()
                    sock = None
                    continue
                except EOFError as e:
                    self.lost.append((str(e), path, after))
                    sock.close()
                    sock = None
                    continue
                except socket.timeout:
                    self.lost.append(("timeout", path, after))
                    sock.close()
                    sock = None
                    continue
                if status != 200:
                    self.lost.append(("status %d %r" % (status, body[:100]), path, after))
                else:
                    self.completed += 1
                    self.after_drain_completed += after
                if headers.get("connection", "").lower() == "close":
                    self.closed_by_header += 1
                    sock.close()
                    sock = None
        finally:
            if sock is not None:
                sock.close()


class DrainTest(E2ETest):

    def start(self, **server):
        self.up = self.start_upstream()
        opts = dict(workers=2, idle_timeout="10s", drain_timeout="%gs" % DRAIN_TIMEOUT_S)
        opts.update(server)
        cfg = base_config(self.up.port, **opts)
        cfg["upstreams"]["app"]["timeout"] = "10s"
        self.rp = self.start_rampart(cfg)

    def test_sigterm_with_keep_alive_clients_firing(self):
        self.start()
        drain = threading.Event()
        deadline = time.monotonic() + 20
        # a third fire back to back, a third think up to 100 ms, a third up to 400 ms
        clients = [FiringClient(self.rp.port, i, drain, deadline, (0, 100, 400)[i % 3])
                   for i in range(45)]
        for c in clients:
            c.start()
        time.sleep(1.5)
        warm = sum(c.completed for c in clients)
        drain.set()
        t0 = time.monotonic()
        self.rp.signal(signal.SIGTERM)
        code = self.rp.wait(DRAIN_TIMEOUT_S + 3)
        exit_after = time.monotonic() - t0
        for c in clients:
            c.join(max(0.1, deadline - time.monotonic()))
        lost = [l for c in clients for l in c.lost]
        totals = collections.Counter()
        for c in clients:
            totals.update(sent=c.sent, completed=c.completed, resets=c.resets,
                          after_drain_sent=c.after_drain_sent,
                          after_drain_completed=c.after_drain_completed,
                          connection_close=c.closed_by_header,
                          new_conns_after_drain=c.new_conns_after_drain,
                          refused_after_drain=c.refused_after_drain)
        summary = ("45 keep-alive clients: %d requests before SIGTERM; %s; lost %d (%s); "
                   "rampart exit %r after %.2fs" % (
                       warm, dict(totals), len(lost),
                       dict(collections.Counter(r for r, _, _ in lost)), code, exit_after))
        report(summary)
        self.assertGreater(warm, 45, summary)
        self.assertTrue(all(not c.is_alive() for c in clients), "clients still running")
        self.assertEqual([e for c in clients for e in c.errors], [], summary)
        self.assertEqual(totals["resets"], 0, summary)
        self.assertEqual(len(lost), 0, summary)
        self.assertEqual(code, 0, summary)
        self.assertLess(exit_after, DRAIN_TIMEOUT_S + 0.5, summary)

    def test_requests_arriving_during_sigterm_are_served(self):
        """A head in part, a body in part (buffered and streamed), and an idle keep-alive
        connection whose next request comes 300 ms after SIGTERM: all served, Connection:
        close."""
        self.start()
        port = self.rp.port

        def conn():
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            self.addCleanup(s.close)
            return s
        half_head = conn()
        half_head.sendall(b"GET /json HTTP/1.1\r\nHo")
        small = conn()
        small.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" +
                      b"a" * 100)
        big = conn()
        big.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 300000\r\n\r\n" +
                    b"b" * 100000)
        idle = conn()
        idle.sendall(b"GET /json HTTP/1.1\r\nHost: x\r\n\r\n")
        idle_reader = ResponseReader(idle)
        self.assertEqual(idle_reader.read(5)[0], 200)
        time.sleep(0.3)  # the partial requests are in
        t0 = time.monotonic()
        self.rp.signal(signal.SIGTERM)
        time.sleep(0.3)
        half_head.sendall(b"st: x\r\n\r\n")
        small.sendall(b"a" * 900)
        big.sendall(b"b" * 200000)
        idle.sendall(b"GET /json HTTP/1.1\r\nHost: x\r\n\r\n")
        results = {}
        for name, s, reader, body_len in (("half head", half_head, None, None),
                                          ("small body", small, None, 1000),
                                          ("streamed body", big, None, 300000),
                                          ("idle keep-alive", idle, idle_reader, None)):
            try:
                status, headers, body = (reader or ResponseReader(s)).read(5)
                ok = status == 200 and headers.get("connection", "").lower() == "close"
                if ok and body_len is not None:
                    ok = json.loads(body).get("body_len") == body_len
                results[name] = "ok" if ok else "%d %s %r" % (status, headers.get("connection"),
                                                             body[:120])
            except (OSError, EOFError) as e:
                results[name] = repr(e)
        report("requests in part at SIGTERM: %r" % results)
        self.assertEqual(results, {k: "ok" for k in results})
        code = self.rp.wait(DRAIN_TIMEOUT_S + 2)
        self.assertEqual(code, 0)
        self.assertLess(time.monotonic() - t0, DRAIN_TIMEOUT_S + 0.5)

    def test_idle_connections_closed_with_fin(self):
        """Idle keep-alive connections (and connections that never sent anything) are closed
        gracefully, within about 1-2 s: recv returns b'', never a reset."""
        self.start()
        socks = []
        for i in range(25):
            s = socket.create_connection(("127.0.0.1", self.rp.port), timeout=5)
            self.addCleanup(s.close)
            if i < 20:
                s.sendall(b"GET /json HTTP/1.1\r\nHost: x\r\n\r\n")
                self.assertEqual(ResponseReader(s).read(5)[0], 200)
            socks.append(s)
        time.sleep(0.2)
        t0 = time.monotonic()
        self.rp.signal(signal.SIGTERM)
        outcome = collections.Counter()
        slowest = 0.0
        for s in socks:
            s.settimeout(max(0.1, t0 + 3.0 - time.monotonic()))
            try:
                data = s.recv(65536)
                kind = "fin" if data == b"" else "data %r" % data[:60]
            except ConnectionResetError:
                kind = "reset"
            except socket.timeout:
                kind = "still open after 3s"
            outcome[kind] += 1
            slowest = max(slowest, time.monotonic() - t0)
            s.close()  # as a client does on EOF, so rampart's lingering read ends at once
        code = self.rp.wait(DRAIN_TIMEOUT_S)
        exit_after = time.monotonic() - t0
        report("idle connections on SIGTERM: %s, last closed after %.2fs; exit %r after %.2fs"
               % (dict(outcome), slowest, code, exit_after))
        self.assertEqual(dict(outcome), {"fin": 25})
        self.assertLess(slowest, 2.0)
        self.assertEqual(code, 0)
        self.assertLess(exit_after, 2.5)


if __name__ == "__main__":
    unittest.main()
