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
from gates.checks.signoff.evaluate import State, evaluate_all
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
    if not approvers_configured(policy):
        return None
    section = policy.gate_section("signoff")
    patterns = protected_paths(section, policy_source(policy))
    current = protected.compute(root, None, patterns, trust_files(policy, root))
    settings = parse(policy, section, root)
    trust = load_trust_root(root, settings.approvals, trust_ref)
    valid = [
        v.id
        for v in evaluate_all(root, settings, trust, current.digest, now)
        if v.state is State.VALID
    ]
    return min(valid) if valid else None
