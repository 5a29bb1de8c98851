"""Signing keys, JWTs and attack tokens for the JWT e2e tests (SPEC §2 `auth.jwt`, §3 step 7).

    keys = make_keys()                       # {"RS256": SigningKey, ..., "EdDSA": SigningKey}
    k = keys["RS256"]                        # .alg .kid .private .public .jwk .pem .secret
    tok = mint(k, claims("https://issuer.test", "api", "user-1"))
    alg_none(claims(...), "nOnE")            # and the other attacks below

Normal tokens are signed by PyJWT (`jwt.encode`). Attack tokens that PyJWT refuses to make
(alg none, HMAC keyed with a PEM, duplicate JSON keys, exact sizes, non-canonical base64url) are
built by hand here; their signatures, where they have one, are still made by PyJWT's algorithm
objects, so only the attacked property is wrong.

`/usr/bin/python3 jwt_tokens.py` is a self-check: every algorithm round-trips through PyJWT
against the public JWK and PEM, and every attack token is built once.
"""

import base64
import datetime
import hashlib
import hmac
import json
import secrets
import time

import jwt
from jwt.algorithms import get_default_algorithms
from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

# Every algorithm rampart accepts, in a stable order.
HMAC_ALGS = ("HS256", "HS384", "HS512")
RSA_ALGS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512")
EC_ALGS = ("ES256", "ES384", "ES512")
ALGORITHMS = HMAC_ALGS + RSA_ALGS + EC_ALGS + ("EdDSA",)

MAX_TOKEN_BYTES = 8 * 1024  # rampart refuses longer tokens
NONE_SPELLINGS = ("none", "None", "NONE", "nOnE")

_HMAC_SECRET_BYTES = {"HS256": 32, "HS384": 48, "HS512": 64}
_EC_CURVES = {"ES256": (ec.SECP256R1, "P-256", 32), "ES384": (ec.SECP384R1, "P-384", 48),
              "ES512": (ec.SECP521R1, "P-521", 66)}


# ---------------------------------------------------------------------------------------
# base64url

def b64url(data):
    """Unpadded base64url of bytes (a str is UTF-8 encoded first), as a str."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text):
    """Lenient decode (padding optional, unused bits ignored): what a sloppy verifier does."""
    if isinstance(text, bytes):
        text = text.decode("ascii")
    text = text.rstrip("=")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _json(obj):
    return json.dumps(obj, separators=(",", ":"))


def _int_b64(n, length=None):
    length = length or max(1, (n.bit_length() + 7) // 8)
    return b64url(n.to_bytes(length, "big"))


# ---------------------------------------------------------------------------------------
# Keys

class SigningKey:
    """One signing key for one algorithm.

    alg      the JWS algorithm this key is for ("RS256", ...)
    kid      its key id (in the JWK and, by default, in every token's header)
    private  what signs: the private key object, or the secret bytes for HS*
    secret   the HMAC secret bytes (HS* only, else None)
    public   the public key object (None for HS*)
    jwk      the public JWK: a dict with kid, kty, alg, use="sig" (oct keys carry "k")
    pem      the public key as PEM SubjectPublicKeyInfo bytes (None for HS*)
    """

    def __init__(self, alg, kid, private, public, jwk, pem, secret=None):
        self.alg, self.kid, self.private, self.public = alg, kid, private, public
        self.jwk, self.pem, self.secret = jwk, pem, secret

    def __repr__(self):
        return "SigningKey(%s, kid=%s)" % (self.alg, self.kid)


def _public_pem(public):
    return public.public_bytes(serialization.Encoding.PEM,
                               serialization.PublicFormat.SubjectPublicKeyInfo)


def make_key(alg, kid=None):
    """A fresh SigningKey for `alg` (one of ALGORITHMS); kid defaults to a random one."""
    kid = kid or "%s-%s" % (alg.lower(), secrets.token_hex(4))
    base = {"kid": kid, "alg": alg, "use": "sig"}
    if alg in HMAC_ALGS:
        secret = secrets.token_bytes(_HMAC_SECRET_BYTES[alg])
        jwk = dict(base, kty="oct", k=b64url(secret))
        return SigningKey(alg, kid, secret, None, jwk, None, secret=secret)
    if alg in RSA_ALGS:
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        nums = private.public_key().public_numbers()
        jwk = dict(base, kty="RSA", n=_int_b64(nums.n), e=_int_b64(nums.e))
    elif alg in EC_ALGS:
        curve, crv, size = _EC_CURVES[alg]
        private = ec.generate_private_key(curve())
        nums = private.public_key().public_numbers()
        jwk = dict(base, kty="EC", crv=crv, x=_int_b64(nums.x, size), y=_int_b64(nums.y, size))
    elif alg == "EdDSA":
        private = ed25519.Ed25519PrivateKey.generate()
        raw = private.public_key().public_bytes(serialization.Encoding.Raw,
                                                serialization.PublicFormat.Raw)
        jwk = dict(base, kty="OKP", crv="Ed25519", x=b64url(raw))
    else:
        raise ValueError("unknown algorithm %r" % alg)
    public = private.public_key()
    return SigningKey(alg, kid, private, public, jwk, _public_pem(public))


def make_keys(algs=ALGORITHMS):
    """{alg: SigningKey} for every algorithm rampart accepts (or the `algs` given):
    HS256/384/512 with random 32/48/64-byte secrets, RS*/PS* with RSA 2048 (one key each),
    ES256/384/512 on P-256/384/521, EdDSA on Ed25519."""
    return {alg: make_key(alg) for alg in algs}


def jwks(*keys):
    """A JWKS document ({"keys": [...]}) of the keys' public JWKs (SigningKeys or JWK dicts)."""
    return {"keys": [k.jwk if isinstance(k, SigningKey) else k for k in keys]}


# ---------------------------------------------------------------------------------------
# Claims and normal tokens

def claims(iss, aud, sub, exp_in=300, **extra):
    """Typical claims: iss, aud, sub, iat = nbf = now, exp = now + exp_in (integers).
    aud may be a string or a list; an argument given as None (iss, aud, sub, or an extra such
    as exp=None) leaves that claim out."""
    now = int(time.time())
    out = {"iss": iss, "aud": aud, "sub": sub, "iat": now, "nbf": now, "exp": now + exp_in}
    out.update(extra)
    return {k: v for k, v in out.items() if v is not None}


def mint(key, claims, alg=None, headers=None):
    """A compact JWT signed by PyJWT with `key` (alg defaults to key.alg). The header has
    "typ":"JWT", the alg and key.kid; `headers` adds or overrides fields, and a field given as
    None is left out ({"kid": None} for a token without kid, {"typ": None} without typ)."""
    alg = alg or key.alg
    header = {"kid": key.kid}
    header.update(headers or {})
    typ_none = "typ" in header and header["typ"] is None
    header = {k: v for k, v in header.items() if v is not None}
    if typ_none:
        header["typ"] = None  # PyJWT drops a falsy typ
    return jwt.encode(claims, key.private, algorithm=alg, headers=header)


def bearer(token):
    """The request header that carries `token`."""
    return {"Authorization": "Bearer " + token}


def sign_raw(key, header_text, payload_text, alg=None):
    """A token from the exact JSON texts given (str or bytes), signed properly with `key`:
    the way to put bytes in a token that PyJWT would not produce."""
    alg = alg or key.alg
    signing_input = "%s.%s" % (b64url(header_text), b64url(payload_text))
    return _sign_input(key, signing_input, alg)


def _sign_input(key, signing_input, alg):
    algo = get_default_algorithms()[alg]
    sig = algo.sign(signing_input.encode("ascii"), algo.prepare_key(key.private))
    return "%s.%s" % (signing_input, b64url(sig))


def _header(key, alg=None, **more):
    h = {"alg": alg or key.alg, "typ": "JWT", "kid": key.kid}
    h.update(more)
    return h


# ---------------------------------------------------------------------------------------
# Attack tokens

def alg_none(claims, spelling="none", kid=None):
    """Attacks: the unsecured JWS. Header {"alg": <spelling>, "typ": "JWT"} (with kid when
    given) and an empty signature ("h.p."). A verifier that lets the token pick "no signature",
    or compares the name case-sensitively against "none" only, accepts anything."""
    header = {"alg": spelling, "typ": "JWT"}
    if kid is not None:
        header["kid"] = kid
    return "%s.%s." % (b64url(_json(header)), b64url(_json(claims)))


def hmac_with_public_key(rsa_key, claims, alg="HS256"):
    """Attacks: RS/HS key confusion. HS256 signed with the RSA key's public PEM bytes as the
    HMAC secret, kid = the RSA key's kid. A verifier that picks the algorithm from the header
    and feeds the public key it holds to HMAC accepts it. (Hand-built: PyJWT refuses a PEM as
    an HMAC secret.)"""
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
    signing_input = "%s.%s" % (b64url(_json(_header(rsa_key, alg=alg))), b64url(_json(claims)))
    sig = hmac.new(rsa_key.pem, signing_input.encode("ascii"), digest).digest()
    return "%s.%s" % (signing_input, b64url(sig))


def with_header(key, claims, extra_header):
    """Attacks: header fields that must be refused (jku, x5u, jwk, x5c, crit, a wrong typ):
    the token is signed validly by `key`, so only the header is wrong. See header_attacks()
    for ready-made values. A field given as None is removed ({"typ": None}: no typ)."""
    return mint(key, claims, headers=extra_header)


def _throwaway_cert_der():
    k = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "attacker")])
    start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=1)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(k.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(start + datetime.timedelta(days=1))
            .sign(k, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.DER)


def header_attacks(key):
    """{name: extra_header} for with_header(): each names a place a token could tell the
    verifier where to get its key, or a header rampart must refuse.
      jku  a JWKS URL (a closed loopback port)    x5u  a certificate URL
      jwk  the key's own public JWK, embedded      x5c  a (self-signed, unrelated) certificate
      crit an extension the verifier must understand ["exp"]
      typ  "JOSE" (only JWT and at+jwt are allowed)"""
    return {
        "jku": {"jku": "http://127.0.0.1:9/.well-known/jwks.json"},
        "x5u": {"x5u": "http://127.0.0.1:9/cert.pem"},
        "jwk": {"jwk": key.jwk},
        "x5c": {"x5c": [base64.b64encode(_throwaway_cert_der()).decode("ascii")]},
        "crit": {"crit": ["exp"]},
        "typ": {"typ": "JOSE"},
    }


def oversized(key, claims, length=MAX_TOKEN_BYTES + 1):
    """Attacks: the size limit. A validly signed token of exactly `length` characters
    (default 8193, one over 8 KiB; length=8192 gives the largest token allowed), the claims
    padded with a "pad" claim. base64url cannot make every length from the claims alone; then
    the header JSON gets one or two blanks after its first comma (still valid JSON)."""
    sig_len = len(mint(key, claims).rpartition(".")[2])  # fixed for a key and algorithm
    for blanks in range(4):
        htext = _json(_header(key))
        if blanks:
            htext = htext.replace(",", "," + " " * blanks, 1)
        fixed = len(b64url(htext)) + 2 + sig_len
        for extra in range(length):
            ptext = _json(dict(claims, pad="x" * extra))
            size = fixed + len(b64url(ptext))
            if size == length:
                tok = sign_raw(key, htext, ptext)
                assert len(tok) == length
                return tok
            if size > length:
                break
    raise ValueError("cannot make a %s token of %d characters" % (key.alg, length))


def wrong_parts(token, n):
    """Attacks: the compact form. The token with n dot-separated parts instead of 3: n < 3
    keeps the first n (2: "header.payload", no signature part at all); n > 3 repeats the
    signature part (4: "h.p.s.s", which a split-and-take-three parser accepts)."""
    parts = token.split(".")
    if n <= 3:
        return ".".join(parts[:n])
    return ".".join(parts + [parts[2]] * (n - 3))


def non_canonical(token, padded=False):
    """Attacks: base64url malleability of the signature. padded=False: the last character of
    the signature part changed so it decodes (leniently) to the same bytes but its unused low
    bits are not zero; padded=True: the canonical signature with "=" padding appended ("="
    when its length is a multiple of 4, where no padding is ever right). Either way the
    verifier must refuse a second spelling of an accepted token.
    Raises ValueError when the signature length leaves no unused bits (HS384, ES384, ES512:
    48, 96, 132 bytes); use HS256, RS*, PS*, ES256 or EdDSA for that variant."""
    head, _, sig = token.rpartition(".")
    if padded:
        return "%s.%s%s" % (head, sig, "=" * ((-len(sig) % 4) or 1))
    unused = {2: 4, 3: 2}.get(len(sig) % 4)
    if unused is None:
        raise ValueError("a %d-character signature has no unused bits" % len(sig))
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    value = alphabet.index(sig[-1])
    changed = alphabet[value | ((1 << unused) - 1)]  # set every unused bit
    if changed == sig[-1]:
        changed = alphabet[value ^ 1]
    out = "%s.%s%s" % (head, sig[:-1], changed)
    assert b64url_decode(out.rpartition(".")[2]) == b64url_decode(sig)
    return out


def non_canonical_payload(key, claims):
    """Attacks: a non-canonical base64url spelling of the claims part, validly signed over that
    spelling (so the signature is right and only the encoding is wrong)."""
    header_b64 = b64url(_json(_header(key)))
    payload = _json(claims)
    while len(b64url(payload)) % 4 == 0:  # make room for unused bits
        payload += " "
    p = b64url(payload)
    unused = {2: 4, 3: 2}[len(p) % 4]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    p = p[:-1] + alphabet[alphabet.index(p[-1]) | ((1 << unused) - 1)]
    return _sign_input(key, "%s.%s" % (header_b64, p), key.alg)


def duplicate_claim(key, claims, name, second_value):
    """Attacks: JSON parser differentials. The claims JSON with `name` twice: first its value
    in `claims`, then `second_value` at the end, e.g. duplicate_claim(k, c, "sub", "admin").
    Validly signed; a last-wins parser sees second_value, a first-wins one the original."""
    if name not in claims:
        raise ValueError("claims has no %r to duplicate" % name)
    text = _json(claims)[:-1] + ",%s:%s}" % (json.dumps(name), _json(second_value))
    return sign_raw(key, _json(_header(key)), text)


def duplicate_header_key(key, claims, name="alg", second_value=None):
    """Attacks: JSON parser differentials in the header. The header with `name` twice (default
    "alg", the second time with the same value, so nothing but the duplicate is wrong; give
    second_value, e.g. "none" or another kid, for a differential). Validly signed."""
    header = _header(key)
    if name not in header:
        raise ValueError("the header has no %r to duplicate" % name)
    second = header[name] if second_value is None else second_value
    text = _json(header)[:-1] + ",%s:%s}" % (json.dumps(name), _json(second))
    return sign_raw(key, text, _json(claims))


# ---------------------------------------------------------------------------------------
# Self-check

def _self_check():
    import re
    t0 = time.monotonic()
    keys = make_keys()
    iss, aud = "https://issuer.test", "api"
    c = claims(iss, aud, "user-1", plan="pro")
    for alg, k in keys.items():
        tok = mint(k, c)
        hdr = jwt.get_unverified_header(tok)
        assert hdr == {"alg": alg, "typ": "JWT", "kid": k.kid}, hdr
        assert set(k.jwk) >= {"kid", "kty", "alg", "use"} and k.jwk["use"] == "sig"
        by_jwk = jwt.decode(tok, jwt.PyJWK(k.jwk).key, algorithms=[alg], audience=aud)
        assert by_jwk == c, by_jwk
        if k.pem is not None:
            assert k.pem.startswith(b"-----BEGIN PUBLIC KEY-----")
            assert jwt.decode(tok, k.pem, algorithms=[alg], audience=aud) == c
        else:
            assert alg in HMAC_ALGS and len(k.secret) == _HMAC_SECRET_BYTES[alg]
        other = make_key(alg)
        try:
            jwt.decode(tok, jwt.PyJWK(other.jwk).key, algorithms=[alg], audience=aud)
            raise AssertionError("%s verified with another key" % alg)
        except jwt.InvalidSignatureError:
            pass
        print("ok  %-5s kid=%s  %d chars" % (alg, k.kid, len(tok)))

    # without kid, without typ, at+jwt
    rs = keys["RS256"]
    assert "kid" not in jwt.get_unverified_header(mint(rs, c, headers={"kid": None}))
    assert "typ" not in jwt.get_unverified_header(mint(rs, c, headers={"typ": None}))
    assert jwt.get_unverified_header(mint(rs, c, headers={"typ": "at+jwt"}))["typ"] == "at+jwt"

    built = {}
    for s in NONE_SPELLINGS:
        tok = alg_none(c, s)
        h, p, sig = tok.split(".")
        assert sig == "" and json.loads(b64url_decode(h))["alg"] == s
        assert json.loads(b64url_decode(p)) == c
        built["alg_none(%s)" % s] = tok

    tok = hmac_with_public_key(rs, c)
    h, p, sig = tok.split(".")
    want = hmac.new(rs.pem, ("%s.%s" % (h, p)).encode(), hashlib.sha256).digest()
    assert b64url_decode(sig) == want and jwt.get_unverified_header(tok)["alg"] == "HS256"
    try:
        jwt.encode(c, rs.pem, algorithm="HS256")
        print("note: PyJWT accepted a PEM as an HMAC secret")
    except jwt.InvalidKeyError:
        pass  # PyJWT refuses; that is why it is hand-built
    try:
        jwt.decode(tok, rs.pem, algorithms=["RS256"], audience=aud)
        raise AssertionError("key confusion token verified as RS256")
    except jwt.InvalidAlgorithmError:
        pass
    built["hmac_with_public_key"] = tok

    for name, extra in header_attacks(rs).items():
        tok = with_header(rs, c, extra)
        hdr = jwt.get_unverified_header(tok)
        assert hdr[name] == extra[name], name
        # signed validly: PyJWT (which ignores these fields) verifies it
        assert jwt.decode(tok, rs.pem, algorithms=["RS256"], audience=aud) == c
        built["with_header(%s)" % name] = tok

    for alg in ("RS256", "ES512", "HS384", "EdDSA"):
        for length in (MAX_TOKEN_BYTES, MAX_TOKEN_BYTES + 1):
            k = keys[alg]
            tok = oversized(k, c, length)
            assert len(tok) == length
            got = jwt.decode(tok, jwt.PyJWK(k.jwk).key, algorithms=[alg], audience=aud)
            assert got["sub"] == "user-1"
            built["oversized(%s,%d)" % (alg, length)] = tok

    good = mint(rs, c)
    for n in (2, 4):
        tok = wrong_parts(good, n)
        assert len(tok.split(".")) == n
        built["wrong_parts(%d)" % n] = tok

    for alg in ("HS256", "HS512", "RS256", "PS256", "ES256", "EdDSA"):
        k = keys[alg]
        good = mint(k, c)
        sig = good.rpartition(".")[2]
        for padded in (False, True):
            tok = non_canonical(good, padded)
            bad_sig = tok.rpartition(".")[2]
            assert tok != good and b64url_decode(bad_sig) == b64url_decode(sig)
            assert re.fullmatch(r"[A-Za-z0-9_-]+", bad_sig) or padded
            built["non_canonical(%s,padded=%s)" % (alg, padded)] = tok
    for alg in ("HS384", "ES384", "ES512"):
        good = mint(keys[alg], c)
        try:
            non_canonical(good)
            raise AssertionError("%s: expected no unused bits" % alg)
        except ValueError:
            pass
        built["non_canonical(%s,padded=True)" % alg] = non_canonical(good, True)
    tok = non_canonical_payload(rs, c)
    p = tok.split(".")[1]
    assert b64url(b64url_decode(p)) != p
    built["non_canonical_payload"] = tok

    tok = duplicate_claim(rs, c, "sub", "admin")
    p = b64url_decode(tok.split(".")[1]).decode()
    assert p.count('"sub":') == 2
    assert jwt.decode(tok, rs.pem, algorithms=["RS256"], audience=aud)["sub"] == "admin"
    built["duplicate_claim(sub)"] = tok
    tok = duplicate_header_key(rs, c)
    h = b64url_decode(tok.split(".")[0]).decode()
    assert h.count('"alg":') == 2
    assert jwt.decode(tok, rs.pem, algorithms=["RS256"], audience=aud) == c
    built["duplicate_header_key(alg)"] = tok
    built["duplicate_header_key(kid)"] = duplicate_header_key(rs, c, "kid", "other")

    for name, tok in built.items():
        print("ok  attack %-32s %5d chars" % (name, len(tok)))
    print("jwt_tokens self-check passed: %d algorithms, %d attack tokens, %.1fs"
          % (len(keys), len(built), time.monotonic() - t0))


if __name__ == "__main__":
    _self_check()
