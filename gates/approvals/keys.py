"""SSH public keys: parse a key blob, name it like `ssh-keygen -l`, verify one raw signature.

Accepted: ssh-ed25519, ecdsa-sha2-nistp256/384/521, and ssh-rsa keys of at least 2048 bits with
rsa-sha2-256/512 signatures. The legacy `ssh-rsa` (SHA-1) signature algorithm, smaller RSA keys,
DSA, security-key (`sk-*`) and certificate key types are refused with a reason. A key blob must be
the canonical encoding of its key (re-encoding it gives the same bytes), so a key is identified by
its blob alone.
"""

from __future__ import annotations

import base64
import functools
import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from gates.approvals.wire import Reader, WireError, mpint, string
from gates.record import record

MIN_RSA_BITS = 2048

_CURVES: dict[str, tuple[str, ec.EllipticCurve, hashes.HashAlgorithm]] = {
    "ecdsa-sha2-nistp256": ("nistp256", ec.SECP256R1(), hashes.SHA256()),
    "ecdsa-sha2-nistp384": ("nistp384", ec.SECP384R1(), hashes.SHA384()),
    "ecdsa-sha2-nistp521": ("nistp521", ec.SECP521R1(), hashes.SHA512()),
}
_RSA_SIG_HASHES: dict[str, hashes.HashAlgorithm] = {
    "rsa-sha2-256": hashes.SHA256(),
    "rsa-sha2-512": hashes.SHA512(),
}

PublicKeyObject = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey | rsa.RSAPublicKey


class KeyRejected(ValueError):
    """A key or signature we do not accept; the message is the reason shown to the user."""


@record
class PublicKey:
    """A parsed, accepted public key. `blob` is its canonical SSH encoding."""

    type: str  # "ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa", ...
    blob: bytes
    bits: int
    key: PublicKeyObject

    @property
    def fingerprint(self) -> str:
        """As `ssh-keygen -l` prints it: SHA256:<unpadded base64 of sha256(blob)>."""
        return fingerprint_of(self.blob)

    def openssh(self) -> str:
        return f"{self.type} {base64.b64encode(self.blob).decode()}"


def fingerprint_of(blob: bytes) -> str:
    digest = hashlib.sha256(blob).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


@functools.lru_cache(maxsize=256)
def parse_blob(blob: bytes) -> PublicKey:
    """Parse an SSH public key blob, or raise KeyRejected naming what is wrong.

    Memoised: a pure function of immutable bytes returning a frozen value, and a run verifies
    many signatures by the same few approvers (exceptions are not cached, so rejections repeat).
    """
    try:
        return _parse(blob)
    except WireError as exc:
        raise KeyRejected(f"malformed public key: {exc}") from None


def _parse(blob: bytes) -> PublicKey:
    r = Reader(blob)
    kind = r.text("key type")
    parsed: PublicKey
    if kind == "ssh-ed25519":
        raw = r.string("ed25519 key")
        if len(raw) != 32:
            raise KeyRejected(f"ed25519 key is {len(raw)} bytes, expected 32")
        r.end("the ed25519 key")
        parsed = PublicKey(
            type=kind, blob=blob, bits=256, key=ed25519.Ed25519PublicKey.from_public_bytes(raw)
        )
    elif kind in _CURVES:
        name, curve, _ = _CURVES[kind]
        if r.text("curve name") != name:
            raise KeyRejected(f"{kind} key names another curve")
        point = r.string("ecdsa point")
        r.end("the ecdsa key")
        if not point.startswith(b"\x04"):
            raise KeyRejected("ecdsa point is not in uncompressed form")
        try:
            key = ec.EllipticCurvePublicKey.from_encoded_point(curve, point)
        except ValueError:
            raise KeyRejected("ecdsa point is not on the curve") from None
        parsed = PublicKey(type=kind, blob=blob, bits=curve.key_size, key=key)
    elif kind == "ssh-rsa":
        e = r.mpint("rsa exponent")
        n = r.mpint("rsa modulus")
        r.end("the rsa key")
        if n.bit_length() < MIN_RSA_BITS:
            raise KeyRejected(
                f"RSA key of {n.bit_length()} bits is too weak (minimum {MIN_RSA_BITS})"
            )
        if e < 3 or e % 2 == 0:
            raise KeyRejected("RSA public exponent is invalid")
        try:
            rsa_key = rsa.RSAPublicNumbers(e, n).public_key()
        except ValueError:
            raise KeyRejected("RSA public key is invalid") from None
        parsed = PublicKey(type=kind, blob=blob, bits=n.bit_length(), key=rsa_key)
    else:
        raise KeyRejected(f"unsupported key type {kind!r}")
    if _encode(parsed) != blob:
        raise KeyRejected("public key is not canonically encoded")
    return parsed


def _encode(key: PublicKey) -> bytes:
    head = string(key.type.encode())
    match key.key:
        case ed25519.Ed25519PublicKey():
            return head + string(key.key.public_bytes(Encoding.Raw, PublicFormat.Raw))
        case ec.EllipticCurvePublicKey():
            point = key.key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
            return head + string(_CURVES[key.type][0].encode()) + string(point)
        case rsa.RSAPublicKey():
            numbers = key.key.public_numbers()
            return head + mpint(numbers.e) + mpint(numbers.n)


def verify(key: PublicKey, signature: bytes, data: bytes) -> None:
    """Check an SSH signature blob (`string format, string sig`) over `data`.

    Raises KeyRejected with the reason when it is not a valid signature by `key`.
    """
    try:
        r = Reader(signature)
        fmt = r.text("signature format")
        raw = r.string("signature bytes")
        r.end("the signature")
    except WireError as exc:
        raise KeyRejected(f"malformed signature: {exc}") from None
    try:
        _verify(key, fmt, raw, data)
    except InvalidSignature:
        raise KeyRejected(f"{fmt} signature does not verify with key {key.fingerprint}") from None


def _verify(key: PublicKey, fmt: str, raw: bytes, data: bytes) -> None:
    match key.key:
        case ed25519.Ed25519PublicKey():
            if fmt != "ssh-ed25519":
                raise KeyRejected(f"signature format {fmt!r} does not match an ed25519 key")
            if len(raw) != 64:
                raise KeyRejected(f"ed25519 signature is {len(raw)} bytes, expected 64")
            key.key.verify(raw, data)
        case ec.EllipticCurvePublicKey():
            if fmt != key.type:
                raise KeyRejected(f"signature format {fmt!r} does not match a {key.type} key")
            try:
                inner = Reader(raw)
                sig_r = inner.mpint("ecdsa r")
                sig_s = inner.mpint("ecdsa s")
                inner.end("the ecdsa signature")
            except WireError as exc:
                raise KeyRejected(f"malformed ecdsa signature: {exc}") from None
            key.key.verify(encode_dss_signature(sig_r, sig_s), data, ec.ECDSA(_CURVES[key.type][2]))
        case rsa.RSAPublicKey():
            if fmt == "ssh-rsa":
                raise KeyRejected("RSA signatures with SHA-1 (ssh-rsa) are not accepted")
            algorithm = _RSA_SIG_HASHES.get(fmt)
            if algorithm is None:
                raise KeyRejected(f"signature format {fmt!r} does not match an RSA key")
            modulus_bytes = (key.bits + 7) // 8
            if len(raw) > modulus_bytes:
                raise KeyRejected("RSA signature is longer than the modulus")
            key.key.verify(raw.rjust(modulus_bytes, b"\0"), data, padding.PKCS1v15(), algorithm)


def parse_openssh(text: str) -> PublicKey:
    """`<type> <base64>`: the key as allowed_signers and .pub files write it."""
    kind, _, rest = text.partition(" ")
    b64 = rest.split(" ", 1)[0]
    try:
        blob = base64.b64decode(b64, validate=True)
    except ValueError:
        raise KeyRejected("public key is not valid base64") from None
    key = parse_blob(blob)
    if key.type != kind:
        raise KeyRejected(f"key says {kind!r} but its blob is a {key.type!r} key")
    return key
