"""The signoff gate's settings: its own policy section plus the shared approvals trust root."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gates.approvals import config as approvals_config
from gates.approvals.config import DEFAULT_ALLOWED_SIGNERS, ApprovalsConfig
from gates.checks.signoff.spec import DEFAULT_PROTECTED, DEFAULT_REQUIRED
from gates.errors import InvalidInput
from gates.policy import Policy


@dataclass(frozen=True, slots=True, kw_only=True)
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
    """Repo paths of the trust root: the policy files merged, and allowed_signers."""
    signers = policy.section("approvals").get("allowed_signers", DEFAULT_ALLOWED_SIGNERS)
    found = {signers} if isinstance(signers, str) else set()
    for src in policy.sources:
        rel = _repo_relative(root, src)
        if rel is not None:
            found.add(rel)
    return tuple(sorted(found))


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


def _repo_relative(root: Path, source: str) -> str | None:
    """A policy source label as a repo path, or None for shipped policies and files outside.

    Labels read from a trust ref look like `origin/main:.release-gates/policy.yaml` (git refs
    cannot contain `:`); shipped ones end in ` (shipped)`.
    """
    if source.startswith("shipped:") or source.endswith("(shipped)") or "\0" in source:
        return None
    if ":" in source and not Path(source).is_absolute():
        source = source.split(":", 1)[1]
    path = Path(source)
    if path.is_absolute():
        try:
            return path.resolve().relative_to(root).as_posix()
        except ValueError:
            return None
    if ".." in path.parts:
        return None
    return path.as_posix()
