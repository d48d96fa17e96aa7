"""Adversarial table for signed waivers: each case states the exact verdict and reason.

Every case builds a real repository in tmp_path with keys made by `ssh-keygen` and signatures
made by `ssh-keygen -Y sign` (or forged by hand where ssh-keygen would never produce them), runs
`load_waivers`, and asserts (state, reason). Each signature file is also handed to the real
`ssh-keygen -Y verify` with the same allowed_signers and verify time: our signature verdict must
equal its verdict, except in the cases listed as `stricter`, where ssh-keygen accepts something we
refuse on purpose (data after the armour's END line, RSA keys under 2048 bits) and the test
asserts exactly that.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from gates.approvals import coverage
from gates.approvals.load import load_waivers
from gates.approvals.signers import SignerRejected
from gates.approvals.signers import parse as parse_signers
from gates.approvals.sshsig import SignatureRejected, verify_detached
from gates.approvals.statements import Kind, render
from gates.errors import InvalidInput
from gates.model import Severity
from gates.policy import Policy
from tests.gatekit import NOW, git, make_repo
from tests.sshkit import Key, forge, keygen, keygen_verifies, sign

NS = Kind.WAIVER.namespace
SIGNOFF_NS = Kind.SIGNOFF.namespace
REPO = "github.com/acme/payments"
FP = "ab" * 32
WID = "W-1"
SIGNERS_FILE = ".release-gates/allowed_signers"
PRINCIPALS = {
    "alice": "ed25519",
    "bob": "ed25519",
    "carol": "ed25519",
    "dave": "ecdsa256",
    "erin": "rsa2048",
    "frank": "ecdsa384",
    "gina": "ecdsa521",
    "weak": "rsa1024",
    "mallory": "ed25519",
}


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Key]:
    directory = tmp_path_factory.mktemp("keys")
    made = {}
    for name, kind in PRINCIPALS.items():
        if kind.startswith("ecdsa"):
            made[name] = keygen(directory, name, "ecdsa", int(kind[5:]))
        elif kind.startswith("rsa"):
            made[name] = keygen(directory, name, "rsa", int(kind[3:]))
        else:
            made[name] = keygen(directory, name, "ed25519")
    return made


def p(name: str) -> str:
    return f"{name}@example.com"


@dataclass
class World:
    """A scenario, starting from a valid waiver signed by alice (security) and bob (compliance)."""

    keys: dict[str, Key]
    statement: dict[str, Any] = field(default_factory=dict)
    signers: dict[str, str] = field(default_factory=dict)  # principal -> key name
    sig_makers: dict[str, Callable[[Key, bytes], bytes]] = field(default_factory=dict)
    tamper: Callable[[bytes], bytes] | None = None
    allowed: list[str] = field(default_factory=list)
    approvals: dict[str, Any] = field(default_factory=dict)
    roles: dict[str, list[str]] = field(default_factory=dict)
    findings: list[tuple[str, str, str]] = field(default_factory=list)
    post: list[Callable[[Path], None]] = field(default_factory=list)
    now: datetime = NOW
    dir_name: str = WID
    trust_ref: str | None = None
    base_allowed: list[str] | None = None  # committed version, when it differs (trust-ref cases)


Mutation = Callable[[World], object]


def base(keys: dict[str, Key]) -> World:
    w = World(keys=keys)
    w.statement = {
        "kind": "release-gates/waiver@v1",
        "id": WID,
        "repo": REPO,
        "findings": [
            {
                "gate": "sast",
                "rule": "sast.float-money",
                "fingerprint": FP,
                "max_occurrences": 1,
                "severity": "high",
            }
        ],
        "reason": "Legacy rounding path, replaced by Decimal in PAY-77 next sprint.",
        "ticket": "PAY-77",
        "requested_by": p("carol"),
        "issued_at": "2026-11-20T00:00:00Z",
        "expires_at": "2026-12-20T00:00:00Z",
    }
    w.signers = {p("alice"): "alice", p("bob"): "bob"}
    both = f'namespaces="{NS},{SIGNOFF_NS}"'
    w.allowed = [
        "# approvers of acme/payments",
        f"{p('alice')} {both} {keys['alice'].public}",
        f'{p("bob")} namespaces="{NS}" {keys["bob"].public} bob laptop',
        f"{p('carol')} {keys['carol'].public}",
        f"{p('dave')} {keys['dave'].public}",
        f"{p('erin')} {keys['erin'].public}",
        f"{p('frank')} {keys['frank'].public}",
        f"{p('gina')} {keys['gina'].public}",
        f"{p('weak')} {keys['weak'].public}",
    ]
    w.approvals = {
        "repository": REPO,
        "required": {"security": 1, "compliance": 1},
        "warn_days": 7,
        "min_reason_length": 20,
    }
    w.roles = {
        "security": [p("alice"), p("dave"), p("frank")],
        "compliance": [p("bob"), p("erin"), p("gina"), p("weak")],
    }
    w.findings = [("sast", "sast.float-money", FP)]
    return w


# --- mutations ---------------------------------------------------------------------------------


def signer(role_holder: str, key: str) -> Mutation:
    """Replace the compliance or security signer."""

    def mutate(w: World) -> None:
        replaced = p("bob") if role_holder in ("erin", "gina", "weak") else p("alice")
        del w.signers[replaced]
        w.signers[p(role_holder)] = key

    return mutate


def sig_for(principal: str, maker: Callable[[Key, bytes], bytes]) -> Mutation:
    def mutate(w: World) -> None:
        w.sig_makers[p(principal)] = maker

    return mutate


def stmt(**changes: Any) -> Mutation:
    def mutate(w: World) -> None:
        w.statement.update(changes)

    return mutate


def entry(**changes: Any) -> Mutation:
    def mutate(w: World) -> None:
        w.statement["findings"][0].update(changes)

    return mutate


def policy(**changes: Any) -> Mutation:
    def mutate(w: World) -> None:
        w.approvals.update(changes)

    return mutate


def tamper(fn: Callable[[bytes], bytes]) -> Mutation:
    def mutate(w: World) -> None:
        w.tamper = fn

    return mutate


def post(fn: Callable[[Path], None]) -> Mutation:
    def mutate(w: World) -> None:
        w.post.append(fn)

    return mutate


def allowed(index: int, line: str) -> Mutation:
    def mutate(w: World) -> None:
        w.allowed[index] = line.format(**{k: v.public for k, v in w.keys.items()})

    return mutate


def all_of(*fns: Mutation) -> Mutation:
    def mutate(w: World) -> None:
        for fn in fns:
            fn(w)

    return mutate


def in_dir(root: Path, *parts: str) -> Path:
    return root.joinpath(".release-gates", "approvals", WID, *parts)


def symlink_statement(root: Path) -> None:
    target = in_dir(root, "statement.json")
    real = root / "elsewhere.json"
    target.rename(real)
    target.symlink_to(real)


def symlink_sig(root: Path) -> None:
    target = in_dir(root, f"{p('bob')}.sig")
    real = root / "bob.sig"
    target.rename(real)
    target.symlink_to(real)


def symlink_dir(root: Path) -> None:
    d = in_dir(root)
    d.rename(root / "real-w1")
    d.symlink_to(root / "real-w1")


def copy_sig(src: str, dst: str) -> Callable[[Path], None]:
    def run(root: Path) -> None:
        in_dir(root, f"{p(dst)}.sig").write_bytes(in_dir(root, f"{p(src)}.sig").read_bytes())

    return run


def add_file(name: str, data: bytes) -> Callable[[Path], None]:
    def run(root: Path) -> None:
        in_dir(root, name).write_bytes(data)

    return run


def drop_last_body_chars(sig: bytes) -> bytes:
    lines = sig.split(b"\n")
    lines[-3] = lines[-3][:-4]  # last base64 line loses one 4-character group
    return b"\n".join(lines)


def flip_padding_bits(sig: bytes) -> bytes:
    """Same bytes, but the base64 character before the padding has its unused low bits set."""
    alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    lines = sig.split(b"\n")
    last = lines[-3]
    stripped = last.rstrip(b"=")
    pad = len(last) - len(stripped)
    assert pad, "fixture signature has no padding"
    mask = 0b1111 if pad == 2 else 0b11
    ch = alphabet.index(stripped[-1:])
    lines[-3] = stripped[:-1] + alphabet[ch | mask : (ch | mask) + 1] + b"=" * pad
    assert lines[-3] != last
    return b"\n".join(lines)


def keygen_sig(namespace: str, hashalg: str | None = None) -> Callable[[Key, bytes], bytes]:
    return lambda key, data: sign(key, data, namespace, hashalg=hashalg)


def forged(**kw: Any) -> Callable[[Key, bytes], bytes]:
    return lambda key, data: forge(key, data, NS, **kw)


def wrap(fn: Callable[[bytes], bytes]) -> Callable[[Key, bytes], bytes]:
    return lambda key, data: fn(sign(key, data, NS))


def other_key(name: str) -> Callable[[Key, bytes], bytes]:
    return lambda _key, data: sign(KEYS[name], data, NS)


KEYS: dict[str, Key] = {}  # filled by the test from the session fixture (other_key needs it)


def trust_ref_adds_mallory(w: World) -> None:
    """The change adds mallory to allowed_signers and to the compliance role; base ref lacks it."""
    w.base_allowed = list(w.allowed)
    w.allowed.append(f"{p('mallory')} {w.keys['mallory'].public}")
    w.roles["compliance"].append(p("mallory"))
    del w.signers[p("bob")]
    w.signers[p("mallory")] = "mallory"
    w.trust_ref = "HEAD"


def author(email: str) -> Mutation:
    def mutate(w: World) -> None:
        w.post.append(lambda root: _commit_as(root, email))

    return mutate


def _commit_as(root: Path, email: str) -> None:
    (root / "change.txt").write_text("x\n")
    git(root, "add", "change.txt")
    git(root, "-c", f"user.email={email}", "commit", "-q", "-m", "change")


# --- the table --------------------------------------------------------------------------------

ALICE_SIG = "alice@example.com.sig"
BOB_SIG = "bob@example.com.sig"
VALID = ("valid", "signed by alice@example.com (security), bob@example.com (compliance)")
TAMPERED = (
    "rejected",
    "alice@example.com.sig: ssh-ed25519 signature does not verify with key {alice}; "
    "bob@example.com.sig: ssh-ed25519 signature does not verify with key {bob}",
)
BOB_BAD = "rejected", BOB_SIG + ": {reason}"


def bob_rejected(reason: str) -> tuple[str, str]:
    return ("rejected", f"{BOB_SIG}: {reason}")


Case = tuple[str, Mutation, tuple[str, str], frozenset[str]]
NONE: frozenset[str] = frozenset()
BOB = frozenset({p("bob")})

CASES: list[Case] = [
    ("valid-ed25519", all_of(), VALID, NONE),
    (
        "valid-ecdsa-p256",
        signer("dave", "dave"),
        ("valid", "signed by bob@example.com (compliance), dave@example.com (security)"),
        NONE,
    ),
    (
        "valid-ecdsa-p384",
        signer("frank", "frank"),
        ("valid", "signed by bob@example.com (compliance), frank@example.com (security)"),
        NONE,
    ),
    (
        "valid-ecdsa-p521",
        signer("gina", "gina"),
        ("valid", "signed by alice@example.com (security), gina@example.com (compliance)"),
        NONE,
    ),
    (
        "valid-rsa-2048-sha512",
        signer("erin", "erin"),
        ("valid", "signed by alice@example.com (security), erin@example.com (compliance)"),
        NONE,
    ),
    (
        "valid-rsa-sha2-256-forged",
        all_of(signer("erin", "erin"), sig_for("erin", forged(fmt="rsa-sha2-256"))),
        ("valid", "signed by alice@example.com (security), erin@example.com (compliance)"),
        NONE,
    ),
    ("valid-sshsig-hash-sha256", sig_for("bob", keygen_sig(NS, "sha256")), VALID, NONE),
    ("valid-forged-matches-keygen", sig_for("bob", forged()), VALID, NONE),
    (
        "statement-one-byte-changed",
        tamper(lambda b: b.replace(b"PAY-77", b"PAY-78", 1)),
        TAMPERED,
        NONE,
    ),
    ("statement-crlf-line-endings", tamper(lambda b: b.replace(b"\n", b"\r\n")), TAMPERED, NONE),
    ("statement-trailing-newline-added", tamper(lambda b: b + b"\n"), TAMPERED, NONE),
    (
        "signature-wrong-namespace-signoff",
        sig_for("bob", keygen_sig(SIGNOFF_NS)),
        bob_rejected(
            "signature is for namespace 'release-gates-signoff@v1', "
            "expected 'release-gates-waiver@v1'"
        ),
        NONE,
    ),
    (
        "signature-namespace-git",
        sig_for("bob", keygen_sig("git")),
        bob_rejected("signature is for namespace 'git', expected 'release-gates-waiver@v1'"),
        NONE,
    ),
    (
        "key-not-in-allowed-signers",
        sig_for("bob", other_key("mallory")),
        bob_rejected("key {mallory} is not in .release-gates/allowed_signers"),
        NONE,
    ),
    (
        "principal-key-mismatch",
        sig_for("bob", other_key("carol")),
        bob_rejected(
            "key {carol} is not listed for principal bob@example.com in "
            ".release-gates/allowed_signers"
        ),
        NONE,
    ),
    (
        "allowed-signers-namespace-excludes-waivers",
        allowed(2, f'bob@example.com namespaces="{SIGNOFF_NS}" {{bob}}'),
        bob_rejected(
            ".release-gates/allowed_signers:3 does not allow namespace 'release-gates-waiver@v1'"
        ),
        NONE,
    ),
    (
        "key-not-yet-valid",
        allowed(2, 'bob@example.com valid-after="20270101Z" {bob}'),
        bob_rejected(".release-gates/allowed_signers:3: key not valid before 2027-01-01T00:00:00Z"),
        NONE,
    ),
    (
        "key-expired",
        allowed(2, 'bob@example.com valid-before="20261101120000Z" {bob}'),
        bob_rejected(".release-gates/allowed_signers:3: key expired at 2026-11-01T12:00:00Z"),
        NONE,
    ),
    (
        "key-inside-validity-window",
        allowed(2, 'bob@example.com valid-after="20260101Z",valid-before="20270101Z" {bob}'),
        VALID,
        NONE,
    ),
    (
        "key-valid-before-equals-now",
        allowed(2, 'bob@example.com valid-before="20261125120000Z" {bob}'),
        VALID,
        NONE,
    ),
    (
        "key-valid-after-equals-now",
        allowed(2, 'bob@example.com valid-after="20261125120000Z" {bob}'),
        VALID,
        NONE,
    ),
    (
        "key-second-line-allows-namespace",
        all_of(
            allowed(2, f'bob@example.com namespaces="{SIGNOFF_NS}" {{bob}}'),
            lambda w: w.allowed.append(f'{p("bob")} namespaces="{NS}" {w.keys["bob"].public}'),
        ),
        VALID,
        NONE,
    ),
    (
        "statement-expired",
        stmt(issued_at="2026-10-01T00:00:00Z", expires_at="2026-10-31T00:00:00Z"),
        ("expired", "expired at 2026-10-31T00:00:00Z"),
        NONE,
    ),
    (
        "statement-expires-exactly-now",
        stmt(issued_at="2026-11-01T12:00:00Z", expires_at="2026-11-25T12:00:00Z"),
        ("expired", "expired at 2026-11-25T12:00:00Z"),
        NONE,
    ),
    (
        "statement-expiring-within-warn-days",
        stmt(expires_at="2026-11-30T00:00:00Z"),
        ("expiring", "expires at 2026-11-30T00:00:00Z"),
        NONE,
    ),
    (
        "statement-issued-within-clock-skew",  # the signer's clock runs 4 minutes ahead
        stmt(issued_at="2026-11-25T12:04:00Z"),
        VALID,
        NONE,
    ),
    (
        "statement-issued-beyond-clock-skew",
        stmt(issued_at="2026-11-25T12:06:00Z"),
        ("rejected", "not valid yet: issued_at 2026-11-25T12:06:00Z is in the future"),
        NONE,
    ),
    (
        "statement-not-yet-valid",
        stmt(issued_at="2026-11-26T00:00:00Z", expires_at="2026-12-20T00:00:00Z"),
        ("rejected", "not valid yet: issued_at 2026-11-26T00:00:00Z is in the future"),
        NONE,
    ),
    (
        "lifetime-beyond-high-cap",
        stmt(expires_at="2026-12-21T00:00:00Z"),
        (
            "rejected",
            "lifetime of 31 days exceeds the policy's maximum of 30 days for high findings",
        ),
        NONE,
    ),
    (
        "lifetime-beyond-critical-cap",
        all_of(entry(severity="critical"), stmt(expires_at="2026-12-05T00:00:00Z")),
        (
            "rejected",
            "lifetime of 15 days exceeds the policy's maximum of 14 days for critical findings",
        ),
        NONE,
    ),
    (
        "lifetime-low-severity-90-days-ok",
        all_of(entry(severity="low"), stmt(expires_at="2027-02-18T00:00:00Z")),
        VALID,
        NONE,
    ),
    (
        "lifetime-policy-cap-lowered",
        policy(max_lifetime_days={"high": 10}),
        (
            "rejected",
            "lifetime of 30 days exceeds the policy's maximum of 10 days for high findings",
        ),
        NONE,
    ),
    (
        "requester-signs-own-waiver",
        stmt(requested_by=p("alice")),
        (
            "rejected",
            "quorum not met: security 0/1 (alice@example.com does not count (the requester))",
        ),
        NONE,
    ),
    (
        "same-signature-copied-to-another-principal",
        post(copy_sig("alice", "dave")),
        (
            "rejected",
            "dave@example.com.sig: key {alice} is not listed for principal "
            "dave@example.com in .release-gates/allowed_signers",
        ),
        NONE,
    ),
    (
        "one-person-two-principals-one-key",
        all_of(
            lambda w: w.allowed.append(f"alice.ops@example.com {w.keys['alice'].public}"),
            lambda w: w.roles["compliance"].append("alice.ops@example.com"),
            lambda w: w.signers.pop(p("bob")),
            lambda w: w.signers.__setitem__("alice.ops@example.com", "alice"),
        ),
        (
            "rejected",
            "quorum not met: security 0/1 (alice.ops@example.com and alice@example.com "
            "signed with the same key: counted once)",
        ),
        NONE,
    ),
    (
        "one-person-two-keys-counts-once",
        all_of(
            lambda w: w.allowed.append(f"{p('alice')} {w.keys['frank'].public}"),
            policy(required={"security": 2}),
            lambda w: w.signers.pop(p("bob")),
        ),
        ("rejected", "quorum not met: security 1/2"),
        NONE,
    ),
    (
        "one-person-in-two-roles-alone",
        all_of(
            lambda w: w.roles["compliance"].append(p("alice")),
            lambda w: w.signers.pop(p("bob")),
        ),
        ("rejected", "quorum not met: security 0/1"),
        NONE,
    ),
    (
        "one-person-in-two-roles-matched",
        all_of(
            lambda w: w.roles["compliance"].append(p("dave")),
            lambda w: w.signers.pop(p("bob")),
            lambda w: w.signers.__setitem__(p("dave"), "dave"),
        ),
        ("valid", "signed by alice@example.com (security), dave@example.com (compliance)"),
        NONE,
    ),
    (
        "signer-in-no-role",
        all_of(
            lambda w: w.signers.pop(p("bob")),
            lambda w: w.signers.__setitem__(p("mallory"), "mallory"),
            lambda w: w.allowed.append(f"{p('mallory')} {w.keys['mallory'].public}"),
        ),
        (
            "rejected",
            "quorum not met: compliance 0/1 (not in a needed role (or already counted): "
            "mallory@example.com)",
        ),
        NONE,
    ),
    (
        "only-one-role-signed",
        lambda w: w.signers.pop(p("bob")),
        ("rejected", "quorum not met: compliance 0/1"),
        NONE,
    ),
    ("no-signatures", lambda w: w.signers.clear(), ("rejected", "no signatures"), NONE),
    (
        "commit-author-does-not-count",
        author(p("bob")),
        (
            "rejected",
            "quorum not met: compliance 0/1 (bob@example.com does not count (a commit author))",
        ),
        NONE,
    ),
    (
        "commit-author-counts-when-policy-says",
        all_of(author(p("bob")), policy(commit_author_counts=True)),
        VALID,
        NONE,
    ),
    (
        "revoked-approval-id",
        policy(revoked_ids=[WID]),
        ("rejected", "approval id W-1 is revoked by the policy"),
        NONE,
    ),
    (
        "revoked-key",
        lambda w: w.approvals.__setitem__("revoked_keys", [w.keys["bob"].fingerprint]),
        bob_rejected("key {bob} is revoked by the policy"),
        NONE,
    ),
    (
        "statement-for-another-repository",
        stmt(repo="github.com/acme/other"),
        (
            "rejected",
            "statement is for repository 'github.com/acme/other', not 'github.com/acme/payments'",
        ),
        NONE,
    ),
    (
        "waiver-for-a-signoff-finding",
        entry(gate="signoff", rule="signoff.missing"),
        (
            "rejected",
            "signoff.missing cannot be waived: only a sign-off by the required roles clears it "
            "(gates signoff new)",
        ),
        NONE,
    ),
    (
        "fingerprint-matches-nothing",
        entry(fingerprint="cd" * 32),
        ("unused", "sast.float-money " + "cd" * 32 + " matches no finding"),
        NONE,
    ),
    (
        "more-occurrences-than-waived",
        lambda w: w.findings.extend([w.findings[0], w.findings[0]]),
        ("exceeded", "covers 1 of 3 occurrences of sast.float-money; 2 still block"),
        NONE,
    ),
    (
        "occurrences-within-count",
        all_of(entry(max_occurrences=3), lambda w: w.findings.append(w.findings[0])),
        VALID,
        NONE,
    ),
    (
        "trailing-garbage-after-armour",
        sig_for("bob", wrap(lambda s: s + b"garbage\n")),
        bob_rejected("unexpected data after the signature armour's END line"),
        BOB,
    ),
    (
        "signature-armour-crlf",
        sig_for("bob", wrap(lambda s: s.replace(b"\n", b"\r\n"))),
        bob_rejected("signature armour has CR characters (CRLF line endings)"),
        NONE,
    ),
    (
        "truncated-base64",
        sig_for("bob", wrap(drop_last_body_chars)),
        bob_rejected("malformed SSHSIG blob: truncated signature"),
        NONE,
    ),
    (
        "truncated-armour-no-end-line",
        sig_for("bob", wrap(lambda s: s[: s.index(b"-----END")])),
        bob_rejected("signature armour has no END line (truncated?)"),
        NONE,
    ),
    (
        "armour-missing-begin-line",
        sig_for("bob", wrap(lambda s: s[s.index(b"\n") + 1 :])),
        bob_rejected("signature armour does not start with -----BEGIN SSH SIGNATURE-----"),
        NONE,
    ),
    (
        "armour-non-base64-character",
        sig_for("bob", wrap(lambda s: s.replace(b"\n", b"\n*", 1))),
        bob_rejected("signature armour body is not base64"),
        NONE,
    ),
    (
        "non-canonical-base64-padding-bits",
        sig_for("bob", wrap(flip_padding_bits)),
        bob_rejected("signature armour body is not canonical base64"),
        NONE,
    ),
    (
        "empty-signature-file",
        sig_for("bob", lambda _k, _d: b""),
        bob_rejected("signature armour does not end with a newline"),
        NONE,
    ),
    (
        "rsa-1024-key",
        all_of(signer("weak", "weak")),
        ("rejected", "weak@example.com.sig: RSA key of 1024 bits is too weak (minimum 2048)"),
        frozenset({p("weak")}),
    ),
    (
        "rsa-sha1-signature",
        all_of(signer("erin", "erin"), sig_for("erin", forged(fmt="ssh-rsa"))),
        ("rejected", "erin@example.com.sig: RSA signatures with SHA-1 (ssh-rsa) are not accepted"),
        NONE,
    ),
    (
        "sshsig-version-2",
        sig_for("bob", forged(version=2)),
        bob_rejected("unsupported SSHSIG version 2"),
        NONE,
    ),
    (
        "sshsig-bad-magic",
        sig_for("bob", forged(magic=b"SSHSIH")),
        bob_rejected("not an SSHSIG signature (bad magic)"),
        NONE,
    ),
    (
        "sshsig-reserved-not-empty",
        sig_for("bob", forged(reserved=b"x")),
        bob_rejected("signature's reserved field is not empty"),
        NONE,
    ),
    (
        "sshsig-hash-sha1",
        sig_for("bob", forged(hash_alg="sha1")),
        bob_rejected("unsupported hash algorithm 'sha1'"),
        NONE,
    ),
    (
        "sshsig-trailing-bytes-in-blob",
        sig_for("bob", forged(trailing=b"\0\0\0")),
        bob_rejected("malformed SSHSIG blob: 3 unexpected trailing bytes after the SSHSIG blob"),
        NONE,
    ),
    (
        "ed25519-signature-truncated",
        sig_for("bob", forged(sig_override=b"\0\0\0\x0bssh-ed25519\0\0\0\x3f" + b"\1" * 63)),
        bob_rejected("ed25519 signature is 63 bytes, expected 64"),
        NONE,
    ),
    (
        "ecdsa-format-mismatch",
        all_of(signer("dave", "dave"), sig_for("dave", forged(fmt="ecdsa-sha2-nistp384"))),
        (
            "rejected",
            "dave@example.com.sig: signature format 'ecdsa-sha2-nistp384' does not "
            "match a ecdsa-sha2-nistp256 key",
        ),
        NONE,
    ),
    (
        "duplicate-json-keys",
        tamper(lambda b: b.replace(b'  "reason"', b'  "reason": "x",\n  "reason"', 1)),
        ("rejected", "statement has the key 'reason' twice"),
        NONE,
    ),
    (
        "json-nan",
        tamper(lambda b: b.replace(b'"max_occurrences": 1', b'"max_occurrences": NaN', 1)),
        ("rejected", "statement contains NaN, which is not JSON"),
        NONE,
    ),
    (
        "json-byte-order-mark",
        tamper(lambda b: b"\xef\xbb\xbf" + b),
        ("rejected", "statement starts with a byte-order mark"),
        NONE,
    ),
    (
        "unknown-statement-key",
        stmt(approved="yes"),
        ("rejected", "unknown statement keys: approved"),
        NONE,
    ),
    (
        "statement-wrong-kind",
        stmt(kind="release-gates/signoff@v1"),
        (
            "rejected",
            "statement kind is 'release-gates/signoff@v1', expected 'release-gates/waiver@v1'",
        ),
        NONE,
    ),
    (
        "statement-moved-to-other-id",
        lambda w: setattr(w, "dir_name", "W-2"),
        ("rejected", "statement id 'W-1' does not match its directory 'W-2'"),
        NONE,
    ),
    (
        "reason-too-short",
        stmt(reason="because"),
        ("rejected", "reason is 7 characters; the policy needs at least 20"),
        NONE,
    ),
    (
        "expires-before-issued",
        stmt(expires_at="2026-11-19T00:00:00Z"),
        ("rejected", "expires_at is not after issued_at"),
        NONE,
    ),
    (
        "time-not-utc",
        stmt(expires_at="2026-12-20T00:00:00+01:00"),
        ("rejected", "expires_at must be an RFC 3339 UTC time like 2026-11-25T12:00:00Z"),
        NONE,
    ),
    (
        "statement-is-symlink",
        post(symlink_statement),
        ("rejected", "statement.json is a symlink"),
        NONE,
    ),
    (
        "signature-is-symlink",
        post(symlink_sig),
        ("rejected", "bob@example.com.sig is a symlink"),
        NONE,
    ),
    (
        "approval-dir-is-symlink",
        post(symlink_dir),
        ("rejected", "not a directory (a symlink or a file)"),
        NONE,
    ),
    (
        "statement-huge",
        stmt(
            reason="x" * 3000,
            ticket="PAY-77",
            findings=[
                {
                    "gate": "sast",
                    "rule": "sast.float-money",
                    "fingerprint": f"{i:064x}",
                    "max_occurrences": 1,
                    "severity": "high",
                }
                for i in range(700)
            ],
        ),
        ("rejected", "statement.json is {size} bytes (limit 65536)"),
        NONE,
    ),
    (
        "signature-file-bad-principal-name",
        post(add_file("bob example.sig", b"x")),
        ("rejected", "bob example.sig: not a valid principal name"),
        NONE,
    ),
    (
        "trust-ref-ignores-signer-added-by-the-change",
        trust_ref_adds_mallory,
        (
            "rejected",
            "mallory@example.com.sig: key {mallory} is not in HEAD:.release-gates/allowed_signers",
        ),
        NONE,
    ),
    (
        "allowed-signers-wildcard-principal",
        allowed(2, "*@example.com {bob}"),
        (
            "error",
            ".release-gates/allowed_signers: line 3: wildcard principal '*@example.com' is "
            "not allowed. Fix: name each approver exactly (e.g. alice@example.com)",
        ),
        NONE,
    ),
    (
        "allowed-signers-cert-authority",
        allowed(2, "bob@example.com cert-authority {bob}"),
        (
            "error",
            ".release-gates/allowed_signers: line 3: cert-authority lines are not supported "
            "(certificates are not verified, so a CA would trust keys the revocation list "
            "never sees). Fix: list each signer's own public key instead",
        ),
        NONE,
    ),
    (
        "allowed-signers-local-time",
        allowed(2, 'bob@example.com valid-before="20270101" {bob}'),
        (
            "error",
            ".release-gates/allowed_signers: line 3: valid-before='20270101' has no Z: "
            "OpenSSH would read it in the local time zone. Fix: append Z to state UTC: "
            'valid-before="20270101Z"',
        ),
        NONE,
    ),
    (
        "allowed-signers-empty",
        lambda w: w.allowed.clear(),
        (
            "error",
            ".release-gates/allowed_signers: $: no usable signer keys. Fix: list each "
            'approver as `principal namespaces="..." ssh-ed25519 AAAA...`',
        ),
        NONE,
    ),
    (
        "roles-wildcard",
        lambda w: w.roles.__setitem__("security", ["*"]),
        (
            "error",
            "policy.yaml: $.roles.security: '*' is a wildcard or not a string. Fix: name "
            "each principal exactly (e.g. alice@example.com)",
        ),
        NONE,
    ),
    (
        "policy-without-approvers",
        all_of(lambda w: w.approvals.clear(), lambda w: w.roles.clear()),
        (
            "rejected",
            "the policy names no approvers (add approvals: and roles: on the base branch)",
        ),
        NONE,
    ),
    (
        "policy-requires-nobody",
        policy(required={}),
        (
            "error",
            "policy.yaml: $.approvals.required: no required roles: a quorum of nobody "
            "would approve anything. Fix: set required: {{compliance: 1}}",
        ),
        NONE,
    ),
]


def build(tmp: Path, w: World) -> tuple[Path, dict[str, bytes], bytes]:
    """Write the scenario into a git repository; return (root, signatures, statement bytes)."""
    root = tmp / "repo"
    first = w.base_allowed if w.base_allowed is not None else w.allowed
    make_repo(root, {SIGNERS_FILE: "\n".join(first) + "\n", "README.md": "payments\n"})
    (root / SIGNERS_FILE).write_text("\n".join(w.allowed) + "\n")
    signed = render(w.statement)
    written = w.tamper(signed) if w.tamper else signed
    bundle = root / ".release-gates" / "approvals" / w.dir_name
    bundle.mkdir(parents=True)
    (bundle / "statement.json").write_bytes(written)
    sigs = {}
    for principal, key_name in sorted(w.signers.items()):
        maker = w.sig_makers.get(principal, keygen_sig(NS))
        sigs[principal] = maker(w.keys[key_name], signed)
        (bundle / f"{principal}.sig").write_bytes(sigs[principal])
    for fn in w.post:
        fn(root)
    return root, sigs, written


def outcome(root: Path, w: World) -> tuple[str, str]:
    document = {k: v for k, v in (("approvals", w.approvals), ("roles", w.roles)) if v}
    pol = Policy(
        sources=("policy.yaml",), document=document, digest="0" * 64, fail_on=Severity.HIGH
    )
    try:
        result = load_waivers(root, pol, w.now, trust_ref=w.trust_ref)
    except InvalidInput as exc:
        return ("error", str(exc))
    states = [(n.state, n.reason) for n in result.notes]
    if states:
        assert len(states) == 1, states
        return states[0]
    (waiver,) = result.waivers
    if waiver.expiring_soon:
        return ("expiring", f"expires at {waiver.expires_at}")
    cov = coverage.apply(w.findings, result.waivers)
    if cov.unused:
        ((_, (_, rule, fp)),) = cov.unused
        return ("unused", f"{rule} {fp} matches no finding")
    if cov.exceeded:
        (((_, rule, _), found, limit, _),) = cov.exceeded
        return (
            "exceeded",
            f"covers {limit} of {found} occurrences of {rule}; {found - limit} still block",
        )
    roles = dict(_counted(w, waiver.signers))
    return ("valid", "signed by " + ", ".join(f"{s} ({roles[s]})" for s in waiver.signers))


def _counted(w: World, signers: tuple[str, ...]) -> list[tuple[str, str]]:
    from gates.approvals.quorum import Signed, evaluate

    signed = tuple(Signed(principal=s, key_fingerprint=s) for s in signers)
    roles = {r: frozenset(m) for r, m in w.roles.items()}
    return list(evaluate(signed, roles, w.approvals["required"], {}).counted)


def ours_accepts(
    allowed_path: Path, principal: str, sig: bytes, data: bytes, now: datetime
) -> bool:
    """Our verdict on exactly what `ssh-keygen -Y verify` decides: signature + allowed_signers."""
    signers = parse_signers(allowed_path.read_bytes(), "allowed_signers")
    try:
        key = verify_detached(sig, data, NS)
        signers.check(principal, key, NS, now)
    except (SignatureRejected, SignerRejected):
        return False
    return True


def test_table_has_at_least_sixty_cases() -> None:
    assert len(CASES) >= 60
    assert len({c[0] for c in CASES}) == len(CASES)


@pytest.mark.parametrize(
    ("name", "mutate", "expected", "stricter"), CASES, ids=[c[0] for c in CASES]
)
def test_waiver(
    tmp_path: Path,
    keys: dict[str, Key],
    name: str,
    mutate: Mutation,
    expected: tuple[str, str],
    stricter: frozenset[str],
) -> None:
    KEYS.update(keys)
    w = base(keys)
    mutate(w)
    root, sigs, written = build(tmp_path, w)
    fps = {k: v.fingerprint for k, v in keys.items()}
    size = len(written)
    assert outcome(root, w) == (expected[0], expected[1].format(size=size, **fps))
    if expected[0] == "error":
        return
    # Cross-check every signature with the real ssh-keygen, against the trust root in force.
    trusted = tmp_path / "trusted_signers"
    trusted.write_text(
        "\n".join(w.base_allowed if w.base_allowed is not None else w.allowed) + "\n"
    )
    for principal, sig in sigs.items():
        theirs = keygen_verifies(trusted, principal, NS, sig, written, w.now)
        ours = ours_accepts(trusted, principal, sig, written, w.now)
        if principal in stricter:
            assert (theirs, ours) == (True, False), f"{principal}: expected ssh-keygen lenient"
        else:
            assert ours == theirs, f"{principal}: ours={ours} ssh-keygen={theirs}"
