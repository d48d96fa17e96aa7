"""Test helpers for signed approvals: real ssh-keygen keys, signatures and verification.

Keys are made by `ssh-keygen` and signatures by `ssh-keygen -Y sign`; `forge` builds SSHSIG blobs
by hand (with the same private keys) for the malformed cases ssh-keygen would never produce, and
`keygen_verifies` asks the real `ssh-keygen -Y verify` for its verdict, to cross-check ours.
"""

from __future__ import annotations

import base64
import hashlib
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from gates.approvals.sshsig import armour, signed_data
from gates.approvals.wire import mpint, string


@dataclass(frozen=True)
class Key:
    name: str
    path: Path  # private key file
    public: str  # "type base64"
    fingerprint: str
    private: object


def keygen(directory: Path, name: str, kind: str, bits: int | None = None) -> Key:
    path = directory / name
    argv = ["ssh-keygen", "-q", "-t", kind, "-N", "", "-C", name, "-f", str(path)]
    if bits is not None:
        argv[4:4] = ["-b", str(bits)]
    subprocess.run(argv, check=True, capture_output=True)
    public = " ".join(path.with_suffix(".pub").read_text().split()[:2])
    fp = subprocess.run(
        ["ssh-keygen", "-l", "-f", str(path.with_suffix(".pub"))],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()[1]
    private = serialization.load_ssh_private_key(path.read_bytes(), password=None)
    return Key(name=name, path=path, public=public, fingerprint=fp, private=private)


def sign(key: Key, data: bytes, namespace: str, *, hashalg: str | None = None) -> bytes:
    argv = ["ssh-keygen", "-Y", "sign", "-n", namespace, "-f", str(key.path)]
    if hashalg:
        argv += ["-O", f"hashalg={hashalg}"]
    out = subprocess.run(argv, input=data, check=True, capture_output=True)
    return out.stdout


def keygen_verifies(
    allowed_signers: Path, principal: str, namespace: str, sig: bytes, data: bytes, when: datetime
) -> bool:
    """The real ssh-keygen's verdict on one detached signature."""
    sig_file = allowed_signers.parent / f"xcheck-{hashlib.sha256(sig).hexdigest()[:16]}.sig"
    sig_file.write_bytes(sig)
    proc = subprocess.run(
        [
            "ssh-keygen",
            "-Y",
            "verify",
            "-f",
            str(allowed_signers),
            "-I",
            principal,
            "-n",
            namespace,
            "-s",
            str(sig_file),
            "-O",
            f"verify-time={when:%Y%m%d%H%M%S}Z",
        ],
        input=data,
        capture_output=True,
        check=False,
    )
    sig_file.unlink()
    assert proc.returncode in (0, 255), proc.stderr
    return proc.returncode == 0


def key_blob(key: Key) -> bytes:
    return base64.b64decode(key.public.split()[1])


def raw_signature(key: Key, data: bytes, fmt: str) -> bytes:
    """An SSH signature blob over `data`, made in-process (for forged cases)."""
    priv = key.private
    if isinstance(priv, ed25519.Ed25519PrivateKey):
        return string(fmt.encode()) + string(priv.sign(data))
    if isinstance(priv, ec.EllipticCurvePrivateKey):
        algo = {256: hashes.SHA256(), 384: hashes.SHA384(), 521: hashes.SHA512()}[
            priv.curve.key_size
        ]
        r, s = decode_dss_signature(priv.sign(data, ec.ECDSA(algo)))
        return string(fmt.encode()) + string(mpint(r) + mpint(s))
    assert isinstance(priv, rsa.RSAPrivateKey)
    # SHA-1 only to forge the `ssh-rsa` signature the verifier must refuse.
    sha1 = hashes.SHA1()  # noqa: S303
    algo = {"ssh-rsa": sha1, "rsa-sha2-256": hashes.SHA256()}.get(fmt, hashes.SHA512())
    return string(fmt.encode()) + string(priv.sign(data, padding.PKCS1v15(), algo))


def forge(
    key: Key,
    data: bytes,
    namespace: str,
    *,
    magic: bytes = b"SSHSIG",
    version: int = 1,
    reserved: bytes = b"",
    hash_alg: str = "sha512",
    fmt: str | None = None,
    trailing: bytes = b"",
    sig_override: bytes | None = None,
) -> bytes:
    """An armoured SSHSIG built by hand, each field overridable."""
    fmt = fmt or key.public.split()[0].replace("ssh-rsa", "rsa-sha2-512")
    to_sign = (
        signed_data(namespace, reserved, hash_alg, data)
        if hash_alg in ("sha256", "sha512")
        else (
            b"SSHSIG"
            + string(namespace.encode())
            + string(reserved)
            + string(hash_alg.encode())
            + string(hashlib.sha512(data).digest())
        )
    )
    sig = sig_override if sig_override is not None else raw_signature(key, to_sign, fmt)
    blob = (
        magic
        + version.to_bytes(4, "big")
        + string(key_blob(key))
        + string(namespace.encode())
        + string(reserved)
        + string(hash_alg.encode())
        + string(sig)
        + trailing
    )
    return armour(blob)
