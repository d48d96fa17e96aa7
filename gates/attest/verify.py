"""`gates evidence verify`: is this DSSE envelope valid evidence, signed by a trusted key, about
this checkout?

In order, stopping at the first failure: every signature verifies over PAE(payloadType, payload)
in namespace `release-gates-evidence@v1` (in-process, the SSHSIG verifier of gates.approvals),
with a key allowed_signers lists for that namespace at `now`; the payload is an in-toto Statement
matching gates/schemas/evidence.schema.json; and, given a repository and revision, the `tree`
subject's gitTree and sha256 equal the revision's (and the run was not on a dirty tree).
Malformed input (not an envelope, bad base64, a broken allowed_signers) is InvalidInput, exit 2;
anything else wrong is an invalid result with its reasons, exit 1.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from gates import git
from gates.approvals.keys import PublicKey
from gates.approvals.signers import AllowedSigners, SignerRejected
from gates.approvals.sshsig import SignatureRejected, armour, verify_detached
from gates.attest import NAMESPACE, dsse, statement, tree
from gates.errors import InvalidInput
from gates.record import record

TREE_SUBJECT = "tree"
RELEASE_SUBJECT = "release"


@record
class Verified:
    valid: bool
    reasons: tuple[str, ...] = ()  # why not valid
    signers: tuple[str, ...] = ()  # "principal (SHA256:...)"
    notes: tuple[str, ...] = ()


def _principal(allowed: AllowedSigners, key: PublicKey, now: datetime) -> str:
    """The principal allowed_signers lets `key` sign evidence as at `now`; else SignerRejected."""
    names = sorted({p for e in allowed.entries if e.key.blob == key.blob for p in e.principals})
    if not names:
        raise SignerRejected(f"key {key.fingerprint} is not in {allowed.source}")
    reasons = []
    for name in names:
        try:
            allowed.check(name, key, NAMESPACE, now)
        except SignerRejected as exc:
            reasons.append(str(exc))
            continue
        return name
    raise SignerRejected("; ".join(dict.fromkeys(reasons)))


def signatures(envelope: dsse.Envelope, allowed: AllowedSigners, now: datetime) -> Verified:
    if not envelope.signatures:
        return Verified(valid=False, reasons=("the envelope has no signatures",))
    message = dsse.pae(envelope.payload_type, envelope.payload)
    signers, reasons = [], []
    for i, sig in enumerate(envelope.signatures):
        try:
            key = verify_detached(armour(sig.sig), message, NAMESPACE)
            signers.append(f"{_principal(allowed, key, now)} ({key.fingerprint})")
        except (SignatureRejected, SignerRejected) as exc:
            reasons.append(f"signature {i}: {exc}")
    return Verified(valid=not reasons, reasons=tuple(reasons), signers=tuple(signers))


def subject(doc: dict[str, Any], repo: Path, rev: str) -> tuple[list[str], list[str]]:
    """(reasons it does not match, notes) for the statement's subjects against `rev` in `repo`."""
    if git.toplevel(repo) is None:
        raise InvalidInput("--repo", str(repo), "not a git repository", "pass the checkout")
    commit = git.rev_parse(repo, rev)
    if commit is None:
        raise InvalidInput("--rev", rev, "no such commit in --repo", "fetch it, or name another")
    subjects = {s["name"]: s for s in doc["subject"]}
    found = subjects.get(TREE_SUBJECT)
    if found is None:
        return [f"the statement has no {TREE_SUBJECT!r} subject to compare with {rev}"], []
    reasons, notes = [], []
    digest, annotations = found["digest"], found.get("annotations", {})
    if annotations.get("dirty") is not False:
        reasons.append(
            "the run scanned a working tree with uncommitted changes: no commit has the "
            "contents it attests"
        )
    tree_now = tree.tree_of(repo, commit)
    if digest.get("gitTree") != tree_now:
        reasons.append(f"subject gitTree {digest.get('gitTree')} is not {rev}'s tree {tree_now}")
    files = tree.at_revision(repo, commit)
    if digest.get("sha256") != files.sha256:
        reasons.append(
            f"subject sha256 {str(digest.get('sha256'))[:16]}… does not match the "
            f"{files.files} files of {rev} ({files.sha256[:16]}…)"
        )
    release = subjects.get(RELEASE_SUBJECT, {}).get("digest", {}).get("gitCommit")
    if not reasons and release and release != commit:
        notes.append(f"made at commit {release}; {rev} is {commit} with the same tree")
    return reasons, notes


def verify(
    data: bytes,
    source: str,
    allowed: AllowedSigners,
    now: datetime,
    *,
    repo: Path | None = None,
    rev: str = "HEAD",
) -> Verified:
    envelope = dsse.parse(data, source)
    signed = signatures(envelope, allowed, now)
    if not signed.valid:
        return signed
    doc, problem = statement.parse(envelope.payload)
    if problem is not None:
        return Verified(valid=False, reasons=(f"payload {problem[0]}: {problem[1]}",))
    if repo is None:
        return Verified(valid=True, signers=signed.signers)
    reasons, notes = subject(doc, repo, rev)
    return Verified(
        valid=not reasons, reasons=tuple(reasons), signers=signed.signers, notes=tuple(notes)
    )
