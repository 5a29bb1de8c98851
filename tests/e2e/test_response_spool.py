"""server.response_spool (issue 7): a client slower than the upstream gets the rest of the
response from an unlinked temp file, so clients that never read do not hold upstream
connections. max_connections 2 and two non-reading 20 MB downloads: the slots come back
at once, the downloads are complete and correct when read later, a non-reader is still cut at
send_timeout, and with the spool off, full or unavailable the old back-pressure holds."""

import hashlib
import socket
import sys
import time
import unittest
import uuid

from fault_upstream import FaultUpstream
from harness import SLOW, E2ETest, base_config, metric, metric_matching, request, wait_until
from upstream import pattern_sha256

SIZE = 20000000
SEND_TIMEOUT = 5.0
DURATION_COUNT = "rampart_upstream_request_duration_seconds_count"


def report(line):
    sys.stderr.write("\n  [report] %s\n" % line)


class Download:
    """GET `path` on its own connection with a small receive buffer, read only on demand."""

    def __init__(self, port, path, version="1.1"):
        self.version = version
        self.request_id = uuid.uuid4().hex
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
        self.sock.settimeout(5)
        self.sock.connect(("127.0.0.1", port))
        self.send(path)
        self.raw_bytes = 0  # everything received on the connection, heads included
        self.buf = b""

    def send(self, path):
        self.sock.sendall(("GET %s HTTP/%s\r\nHost: x\r\nX-Request-ID: %s\r\n\r\n"
                           % (path, self.version, self.request_id)).encode())

    def close(self):
        self.sock.close()

    def _more(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout("response not complete in time")
        self.sock.settimeout(left)
        data = self.sock.recv(1 << 20)
        if not data:
            raise EOFError("closed after %d bytes" % self.raw_bytes)
        self.raw_bytes += len(data)
        self.buf += data

    def _line(self, deadline):
        while b"\r\n" not in self.buf:
            self._more(deadline)
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line

    def _take(self, n, deadline, sink):
        while n > 0:
            if not self.buf:
                self._more(deadline)
            piece, self.buf = self.buf[:n], self.buf[n:]
            sink(piece)
            n -= len(piece)

    def read_response(self, timeout=30):
        """One whole response: (status, headers, body length, body sha256). Chunked bodies are
        decoded piece by piece."""
        deadline = time.monotonic() + timeout * SLOW
        while b"\r\n\r\n" not in self.buf:
            self._more(deadline)
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        digest, length = hashlib.sha256(), [0]

        def sink(piece):
            digest.update(piece)
            length[0] += len(piece)
        if "chunked" in headers.get("transfer-encoding", ""):
            while True:
                size = int(self._line(deadline).split(b";")[0], 16)
                if size == 0:
                    self._line(deadline)  # no trailers: the empty line
                    break
                self._take(size, deadline, sink)
                self.assert_crlf(self._line(deadline))
        else:
            self._take(int(headers["content-length"]), deadline, sink)
        return int(lines[0].split(" ")[1]), headers, length[0], digest.hexdigest()

    @staticmethod
    def assert_crlf(rest):
        if rest != b"":
            raise AssertionError("chunk data longer than its size line: %r" % rest[:40])

    def read_until_closed(self, timeout):
        """Reads until rampart closes: ('eof' | 'reset' | 'timeout', bytes read)."""
        deadline = time.monotonic() + timeout
        got = 0
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                data = self.sock.recv(1 << 20)
            except socket.timeout:
                return "timeout", got
            except ConnectionResetError:
                return "reset", got
            if not data:
                return "eof", got
            got += len(data)
        return "timeout", got


class SpoolTest(E2ETest):
    """rampart (max_connections 2, send_timeout 5s) in front of upstream.py."""

    def start(self, env=None, **server):
        self.up = self.start_upstream()
        cfg = base_config(self.up.port, idle_timeout="30s", send_timeout="%ds" % SEND_TIMEOUT,
                          **server)
        del cfg["upstreams"]["app"]["health"]  # its checks would take pool connections too
        cfg["upstreams"]["app"]["max_connections"] = 2
        cfg["upstreams"]["app"]["timeout"] = "30s"
        self.rp = self.start_rampart(cfg, env=env)
        self.assertEqual(request(self.rp.port, "GET", "/json")[0], 200)

    def released(self):
        return metric(self.rp.metrics(), DURATION_COUNT, upstream="app") or 0

    def open_non_readers(self, path, n=2):
        downloads = [Download(self.rp.port, path) for _ in range(n)]
        for d in downloads:
            self.addCleanup(d.close)
        got = wait_until(lambda: sum(1 for _, p in self.up.stats()["paths"]
                                     if p == path.split("?")[0]) >= n, 3.0 * SLOW)
        self.assertTrue(got, "the downloads never reached the upstream")
        return downloads

    def json_statuses(self, n=5):
        return [request(self.rp.port, "GET", "/json", timeout=5)[0] for _ in range(n)]

    def find_request_line(self, request_id):
        for line in self.rp.request_logs(request_id):
            return line
        return None

    def request_line(self, request_id):
        return self.rp.wait_log(lambda l: l.get("event") == "request" and
                                l.get("request_id") == request_id, 5.0)

    def assert_slots_freed(self, t0, released_before):
        # Both downloads were read whole from the upstream, which is free again.
        freed = wait_until(lambda: self.released() >= released_before + 2 and
                           time.monotonic(), 2.0 * SLOW)
        self.assertTrue(freed, "the upstream exchanges of the non-readers were not released "
                        "within 2s (%s went from %r to %r)" % (DURATION_COUNT, released_before,
                                                              self.released()))
        statuses = self.json_statuses()
        self.assertEqual(statuses, [200] * 5, "max_connections 2 with two non-readers")
        return freed - t0

    def assert_complete(self, download, path_kind):
        status, headers, length, sha = download.read_response()
        self.assertEqual(status, 200)
        self.assertEqual(length, SIZE, path_kind)
        self.assertEqual(sha, pattern_sha256(SIZE), path_kind + ": body bytes differ")
        line = self.request_line(download.request_id)
        self.assertIsNotNone(line, "no request log line")
        # bytes_out counts what was sent: here, everything the client received
        self.assertEqual(line.get("bytes_out"), download.raw_bytes, line)
        return headers


class ResponseSpoolTest(SpoolTest):

    def setUp(self):
        self.start()

    def _download_while_others_wait(self, path, expect_chunked):
        rss0 = self.rp.rss_kib()["VmRSS"]
        released_before = self.released()
        t0 = time.monotonic()
        reader, non_reader = self.open_non_readers(path)
        freed_after = self.assert_slots_freed(t0, released_before)
        rss = self.rp.rss_kib()["VmRSS"]
        # 2 x 20 MB went to temp files, not to rampart's memory
        self.assertLess(rss - rss0, 10 * 1024, "RSS grew by %d KiB" % (rss - rss0))

        # The reader was stalled, not cut: it gets everything, in order.
        t_read = time.monotonic()
        headers = self.assert_complete(reader, path)
        self.assertEqual("chunked" in headers.get("transfer-encoding", ""), expect_chunked)
        read_seconds = time.monotonic() - t_read
        # ... and its connection is still good for another request.
        reader.send("/json")
        status, _, _, _ = reader.read_response(5)
        self.assertEqual(status, 200)

        # The other one never reads: cut at send_timeout after it stopped taking bytes (its
        # request line is written when rampart gives up on it).
        cut = wait_until(lambda: self.find_request_line(non_reader.request_id) and
                         time.monotonic(), SEND_TIMEOUT + 4 * SLOW)
        self.assertTrue(cut, "the non-reader was not cut within send_timeout + 4s")
        cut_after = cut - t0
        self.assertGreater(cut_after, SEND_TIMEOUT - 0.5)
        self.assertLess(self.find_request_line(non_reader.request_id).get("bytes_out"), SIZE)
        how, got = non_reader.read_until_closed(5)
        self.assertIn(how, ("eof", "reset"), "the non-reader was not closed (%d bytes)" % got)
        self.assertLess(got, SIZE)
        self.assertEqual(self.json_statuses(), [200] * 5)
        report("%s: slots freed %.2fs after the downloads started, RSS +%d KiB, stalled "
               "reader took %.2fs, non-reader cut after %.2fs" % (
                   path, freed_after, rss - rss0, read_seconds, cut_after))

    def test_content_length_download(self):
        self._download_while_others_wait("/download?bytes=%d" % SIZE, False)

    def test_chunked_download(self):
        self._download_while_others_wait("/download-chunked?bytes=%d" % SIZE, True)

    def test_http10_client_of_a_chunked_upstream(self):
        # Decoded for HTTP/1.0, the body ends at rampart's close: all of the spool goes first.
        released_before = self.released()
        d = Download(self.rp.port, "/download-chunked?bytes=%d" % SIZE, version="1.0")
        self.addCleanup(d.close)
        self.assertTrue(wait_until(lambda: self.released() > released_before, 3.0 * SLOW),
                        "the upstream exchange was not released while the client did not read")
        pieces = []
        d.sock.settimeout(30 * SLOW)
        while True:
            piece = d.sock.recv(1 << 20)
            if not piece:
                break
            pieces.append(piece)
        head, _, body = b"".join(pieces).partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 200"), head[:100])
        self.assertNotIn(b"transfer-encoding", head.lower())
        self.assertEqual(len(body), SIZE)
        self.assertEqual(hashlib.sha256(body).hexdigest(), pattern_sha256(SIZE))

    def test_reader_gets_everything_while_the_upstream_is_still_sending(self):
        # A reader that reads from the start (slower than the upstream, at times) is fed
        # from the spool as it goes, not only once the upstream is done.
        d = Download(self.rp.port, "/download?bytes=%d" % SIZE)
        self.addCleanup(d.close)
        self.assert_complete(d, "steady reader")


class SlowUpstreamTest(E2ETest):
    """While the upstream is still sending, a spooled client that reads is fed as it reads,
    and one that does not is cut at send_timeout, its upstream connection closed."""

    def setUp(self):
        self.up = FaultUpstream()
        self.addCleanup(self.up.stop)
        # 5 MB pieces (more than the socket buffers take) 600 ms apart, send_timeout 300 ms:
        # a reader fed only when a piece arrives would go 600 ms without progress.
        cfg = base_config(self.up.port, idle_timeout="30s", send_timeout="300ms")
        del cfg["upstreams"]["app"]["health"]
        cfg["upstreams"]["app"]["max_connections"] = 2
        cfg["upstreams"]["app"]["timeout"] = "60s"
        self.rp = self.start_rampart(cfg)

    def test_reader_is_fed_between_upstream_pieces(self):
        size = 20 * 5000000
        d = Download(self.rp.port, "/slow-body?ms=12000&bytes=%d&tag=%s" % (size, "feed"))
        self.addCleanup(d.close)
        status, _, length, sha = d.read_response(40)
        self.assertEqual((status, length), (200, size))
        self.assertEqual(sha, hashlib.sha256(b"b" * size).hexdigest())

    def test_non_reader_is_cut_while_the_upstream_sends(self):
        tag = uuid.uuid4().hex[:16]
        t0 = time.monotonic()
        d = Download(self.rp.port, "/slow-body?ms=12000&bytes=%d&tag=%s" % (20 * 5000000, tag))
        self.addCleanup(d.close)
        closed = wait_until(lambda: (self.up.conn_for_tag(tag) or {}).get("closed") and
                            time.monotonic(), 5.0 * SLOW)
        self.assertTrue(closed, "the upstream connection of a non-reader stayed open")
        self.assertLess(closed - t0, 3.0, "cut long after send_timeout (300 ms)")
        self.assertIn(self.up.conn_for_tag(tag)["closed_by"], ("peer", "peer-reset", "peer-gone"))
        how, got = d.read_until_closed(5)
        self.assertIn(how, ("eof", "reset"))
        # the client left; the upstream did nothing wrong
        errors = metric_matching(self.rp.metrics(), "rampart_upstream_errors_total")
        self.assertEqual([v for _, v in errors if v], [], errors)


class SpoolOffTest(SpoolTest):
    """response_spool: 0 is today's back-pressure: the non-readers keep the slots (this is
    what the tests above would see if spooling did not work)."""

    def test_non_readers_hold_the_slots(self):
        self.start(response_spool=0)
        self.open_non_readers("/download?bytes=%d" % SIZE)
        time.sleep(1.0)
        statuses = self.json_statuses()
        self.assertEqual(statuses, [502] * 5)


class SpoolFallbackTest(SpoolTest):
    """Past response_spool, or without a usable temp dir, back-pressure for the rest of the
    response: never a failed request, and every byte in order."""

    def _held_then_complete(self):
        reader, _ = self.open_non_readers("/download?bytes=%d" % SIZE)
        time.sleep(1.0)
        self.assertEqual(self.json_statuses(), [502] * 5)
        self.assert_complete(reader, "after the fallback")

    def test_spool_full(self):
        self.start(response_spool="1MiB")
        self._held_then_complete()
        self.assertEqual([l for l in self.rp.log_lines() if l.get("event") ==
                          "spool_unavailable"], [])

    def test_temp_dir_unusable(self):
        self.start(env={"TMPDIR": "/nonexistent-rampart-spool-dir"})
        self._held_then_complete()
        warnings = [l for l in self.rp.log_lines() if l.get("event") == "spool_unavailable"]
        self.assertEqual(len(warnings), 1, warnings)  # once per process, not per response
        self.assertEqual(warnings[0]["level"], "warn")
        self.assertEqual(warnings[0]["dir"], "/nonexistent-rampart-spool-dir")


if __name__ == "__main__":
    unittest.main()
