"""The signoff gate's settings: its own policy section plus the shared approvals trust root."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gates.approvals import config as approvals_config
from gates.approvals.config import ApprovalsConfig
from gates.errors import InvalidInput
from gates.policy import Policy

CONFIG_SCHEMA: Mapping[str, Any] = {
    "type": "object",
    "properties": {
        "protected_paths": {
            "type": "array",
            "items": {"type": "string", "minLength": 1},
            "minItems": 1,
            "description": "Globs of files whose change needs a sign-off, e.g. payments/**.",
        },
        "required": {
            "type": "object",
            "additionalProperties": {"type": "integer", "minimum": 1},
            "minProperties": 1,
            "description": "Roles (defined under the top-level roles:) and how many distinct "
            "people of each must sign, e.g. {compliance: 1, legal: 1}.",
        },
    },
    "required": ["protected_paths", "required"],
    "additionalProperties": False,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class SignoffSettings:
    protected_paths: tuple[str, ...]
    required: Mapping[str, int]
    approvals: ApprovalsConfig
    trust_files: tuple[str, ...]  # repo-relative policy files and allowed_signers


def policy_source(policy: Policy) -> str:
    return policy.sources[-1] if policy.sources else "policy"


def parse(policy: Policy, section: Mapping[str, Any], root: Path) -> SignoffSettings:
    source = policy_source(policy)
    approvals = approvals_config.parse(policy.document, source)
    paths = section.get("protected_paths")
    if not isinstance(paths, list) or not paths or not all(isinstance(p, str) and p for p in paths):
        raise InvalidInput(
            source,
            "$.gates.signoff.protected_paths",
            "no protected paths: the gate would protect nothing",
            'set protected_paths: ["payments/**", "migrations/**"]',
        )
    required = approvals_config.parse_required(
        section.get("required"), approvals.roles, source, "$.gates.signoff.required"
    )
    trust = {approvals.allowed_signers}
    for src in policy.sources:
        rel = _repo_relative(root, src)
        if rel is not None:
            trust.add(rel)
    return SignoffSettings(
        protected_paths=tuple(paths),
        required=required,
        approvals=approvals,
        trust_files=tuple(sorted(trust)),
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
