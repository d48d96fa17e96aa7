"""The signoff gate's settings: its own policy section plus the shared approvals trust root."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gates import trust
from gates.approvals import config as approvals_config
from gates.approvals.config import ApprovalsConfig
from gates.checks.signoff.spec import DEFAULT_PROTECTED, DEFAULT_REQUIRED
from gates.errors import InvalidInput
from gates.policy import Policy
from gates.record import record


@record
class SignoffSettings:
    protected_paths: tuple[str, ...]
    required: Mapping[str, int]
    approvals: ApprovalsConfig
    trust_files: tuple[str, ...]  # repo-relative policy files and allowed_signers


def policy_source(policy: Policy) -> str:
    return policy.sources[-1] if policy.sources else "policy"


def protected_paths(section: Mapping[str, Any], source: str) -> tuple[str, ...]:
    paths = section.get("protected_paths", list(DEFAULT_PROTECTED))
    if not isinstance(paths, list) or not paths or not all(isinstance(p, str) and p for p in paths):
        raise InvalidInput(
            source,
            "$.gates.signoff.protected_paths",
            "no protected paths: the gate would protect nothing",
            'set protected_paths: ["payments/**", "migrations/**"], or disable the gate',
        )
    return tuple(paths)


def approvers_configured(policy: Policy) -> bool:
    """Whether the policy has approvals/roles sections at all (their content is checked later)."""
    return "approvals" in policy.document and "roles" in policy.document


def trust_files(policy: Policy, root: Path) -> tuple[str, ...]:
    """Repo paths of every file that can relax the verdict (`gates.trust`): the sign-off's digest
    binds them, so a sign-off approves their contents along with the protected code."""
    return tuple(
        tf.path
        for tf in trust.trust_files(policy.document, policy.sources)
        if tf.table is None or _configures(root, tf.path)
    )


def _configures(root: Path, rel: str) -> bool:
    """pyproject.toml binds a sign-off only while it holds the policy table: a dependency bump
    in a project that configures release-gates elsewhere must not invalidate sign-offs."""
    from gates import pyproject_policy

    path = root / rel
    if not path.is_file() or path.is_symlink():
        return False
    return pyproject_policy.configures(path.read_text(encoding="utf-8", errors="replace"), rel)


def parse(policy: Policy, section: Mapping[str, Any], root: Path) -> SignoffSettings:
    """Everything needed to verify sign-offs; InvalidInput when approvers are not configured."""
    source = policy_source(policy)
    paths = protected_paths(section, source)
    approvals = approvals_config.parse(policy.document, source)
    required = approvals_config.parse_required(
        section.get("required", dict(DEFAULT_REQUIRED)),
        approvals.roles,
        source,
        "$.gates.signoff.required",
    )
    return SignoffSettings(
        protected_paths=paths,
        required=required,
        approvals=approvals,
        trust_files=trust_files(policy, root),
    )
