"""Clearing `trust.changed`: a change to the trust files passes only with a valid sign-off.

The sign-off's digest covers the protected paths and every trust file (see digest.py and
`gates.trust`), so a valid, current sign-off means the required roles approved the new contents
of the policy, signers, baseline or ignore files. Verified against the trust root at the trust ref.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from gates.approvals.trust import load_trust_root
from gates.checks.signoff import digest as protected
from gates.checks.signoff.evaluate import State, Verdict, evaluate_all
from gates.checks.signoff.settings import (
    approvers_configured,
    parse,
    policy_source,
    protected_paths,
    trust_files,
)
from gates.policy import Policy


def valid_signoff(root: Path, policy: Policy, now: datetime, trust_ref: str | None) -> str | None:
    """The id of a valid sign-off of the working tree, or None (also when no one is trusted)."""
    valid = valid_signoffs(root, policy, now, trust_ref)
    return min(v.id for v in valid) if valid else None


def valid_signoffs(
    root: Path, policy: Policy, now: datetime, trust_ref: str | None
) -> tuple[Verdict, ...]:
    """Every valid sign-off of the working tree, sorted by id (with their counted signers)."""
    if not approvers_configured(policy):
        return ()
    section = policy.gate_section("signoff")
    patterns = protected_paths(section, policy_source(policy))
    current = protected.compute(root, None, patterns, trust_files(policy, root))
    settings = parse(policy, section, root)
    trust = load_trust_root(root, settings.approvals, trust_ref)
    found = evaluate_all(root, settings, trust, current.digest, now)
    return tuple(sorted((v for v in found if v.state is State.VALID), key=lambda v: v.id))
