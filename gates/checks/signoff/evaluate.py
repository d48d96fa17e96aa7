"""Sign-off evaluation: each `.release-gates/signoffs/<ID>/` judged against the current digest.

A sign-off is `valid` when its statement is well-formed, names this repository and the policy's
protected paths, binds the current protected digest, and is signed (namespace
`release-gates-signoff@v1`) by a quorum of trusted principals other than the requester and the
authors of the change (see authors.py), unless the policy says authors count. Otherwise it is `stale` (digest or
protected paths differ: something changed after it was signed), `quorum` (signatures fine, not
enough of them) or `rejected` (malformed, revoked, bad signature), with the reason.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from pathlib import Path

from gates.approvals import bundle, quorum, signatures, statements
from gates.approvals.authors import change_authors
from gates.approvals.statements import Kind, StatementRejected, format_time
from gates.approvals.trust import TrustRoot
from gates.checks.signoff.settings import SignoffSettings
from gates.clock import SKEW
from gates.record import record


class State(StrEnum):
    VALID = "valid"
    STALE = "stale"
    QUORUM = "quorum"
    REJECTED = "rejected"


@record
class Verdict:
    id: str
    state: State
    reason: str
    issued_at: str = ""  # for ordering stale ones (newest first)
    signers: tuple[str, ...] = ()
    current: bool = False  # it names the current digest


def evaluate_all(
    root: Path, settings: SignoffSettings, trust: TrustRoot, digest: str, now: datetime
) -> tuple[Verdict, ...]:
    authors = (
        frozenset() if settings.approvals.commit_author_counts else change_authors(root, trust.ref)
    )
    out = []
    for item in bundle.scan(root, Kind.SIGNOFF):
        if isinstance(item, bundle.Unreadable):
            out.append(Verdict(id=item.id, state=State.REJECTED, reason=item.reason))
            continue
        try:
            out.append(_one(item, settings, trust, digest, now, authors))
        except StatementRejected as exc:
            out.append(Verdict(id=item.id, state=State.REJECTED, reason=str(exc)))
    return tuple(out)


def _one(
    item: bundle.Bundle,
    settings: SignoffSettings,
    trust: TrustRoot,
    digest: str,
    now: datetime,
    authors: frozenset[str],
) -> Verdict:
    st = statements.parse_signoff(item.statement, item.id)
    cfg = settings.approvals
    issued = format_time(st.issued_at)

    def verdict(state: State, reason: str, signers: tuple[str, ...] = ()) -> Verdict:
        return Verdict(
            id=st.id,
            state=state,
            reason=reason,
            issued_at=issued,
            signers=signers,
            current=st.digest == digest,
        )

    if st.repo != cfg.repository:
        return verdict(
            State.REJECTED, f"statement is for repository {st.repo!r}, not {cfg.repository!r}"
        )
    if st.id in cfg.revoked_ids:
        return verdict(State.REJECTED, f"sign-off id {st.id} is revoked by the policy")
    if st.issued_at > now + SKEW:  # an honest signer's clock may run a little ahead of ours
        return verdict(State.REJECTED, f"not valid yet: issued_at {issued} is in the future")
    checked = signatures.check(item.statement, item.signatures, Kind.SIGNOFF, trust, now)
    if checked.problems:
        return verdict(State.REJECTED, "; ".join(checked.problems))
    if sorted(st.protected_paths) != sorted(settings.protected_paths):
        return verdict(
            State.STALE,
            f"signed for protected paths {', '.join(st.protected_paths)}; the policy now "
            f"protects {', '.join(settings.protected_paths)}",
        )
    if st.digest != digest:
        return verdict(
            State.STALE,
            f"signed digest {st.digest[:19]}… but the protected files now digest to "
            f"{digest[:19]}…: a protected file changed after it was signed",
        )
    excluded = dict.fromkeys(sorted(authors), "a commit author")
    excluded[st.requested_by] = "the requester"
    result = quorum.evaluate(checked.signed, cfg.roles, settings.required, excluded)
    signers = tuple(p for p, _ in result.counted)
    if not result.met:
        return verdict(State.QUORUM, result.reason, signers)
    return verdict(State.VALID, "", signers)


def most_relevant(verdicts: tuple[Verdict, ...]) -> Verdict | None:
    """The sign-off to report when none is valid: one for this digest first, then the newest."""
    rank = {State.VALID: 0, State.QUORUM: 1, State.STALE: 2, State.REJECTED: 3}
    ordered = sorted(
        verdicts,
        key=lambda v: (rank[v.state] > 0, not v.current, rank[v.state], _desc(v.issued_at), v.id),
    )
    return ordered[0] if ordered else None


def _desc(text: str) -> tuple[int, ...]:
    return tuple(-ord(c) for c in text)
