"""A JWKS endpoint the JWT e2e tests control (SPEC §2 `auth.jwt`): in-process, a thread running
http.server.ThreadingHTTPServer on 127.0.0.1 and a free port, plain HTTP or HTTPS with a CA made
for the occasion.

    with JwksServer(keys=[k.jwk for k in keys.values() if k.pem]) as js:   # or js.start()/stop()
        cfg["auth"] = {"jwt": [{..., "jwks_url": js.url}]}
        js.wait_for_fetches(1, 5)          # rampart fetched at start
        js.set_keys([new.jwk])             # a rotation
        js.mode = "down"                   # answers 503 from now on

Modes (the JWKS path only; `.mode` may be changed at any time):
  ok              200, {"keys": [...]}, Content-Type: application/json
  down            503
  closed          the connection is closed without an answer
  slow            `slow_seconds` of silence, then the ok answer
  oversized       200, a valid JSON JWKS padded past 1 MiB (an extra "x-padding" member)
  garbage         200, Content-Type: application/json, a body that is not JSON
  no_usable_keys  200, {"keys":[{"kty":"XYZ"}]}
  redirect        302 to /moved/jwks.json on this server, which serves the ok answer (fetches
                  there are counted apart, in `.redirect_fetches`: rampart must not follow)
Every 200 carries `Cache-Control: max-age=<max_age>` (no Cache-Control when max_age is None).

`.fetches` counts the GETs of the JWKS path received, whatever the mode, counted when the
request arrives (before a slow answer); `.requests` lists them ({"path","mode","headers","t"}).

https=True: a CA certificate and a server certificate for DNS "localhost" and IP 127.0.0.1,
signed by it, are made into a temp dir (deleted by stop()); `.ca_file` is the CA's PEM, for
rampart's environment as SSL_CERT_FILE=<ca_file> (OpenSSL's default verify paths honour it).

Everything lives in daemon threads of the test process, so it dies with it.
`/usr/bin/python3 jwks_server.py` is a self-check of every mode, over HTTP and HTTPS.
"""

import datetime
import ipaddress
import json
import os
import shutil
import socket
import ssl
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

JWKS_PATH = "/.well-known/jwks.json"
REDIRECT_PATH = "/moved/jwks.json"
MODES = ("ok", "down", "closed", "slow", "oversized", "garbage", "no_usable_keys", "redirect")
ONE_MIB = 1024 * 1024
GARBAGE_BODY = b"<html><body>502 Bad Gateway</body></html>\n{\"keys\": ["
NO_USABLE_KEYS = {"keys": [{"kty": "XYZ"}]}
CONNECTION_TIMEOUT = 10.0  # seconds a connection may sit idle (or in a TLS handshake)


def make_certificates(directory, hosts=("localhost",), ips=("127.0.0.1",)):
    """A CA and a server certificate for `hosts` and `ips` signed by it (EC P-256, SHA-256,
    valid from an hour ago for a day), written to `directory`.
    Returns (ca_file, cert_file, key_file)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    start, end = now - datetime.timedelta(hours=1), now + datetime.timedelta(days=1)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "rampart e2e test CA")])
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(start).not_valid_after(end)
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                       key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, key_cert_sign=True, crl_sign=True,
                                       encipher_only=False, decipher_only=False), critical=True)
          .add_extension(ca_ski, critical=False)
          .sign(ca_key, hashes.SHA256()))

    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.DNSName(h) for h in hosts] + [x509.IPAddress(ipaddress.ip_address(i))
                                                for i in ips]
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False,
                                         decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
                ca_ski), critical=False)
            .sign(ca_key, hashes.SHA256()))

    pem = serialization.Encoding.PEM
    files = (os.path.join(directory, "ca.pem"), os.path.join(directory, "server.pem"),
             os.path.join(directory, "server.key"))
    with open(files[0], "wb") as f:
        f.write(ca.public_bytes(pem))
    with open(files[1], "wb") as f:
        f.write(cert.public_bytes(pem))
    with open(files[2], "wb") as f:
        f.write(key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    os.chmod(files[2], 0o600)
    return files


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, owner, ssl_context):
        self.owner = owner
        self.ssl_context = ssl_context
        super().__init__(("127.0.0.1", 0), _Handler)

    def finish_request(self, request, client_address):
        # The TLS handshake runs here, in the connection's own thread, so a client that never
        # completes it cannot stall the accept loop.
        request.settimeout(CONNECTION_TIMEOUT)
        if self.ssl_context is not None:
            try:
                request = self.ssl_context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                request.close()
                return
        self.owner._track(request, True)
        try:
            self.RequestHandlerClass(request, client_address, self)
        except (OSError, ssl.SSLError):
            pass
        finally:
            self.owner._track(request, False)
            try:
                request.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):
        pass  # a client that went away is not the test's business


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "jwks-test"
    sys_version = ""

    def log_message(self, fmt, *args):
        pass

    def _send(self, status, body=b"", ctype="application/json", extra=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_jwks(self, doc_bytes):
        owner = self.server.owner
        extra = [] if owner.max_age is None else [("Cache-Control", "max-age=%d" % owner.max_age)]
        self._send(200, doc_bytes, extra=extra)

    def do_GET(self):
        owner = self.server.owner
        path = self.path.split("?", 1)[0]
        if path == REDIRECT_PATH:
            owner._count_redirect()
            return self._send_jwks(owner._jwks_bytes())
        if path != owner.path:
            return self._send(404, b'{"error":"not found"}')
        mode = owner._on_fetch(path, self.headers)
        if mode == "ok":
            self._send_jwks(owner._jwks_bytes())
        elif mode == "down":
            self._send(503, b'{"error":"unavailable"}', extra=[("Retry-After", "1")])
        elif mode == "closed":
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        elif mode == "slow":
            if owner._stopping.wait(owner.slow_seconds):
                self.close_connection = True
                return
            self._send_jwks(owner._jwks_bytes())
        elif mode == "oversized":
            self._send_jwks(owner._oversized_bytes())
        elif mode == "garbage":
            self._send_jwks(GARBAGE_BODY)
        elif mode == "no_usable_keys":
            self._send_jwks(json.dumps(NO_USABLE_KEYS).encode())
        elif mode == "redirect":
            self._send(302, b"", extra=[("Location", owner.base_url + REDIRECT_PATH)])
        else:
            raise AssertionError("unknown mode %r" % mode)

    do_HEAD = do_GET


class JwksServer:
    """A JWKS endpoint on 127.0.0.1 (see the module docstring).

    keys          JWK dicts (or objects with a .jwk, such as jwt_tokens.SigningKey)
    https         serve TLS with a fresh CA (.ca_file) instead of plain HTTP
    max_age       Cache-Control max-age of every 200, in seconds; None: no Cache-Control
    slow_seconds  how long "slow" waits before answering
    host          the host name used in .url ("127.0.0.1" or "localhost"; the server itself
                  always listens on 127.0.0.1)
    """

    def __init__(self, keys=(), https=False, max_age=300, slow_seconds=5.0, path=JWKS_PATH,
                 host="127.0.0.1"):
        self.https, self.max_age, self.slow_seconds = https, max_age, slow_seconds
        self.path, self.host = path, host
        self._cond = threading.Condition()
        self._keys = self._normalize(keys)
        self._mode = "ok"
        self._fetches = 0
        self._redirect_fetches = 0
        self.requests = []
        self._conns = set()
        self._stopping = threading.Event()
        self._server = self._thread = None
        self.port = None
        self.tmpdir = self.ca_file = self.cert_file = self.key_file = None

    # -- lifecycle ------------------------------------------------------------------------
    def start(self):
        context = None
        if self.https:
            self.tmpdir = tempfile.mkdtemp(prefix="rampart-jwks-")
            self.ca_file, self.cert_file, self.key_file = make_certificates(self.tmpdir)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            context.load_cert_chain(self.cert_file, self.key_file)
        self._stopping.clear()
        self._server = _Server(self, context)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05},
                                        name="jwks-server-%d" % self.port, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        """Stops serving, closes open connections, deletes the temp dir. Idempotent."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            with self._cond:
                conns = list(self._conns)
            for c in conns:
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self._thread.join(5)
            self._server = None
        if self.tmpdir:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
            self.tmpdir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- what the test reads and sets -----------------------------------------------------
    @property
    def base_url(self):
        return "%s://%s:%d" % ("https" if self.https else "http", self.host, self.port)

    @property
    def url(self):
        """e.g. http://127.0.0.1:PORT/.well-known/jwks.json"""
        return self.base_url + self.path

    @property
    def mode(self):
        with self._cond:
            return self._mode

    @mode.setter
    def mode(self, value):
        if value not in MODES:
            raise ValueError("mode must be one of %s, not %r" % (", ".join(MODES), value))
        with self._cond:
            self._mode = value

    @property
    def keys(self):
        with self._cond:
            return list(self._keys)

    def set_keys(self, keys):
        """Replaces the served keys (a rotation); takes effect for the next fetch."""
        keys = self._normalize(keys)
        with self._cond:
            self._keys = keys

    @property
    def fetches(self):
        """GETs of the JWKS path received so far, in every mode."""
        with self._cond:
            return self._fetches

    @property
    def redirect_fetches(self):
        """GETs of the redirect target (REDIRECT_PATH): a client that followed a redirect."""
        with self._cond:
            return self._redirect_fetches

    def wait_for_fetches(self, n, timeout):
        """Waits until at least n fetches have arrived; True when they did within timeout
        seconds, False otherwise."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._fetches < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            return True

    # -- internals ------------------------------------------------------------------------
    @staticmethod
    def _normalize(keys):
        return [json.loads(json.dumps(getattr(k, "jwk", k))) for k in keys]

    def _jwks_bytes(self):
        with self._cond:
            return json.dumps({"keys": self._keys}).encode()

    def _oversized_bytes(self):
        with self._cond:
            doc = {"keys": self._keys}
        doc["x-padding"] = "x" * (ONE_MIB + 1024)
        return json.dumps(doc).encode()

    def _on_fetch(self, path, headers):
        with self._cond:
            self._fetches += 1
            self.requests.append({"path": path, "mode": self._mode, "headers": dict(headers),
                                  "t": time.monotonic()})
            self._cond.notify_all()
            return self._mode

    def _count_redirect(self):
        with self._cond:
            self._redirect_fetches += 1

    def _track(self, conn, add):
        with self._cond:
            (self._conns.add if add else self._conns.discard)(conn)


# ---------------------------------------------------------------------------------------
# Self-check

def _self_check():
    import subprocess
    import sys
    import urllib.error
    import urllib.request

    sample = [{"kty": "oct", "kid": "a", "alg": "HS256", "use": "sig", "k": "c2VjcmV0"}]

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def check(https):
        t0 = time.monotonic()
        with JwksServer(keys=sample, https=https, max_age=120, slow_seconds=1.0) as js:
            ctx = ssl.create_default_context(cafile=js.ca_file) if https else None
            handlers = [urllib.request.HTTPSHandler(context=ctx)] if https else []
            opener = urllib.request.build_opener(*handlers)
            no_redirect = urllib.request.build_opener(NoRedirect, *handlers)

            def get(timeout=5.0, op=opener):
                with op.open(js.url, timeout=timeout) as r:
                    return r.status, r.headers, r.read()

            assert js.url.startswith(("https" if https else "http") + "://127.0.0.1:")
            status, h, body = get()
            assert status == 200 and json.loads(body) == {"keys": sample}
            assert h["Cache-Control"] == "max-age=120", h["Cache-Control"]
            assert h["Content-Type"] == "application/json"

            js.set_keys([{"kty": "oct", "kid": "b", "alg": "HS256", "use": "sig", "k": "eA"}])
            assert json.loads(get()[2])["keys"][0]["kid"] == "b"
            js.max_age = None
            assert "Cache-Control" not in get()[1]
            js.max_age = 120

            js.mode = "down"
            try:
                get()
                raise AssertionError("down answered")
            except urllib.error.HTTPError as e:
                assert e.code == 503

            js.mode = "closed"
            try:
                get()
                raise AssertionError("closed answered")
            except (urllib.error.URLError, ConnectionError) as e:
                closed_error = type(getattr(e, "reason", e)).__name__

            js.mode = "slow"
            t = time.monotonic()
            try:
                get(timeout=0.3)
                raise AssertionError("slow answered at once")
            except (urllib.error.URLError, TimeoutError, socket.timeout):
                pass
            t = time.monotonic()
            status, h, body = get(timeout=5)
            slow = time.monotonic() - t
            assert status == 200 and 1.0 <= slow < 3.0, slow

            js.mode = "oversized"
            status, h, body = get()
            doc = json.loads(body)
            assert status == 200 and len(body) > ONE_MIB and doc["keys"] == js.keys
            assert h["Cache-Control"] == "max-age=120"

            js.mode = "garbage"
            status, h, body = get()
            assert status == 200
            try:
                json.loads(body)
                raise AssertionError("garbage is JSON")
            except ValueError:
                pass

            js.mode = "no_usable_keys"
            status, h, body = get()
            assert status == 200 and json.loads(body) == NO_USABLE_KEYS

            js.mode = "redirect"
            try:
                get(op=no_redirect)
                raise AssertionError("redirect answered 200")
            except urllib.error.HTTPError as e:
                assert e.code == 302 and e.headers["Location"].endswith(REDIRECT_PATH)
            assert js.redirect_fetches == 0
            assert get()[0] == 200 and js.redirect_fetches == 1  # urllib follows; rampart won't

            # other paths are 404 and not counted
            before = js.fetches
            try:
                opener.open(js.base_url + "/other", timeout=5)
                raise AssertionError("/other answered")
            except urllib.error.HTTPError as e:
                assert e.code == 404
            assert js.fetches == before

            js.mode = "ok"
            n = js.fetches
            assert n == 12, n  # 3 ok, down, closed, 2 slow, 3 bad bodies, 2 redirect
            assert not js.wait_for_fetches(n + 1, 0.2)
            threading.Timer(0.2, get).start()
            assert js.wait_for_fetches(n + 1, 5)
            assert len(js.requests) == js.fetches

            if https:
                # an untrusting client is refused, and the server keeps serving
                try:
                    urllib.request.urlopen(js.url, timeout=5)
                    raise AssertionError("the test CA is trusted without the CA file")
                except urllib.error.URLError as e:
                    assert isinstance(e.reason, ssl.SSLCertVerificationError), e.reason
                # SSL_CERT_FILE reaches OpenSSL's default verify paths (what rampart uses)
                code = ("import ssl,urllib.request,sys;"
                        "c=ssl.create_default_context();"
                        "print(urllib.request.urlopen(sys.argv[1],context=c,timeout=5).status)")
                for host in ("127.0.0.1", "localhost"):
                    url = js.url.replace("127.0.0.1", host)
                    p = subprocess.run([sys.executable, "-c", code, url], capture_output=True,
                                       text=True, timeout=20,
                                       env=dict(os.environ, SSL_CERT_FILE=js.ca_file))
                    assert p.stdout.strip() == "200", (host, p.stderr[-500:])
                ca_file = js.ca_file
                assert os.path.exists(ca_file)
        if https:
            assert not os.path.exists(ca_file), "stop() left the temp dir"
        print("ok  %-5s every mode (closed -> %s), %.1fs"
              % ("https" if https else "http", closed_error, time.monotonic() - t0))

    check(False)
    check(True)
    # start()/stop() without a context manager, and stop() twice
    js = JwksServer(keys=sample).start()
    port = js.port
    js.stop()
    js.stop()
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        raise AssertionError("still listening after stop()")
    except OSError:
        pass
    print("jwks_server self-check passed")


if __name__ == "__main__":
    _self_check()
