"""The signoff gate's run: decide whether a sign-off is needed, and whether one is valid."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import assert_never

from gates.approvals import SIGNOFFS_DIR
from gates.approvals.trust import load_trust_root
from gates.checks.signoff import digest as protected
from gates.checks.signoff.evaluate import State, Verdict, evaluate_all, most_relevant
from gates.checks.signoff.protected import select
from gates.checks.signoff.settings import (
    approvers_configured,
    parse,
    policy_source,
    protected_paths,
    trust_files,
)
from gates.checks.signoff.spec import SIGNOFF_FIX
from gates.fingerprint import fingerprint
from gates.git import ls_files, ls_tree
from gates.model import Finding, Location, Severity
from gates.registry import GateContext

GATE_ID = "signoff"


def run(ctx: GateContext) -> Iterator[Finding]:
    root = ctx.workspace.root
    source = policy_source(ctx.policy)
    patterns = protected_paths(ctx.config, source)
    trust_paths = trust_files(ctx.policy, root)
    ws = ctx.workspace
    if ctx.changed_files is not None:
        touched = select(ctx.changed_files, patterns)
    else:  # change unknown: every protected file counts as touched
        if not ws.is_git:
            every: Iterable[str] = ws.files
        else:
            every = (e.path for e in (ls_tree(root, ws.ref) if ws.ref else ls_files(root)))
        touched = select(every, patterns)
    # Edits to the trust files themselves are the run's `trust.changed` findings (gates.trust),
    # cleared by the same sign-off: its digest below covers them.
    if not touched:
        return
    if ws.is_git:
        current = protected.compute(root, ws.ref, patterns, trust_paths)
    else:
        current = protected.compute_files(root, select(ws.files, patterns), trust_paths)
    if not approvers_configured(ctx.policy):
        # Blocks like any missing sign-off (none can be valid), with the configuration as the fix;
        # a policy that names approvers wrongly is still invalid input (exit 2).
        yield _unconfigured(touched, current.digest)
        return
    settings = parse(ctx.policy, ctx.config, root)
    trust = load_trust_root(root, settings.approvals, ctx.base_ref if ws.is_git else None)
    verdicts = evaluate_all(root, settings, trust, current.digest, ctx.now)
    if any(v.state is State.VALID for v in verdicts):
        return
    where = touched[0]
    what = f"{len(touched)} protected file{'s' if len(touched) != 1 else ''} changed ({where}"
    what += ", ...)" if len(touched) > 1 else ")"
    best = most_relevant(verdicts)
    yield _from_verdict(best, what, where, current.digest)


def _unconfigured(touched: tuple[str, ...], digest: str) -> Finding:
    why = (
        "the policy names no approvers (no approvals: and roles: sections), so no sign-off can "
        "be valid. Fix: add approvals: {repository: ..., allowed_signers: ...} and roles: "
        "{compliance: [...]} to the policy (on the base branch), then "
        + SIGNOFF_FIX.removeprefix("run ")
    )
    n = len(touched)
    return _finding(
        "signoff.missing",
        Severity.HIGH,
        f"{n} protected file{'s' if n != 1 else ''} changed ({touched[0]}{', ...' if n > 1 else ''}) "
        f"and {why}",
        touched[0],
        digest,
    )


def _from_verdict(best: Verdict | None, what: str, where: str, digest: str) -> Finding:
    if best is None:
        return _finding(
            "signoff.missing",
            Severity.HIGH,
            f"{what} and there is no sign-off in {SIGNOFFS_DIR}. Fix: {SIGNOFF_FIX}",
            where,
            digest,
        )
    match best.state:
        case State.STALE:
            rule = "signoff.stale"
        case State.QUORUM:
            rule = "signoff.quorum"
        case State.REJECTED | State.VALID:  # VALID never gets here: it yields no finding
            rule = "signoff.rejected"
        case _:
            assert_never(best.state)
    return _finding(
        rule,
        Severity.HIGH,
        f"{what}; sign-off {best.id}: {best.reason}. Fix: {SIGNOFF_FIX}",
        where,
        digest,
    )


def _finding(rule: str, severity: Severity, message: str, path: str, digest: str) -> Finding:
    return Finding(
        gate=GATE_ID,
        rule=rule,
        severity=severity,
        message=message,
        location=Location(path=path),
        # Bound to the digest: a waiver or baseline for one release never covers the next.
        fingerprint=fingerprint(GATE_ID, rule, path, digest),
        properties=(("digest", digest),),
    )
