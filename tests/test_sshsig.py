"""SSHSIG verifier against real ssh-keygen keys: each key type, fingerprints, wire rules."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gates.approvals import keys as sshkeys
from gates.approvals.sshsig import SignatureRejected, armour, dearmour, verify_detached
from gates.approvals.wire import Reader, WireError
from tests.sshkit import Key, keygen, sign

MESSAGE = b'{"kind": "release-gates/waiver@v1"}\n'
KINDS = [("ed25519", None), ("ecdsa", 256), ("ecdsa", 384), ("ecdsa", 521), ("rsa", 2048)]


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Key]:
    directory = tmp_path_factory.mktemp("sshsig-keys")
    return {f"{k}{b or ''}": keygen(directory, f"{k}{b or ''}", k, b) for k, b in KINDS}


@pytest.mark.parametrize(
    ("name", "type_", "bits"),
    [
        ("ed25519", "ssh-ed25519", 256),
        ("ecdsa256", "ecdsa-sha2-nistp256", 256),
        ("ecdsa384", "ecdsa-sha2-nistp384", 384),
        ("ecdsa521", "ecdsa-sha2-nistp521", 521),
        ("rsa2048", "ssh-rsa", 2048),
    ],
    ids=["ed25519", "p256", "p384", "p521", "rsa2048"],
)
@pytest.mark.parametrize("hashalg", ["sha256", "sha512"])
def test_verifies_ssh_keygen_signatures(
    made: dict[str, Key], name: str, type_: str, bits: int, hashalg: str
) -> None:
    key = made[name]
    sig = sign(key, MESSAGE, "ns@v1", hashalg=hashalg)
    got = verify_detached(sig, MESSAGE, "ns@v1")
    assert (got.type, got.bits, got.fingerprint, got.openssh()) == (
        type_,
        bits,
        key.fingerprint,
        key.public,
    )
    with pytest.raises(SignatureRejected, match="signature does not verify with key"):
        verify_detached(sig, MESSAGE + b" ", "ns@v1")


def test_armour_round_trip(made: dict[str, Key]) -> None:
    sig = sign(made["ed25519"], MESSAGE, "ns")
    assert armour(dearmour(sig)) == sig  # we armour exactly as ssh-keygen does


def test_parse_openssh_rejects_type_mismatch(made: dict[str, Key]) -> None:
    blob = made["ed25519"].public.split()[1]
    with pytest.raises(
        sshkeys.KeyRejected, match="key says 'ssh-rsa' but its blob is a 'ssh-ed25519' key"
    ):
        sshkeys.parse_openssh(f"ssh-rsa {blob}")


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"\0\0\0\x02\x00\x01", "x has a superfluous leading zero byte"),
        (b"\0\0\0\x01\x80", "x is negative"),
        (b"\0\0\0\x01\x00", "x encodes zero with a needless byte"),
        (b"\0\0\0\x05\x01", "truncated x"),
        (b"\0\0", "truncated x"),
    ],
    ids=["leading-zero", "negative", "zero-byte", "short-body", "short-length"],
)
def test_mpint_is_canonical(data: bytes, error: str) -> None:
    with pytest.raises(WireError) as info:
        Reader(data).mpint("x")
    assert str(info.value) == error


def test_mpint_accepts_canonical() -> None:
    assert Reader(b"\0\0\0\x02\x00\x80").mpint("x") == 0x80
    assert Reader(b"\0\0\0\0").mpint("x") == 0


def test_signature_file_size_limit() -> None:
    with pytest.raises(SignatureRejected, match="signature file is larger than 16384 bytes"):
        dearmour(b"x" * 16_385)


@pytest.fixture(scope="module")
def ed_sig(made: dict[str, Key]) -> bytes:
    return sign(made["ed25519"], MESSAGE, "ns")


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_corruption_is_a_rejection_never_a_crash(ed_sig: bytes, data: st.DataObject) -> None:
    blob = bytearray(dearmour(ed_sig))
    position = data.draw(st.integers(0, len(blob) - 1))
    blob[position] ^= data.draw(st.integers(1, 255))
    cut = data.draw(st.integers(0, len(blob)))
    corrupted = armour(bytes(blob[:cut]) if cut else bytes(blob))
    with pytest.raises(SignatureRejected):
        verify_detached(corrupted, MESSAGE, "ns")
