"""Mutated and random request heads and bodies: rampart answers each with a well-formed HTTP
response or a close, never crashes, never forwards an ambiguous request, and keeps serving.

Deterministic (fixed seed) and bounded: a few hundred short exchanges."""

import random
import socket
import unittest

from harness import SharedRampart, request

VALID = [
    b"GET /json HTTP/1.1\r\nHost: x\r\n\r\n",
    b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
    b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    b"GET /sse?events=1&interval_ms=10 HTTP/1.1\r\nHost: x\r\nX-Request-ID: abc\r\n\r\n",
]
NASTY = [b"\r\n", b"\n", b"\r", b":", b" ", b"\x00", b"\xff", b"\t", b"-1", b"99999999999999999999",
         b"Content-Length: 3\r\n", b"Transfer-Encoding: chunked\r\n", b"%2e%2e/", b"../"]


def mutate(rng, data):
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        kind = rng.randrange(4)
        pos = rng.randrange(len(data) + 1)
        if kind == 0 and data:
            del data[pos % len(data)]
        elif kind == 1:
            data[pos:pos] = rng.choice(NASTY)
        elif kind == 2 and data:
            data[pos % len(data)] = rng.randrange(256)
        else:
            data[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
    return bytes(data)


def exchange(port, data, timeout=1.0):
    """Sends data, half-closes, reads until close or timeout. Returns the bytes read."""
    s = socket.create_connection(("127.0.0.1", port), timeout=2)
    try:
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        s.settimeout(timeout)
        got = b""
        while len(got) < 1 << 20:
            try:
                b = s.recv(65536)
            except (socket.timeout, ConnectionResetError):
                break
            if not b:
                break
            got += b
        return got
    finally:
        s.close()


class GarbageInputTest(SharedRampart):

    def test_mutated_requests_get_http_answers_and_rampart_survives(self):
        rng = random.Random(20261123)
        answered = 0
        for i in range(300):
            data = mutate(rng, rng.choice(VALID))
            got = exchange(self.rp.port, data)
            if got:
                # whatever came back starts as an HTTP/1.1 response
                self.assertTrue(got.startswith(b"HTTP/1.1 "), (data, got[:200]))
                status = int(got[9:12])
                self.assertTrue(100 <= status <= 599, (data, got[:200]))
                self.assertNotIn(b"Traceback", got)
                answered += 1
        self.assertGreater(answered, 100)
        status, _, _ = request(self.rp.port, "GET", "/json")
        self.assertEqual(status, 200)

    def test_random_bytes(self):
        rng = random.Random(7)
        for _ in range(100):
            data = bytes(rng.randrange(256) for _ in range(rng.randint(1, 2048)))
            got = exchange(self.rp.port, data, timeout=0.5)
            if got:
                self.assertTrue(got.startswith(b"HTTP/1.1 4"), got[:200])
        status, _, _ = request(self.rp.port, "GET", "/json")
        self.assertEqual(status, 200)


if __name__ == "__main__":
    unittest.main()
