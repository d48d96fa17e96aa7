"""SSHSIG: verify an OpenSSH detached signature (`ssh-keygen -Y sign`) in-process.

Implements OpenSSH's PROTOCOL.sshsig. The armour is exactly
`-----BEGIN SSH SIGNATURE-----`, lines of strict base64, `-----END SSH SIGNATURE-----`, each line
ending in LF, nothing after the END line but its newline. The blob is

    byte[6] "SSHSIG" | uint32 version (1) | string publickey | string namespace |
    string reserved (empty) | string hash_algorithm ("sha256"/"sha512") | string signature

with nothing after it, and the signature is made over

    byte[6] "SSHSIG" | string namespace | string reserved | string hash_algorithm |
    string H(message)

Where ssh-keygen is more lenient we are stricter, and say why in the reason: trailing data after
the armour or inside the blob, non-canonical base64, CRLF armour, RSA keys under 2048 bits.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re

from gates.approvals.keys import KeyRejected, PublicKey, parse_blob, verify
from gates.approvals.wire import Reader, WireError, string
from gates.record import record

MAGIC = b"SSHSIG"
VERSION = 1
BEGIN = b"-----BEGIN SSH SIGNATURE-----"
END = b"-----END SSH SIGNATURE-----"
MAX_ARMOUR_BYTES = 16_384  # an RSA-8192 signature armours to about 2.5 KB
_HASHES = {"sha256": hashlib.sha256, "sha512": hashlib.sha512}
_B64_LINE = re.compile(rb"[A-Za-z0-9+/=]+")


class SignatureRejected(ValueError):
    """The signature is not valid; the message is the reason shown to the user."""


@record
class Envelope:
    """The parsed SSHSIG blob, before any cryptographic check."""

    public_key: PublicKey
    namespace: str
    reserved: bytes
    hash_algorithm: str
    signature: bytes


def dearmour(armoured: bytes) -> bytes:
    """The SSHSIG blob inside strict armour, or SignatureRejected."""
    if len(armoured) > MAX_ARMOUR_BYTES:
        raise SignatureRejected(f"signature file is larger than {MAX_ARMOUR_BYTES} bytes")
    if b"\r" in armoured:
        raise SignatureRejected("signature armour has CR characters (CRLF line endings)")
    if not armoured.endswith(b"\n"):
        raise SignatureRejected("signature armour does not end with a newline")
    lines = armoured[:-1].split(b"\n")
    if lines[0] != BEGIN:
        raise SignatureRejected("signature armour does not start with " + BEGIN.decode())
    if END not in lines:
        raise SignatureRejected("signature armour has no END line (truncated?)")
    end = lines.index(END)
    if end != len(lines) - 1:
        raise SignatureRejected("unexpected data after the signature armour's END line")
    body = lines[1:end]
    if not body or not all(_B64_LINE.fullmatch(line) for line in body):
        raise SignatureRejected("signature armour body is not base64")
    joined = b"".join(body)
    try:
        blob = base64.b64decode(joined, validate=True)
    except binascii.Error:
        raise SignatureRejected("signature armour body is not valid base64 (truncated?)") from None
    if base64.b64encode(blob) != joined:
        raise SignatureRejected("signature armour body is not canonical base64")
    return blob


def parse(blob: bytes) -> Envelope:
    """Parse the SSHSIG blob strictly, or SignatureRejected."""
    r = Reader(blob)
    try:
        if r.take(6, "magic") != MAGIC:
            raise SignatureRejected("not an SSHSIG signature (bad magic)")
        version = r.uint32("version")
        if version != VERSION:
            raise SignatureRejected(f"unsupported SSHSIG version {version}")
        key_blob = r.string("public key")
        namespace = r.string("namespace")
        reserved = r.string("reserved")
        hash_alg = r.text("hash algorithm")
        signature = r.string("signature")
        r.end("the SSHSIG blob")
    except WireError as exc:
        raise SignatureRejected(f"malformed SSHSIG blob: {exc}") from None
    try:
        key = parse_blob(key_blob)
        ns = namespace.decode("utf-8")
    except KeyRejected as exc:
        raise SignatureRejected(str(exc)) from None
    except UnicodeDecodeError:
        raise SignatureRejected("namespace is not UTF-8") from None
    return Envelope(
        public_key=key,
        namespace=ns,
        reserved=reserved,
        hash_algorithm=hash_alg,
        signature=signature,
    )


def signed_data(namespace: str, reserved: bytes, hash_alg: str, message: bytes) -> bytes:
    digest = _HASHES[hash_alg](message).digest()
    return (
        MAGIC
        + string(namespace.encode())
        + string(reserved)
        + string(hash_alg.encode())
        + string(digest)
    )


def verify_detached(armoured: bytes, message: bytes, namespace: str) -> PublicKey:
    """Verify `armoured` over `message` in `namespace`; return the signing key.

    Who the key belongs to, and whether it is trusted, is the allowed_signers' business.
    """
    env = parse(dearmour(armoured))
    if env.namespace != namespace:
        raise SignatureRejected(
            f"signature is for namespace {env.namespace!r}, expected {namespace!r}"
        )
    if env.reserved:
        raise SignatureRejected("signature's reserved field is not empty")
    if env.hash_algorithm not in _HASHES:
        raise SignatureRejected(f"unsupported hash algorithm {env.hash_algorithm!r}")
    data = signed_data(env.namespace, env.reserved, env.hash_algorithm, message)
    try:
        verify(env.public_key, env.signature, data)
    except KeyRejected as exc:
        raise SignatureRejected(str(exc)) from None
    return env.public_key


def armour(blob: bytes) -> bytes:
    """Armour a blob the way ssh-keygen does (70 base64 characters a line)."""
    b64 = base64.b64encode(blob)
    lines = [b64[i : i + 70] for i in range(0, len(b64), 70)]
    return b"\n".join([BEGIN, *lines, END]) + b"\n"
