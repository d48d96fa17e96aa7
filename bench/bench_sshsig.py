"""Benchmark: 1,000 SSHSIG verifications in-process vs 1,000 `ssh-keygen -Y verify` calls.

One run, printed. Keys come from `ssh-keygen`; 1,000 distinct statements are signed in-process
in the SSHSIG format (the first is checked with `ssh-keygen -Y verify`, so the format is the real
one), then each is verified with the allowed_signers lookup included, per key type. The ed25519
line is compared with the raw OpenSSL verify of the same signatures (the floor on this machine)
and with ssh-keygen. Target: <= 0.5 s for 1,000 in-process verifications. Wall and CPU time are
both printed: on a shared machine wall time measures the neighbours as much as us.

    PYTHONPATH=. python bench/bench_sshsig.py [--n 1000]
"""

from __future__ import annotations

import argparse
import base64
import subprocess
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from gates.approvals.signers import parse as parse_signers
from gates.approvals.sshsig import armour, dearmour, parse, signed_data, verify_detached
from gates.approvals.statements import Kind
from gates.approvals.wire import string
from tests.gatekit import NOW
from tests.sshkit import Key, raw_signature

NS = Kind.WAIVER.namespace
KINDS = [("ed25519", None), ("ecdsa", "256"), ("ecdsa", "384"), ("rsa", "3072")]


def keygen(d: Path, kind: str, bits: str | None) -> Key:
    path = d / f"{kind}{bits or ''}"
    argv = ["ssh-keygen", "-q", "-t", kind, "-N", "", "-f", str(path)]
    if bits:
        argv += ["-b", bits]
    subprocess.run(argv, check=True)
    public = " ".join(path.with_suffix(".pub").read_text().split()[:2])
    private = serialization.load_ssh_private_key(path.read_bytes(), password=None)
    return Key(name=path.name, path=path, public=public, fingerprint="", private=private)


def sshsig(key: Key, message: bytes) -> bytes:
    fmt = key.public.split()[0].replace("ssh-rsa", "rsa-sha2-512")
    sig = raw_signature(key, signed_data(NS, b"", "sha512", message), fmt)
    blob = (
        b"SSHSIG"
        + (1).to_bytes(4, "big")
        + string(base64.b64decode(key.public.split()[1]))
        + string(NS.encode())
        + string(b"")
        + string(b"sha512")
        + string(sig)
    )
    return armour(blob)


def keygen_verify(allowed: Path, sig: Path, message: bytes) -> None:
    subprocess.run(
        [
            "ssh-keygen",
            "-Y",
            "verify",
            "-f",
            str(allowed),
            "-I",
            "alice@example.com",
            "-n",
            NS,
            "-s",
            str(sig),
        ],
        input=message,
        capture_output=True,
        check=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1000)
    n = parser.parse_args().n
    messages = [b'{"id": "W-%d", "reason": "%s"}\n' % (i, b"x" * 300) for i in range(n)]
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        lines = []
        for kind, bits in KINDS:
            key = keygen(d, kind, bits)
            sigs = [sshsig(key, m) for m in messages]
            allowed = d / f"allowed_{key.name}"
            allowed.write_text(f'alice@example.com namespaces="{NS}" {key.public}\n')
            (d / "first.sig").write_bytes(sigs[0])
            keygen_verify(allowed, d / "first.sig", messages[0])  # same format as ssh-keygen's
            signers = parse_signers(allowed.read_bytes(), "allowed_signers")
            wall, cpu = time.perf_counter(), time.process_time()
            for sig, message in zip(sigs, messages, strict=True):
                found = verify_detached(sig, message, NS)
                signers.check("alice@example.com", found, NS, NOW)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            lines.append(f"in-process {key.name:>9}: {n} in {wall:.3f} s wall, {cpu:.3f} s CPU")
            if kind == "ed25519":
                ours, ours_cpu = wall, cpu
                prepared = [parse(dearmour(s)) for s in sigs]
                floor = time.perf_counter()
                for env, message in zip(prepared, messages, strict=True):
                    data = signed_data(NS, b"", "sha512", message)
                    assert isinstance(env.public_key.key, ed25519.Ed25519PublicKey)
                    env.public_key.key.verify(env.signature[-64:], data)
                floor = time.perf_counter() - floor
                sig_files = []
                for i, sig in enumerate(sigs):
                    path = d / f"s{i}.sig"
                    path.write_bytes(sig)
                    sig_files.append(path)
                theirs = time.perf_counter()
                for path, message in zip(sig_files, messages, strict=True):
                    keygen_verify(allowed, path, message)
                theirs = time.perf_counter() - theirs
    print("\n".join(lines))
    print(f"raw OpenSSL ed25519 verify (floor): {n} in {floor:.3f} s")
    print(f"ssh-keygen -Y verify ed25519: {n} in {theirs:.3f} s")
    print(f"ratio ssh-keygen / in-process (ed25519): {theirs / ours:.0f}x")
    for label, secs in (("wall", ours), ("CPU", ours_cpu)):
        verdict = "met" if secs <= 0.5 else "MISSED"
        print(f"target <= 0.5 s for {n} in-process ed25519 ({label} time): {verdict}")


if __name__ == "__main__":
    main()
