"""Concurrency: many clients at once get their own responses, and SIGHUP reloads under
traffic drop nothing (SPEC §2 reload, §3 step 10)."""

import http.client
import json
import signal
import threading
import time
import unittest

from harness import E2ETest, base_config, metric, wait_until


class Load:
    """`clients` threads sending echo requests until stopped (or `per_client` each);
    every response is checked against the request it answers."""

    def __init__(self, port, clients, per_client=None, reconnect_every=5):
        self.port = port
        self.per_client = per_client
        self.reconnect_every = reconnect_every
        self.ok = 0
        self.errors = []
        self.lock = threading.Lock()
        self.stop_flag = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True)
                        for i in range(clients)]
        for t in self.threads:
            t.start()

    def _run(self, client):
        conn = None
        n = 0
        while not self.stop_flag.is_set() and (self.per_client is None or n < self.per_client):
            if conn is None or n % self.reconnect_every == 0:
                if conn:
                    conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            tag = "c%d-n%d" % (client, n)
            body = tag.encode() * (1 + n % 7)
            try:
                conn.request("POST", "/echo?tag=" + tag, body=body)
                resp = conn.getresponse()
                data = resp.read()
                doc = json.loads(data) if resp.status == 200 else None
                if doc is None or doc["query"] != "tag=" + tag or doc["body_len"] != len(body):
                    raise AssertionError("%s got %d %r" % (tag, resp.status, data[:200]))
                with self.lock:
                    self.ok += 1
            except Exception as e:  # noqa: BLE001 - collected and reported by the test
                with self.lock:
                    self.errors.append("%s: %r" % (tag, e))
                conn.close()
                conn = None
            n += 1
        if conn:
            conn.close()

    def finish(self, timeout=30):
        self.stop_flag.set()
        deadline = time.monotonic() + timeout
        for t in self.threads:
            t.join(max(0.1, deadline - time.monotonic()))
        return not any(t.is_alive() for t in self.threads)


class ConcurrencyTest(E2ETest):

    def setUp(self):
        self.up = self.start_upstream()
        self.rp = self.start_rampart(base_config(self.up.port))

    def test_many_clients_get_their_own_responses(self):
        load = Load(self.rp.port, clients=24, per_client=25)
        for t in load.threads:
            t.join(60)
        self.assertTrue(load.finish(5))
        self.assertEqual(load.errors[:5], [])
        self.assertEqual(load.ok, 24 * 25)
        got = wait_until(lambda: metric(self.rp.metrics(), "rampart_http_requests_total",
                                        route="api", method="POST", status="200") == 600,
                         2.0, 0.1)
        self.assertTrue(got, metric(self.rp.metrics(), "rampart_http_requests_total",
                                    route="api", method="POST", status="200"))

    def test_reloads_under_traffic_drop_nothing(self):
        load = Load(self.rp.port, clients=8)
        self.addCleanup(load.finish, 5)
        time.sleep(0.3)
        for _ in range(5):
            self.rp.signal(signal.SIGHUP)
            time.sleep(0.3)
        self.assertTrue(load.finish(15))
        self.assertTrue(self.rp.alive())
        self.assertEqual(load.errors[:5], [])
        self.assertGreater(load.ok, 50)
        got = wait_until(lambda: metric(self.rp.metrics(), "rampart_config_reloads_total",
                                        result="success") == 5, 3.0, 0.1)
        self.assertTrue(got, "reload successes: %r" % metric(
            self.rp.metrics(), "rampart_config_reloads_total", result="success"))


if __name__ == "__main__":
    unittest.main()
