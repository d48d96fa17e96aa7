"""The signoff gate's declaration: its rules and the schema of its policy section.

Kept apart from the gate's logic so that registering and validating the gate imports nothing
heavy (the approvals verifier is imported only when the gate runs).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gates.model import RuleInfo, Severity

DEFAULT_PROTECTED = ("payments/**", "migrations/**")
DEFAULT_REQUIRED: Mapping[str, int] = {"compliance": 1}

CONFIG_SCHEMA: Mapping[str, Any] = {
    "type": "object",
    "properties": {
        "protected_paths": {
            "type": "array",
            "items": {"type": "string", "minLength": 1},
            "minItems": 1,
            "default": ["payments/**", "migrations/**"],
            "description": "Globs of files whose change needs a sign-off. Default: "
            "payments/** and migrations/**.",
        },
        "required": {
            "type": "object",
            "additionalProperties": {"type": "integer", "minimum": 1},
            "minProperties": 1,
            "default": {"compliance": 1},
            "description": "Roles (defined under the top-level roles:) and how many distinct "
            "people of each must sign, e.g. {compliance: 1, legal: 1}. Default: one compliance.",
        },
    },
    "additionalProperties": False,
}

SIGNOFF_FIX = (
    "run `gates signoff new --ticket T --summary S` after the last protected change, then "
    "each approver runs `gates signoff sign <ID> --key K --principal P`"
)

RULES = (
    RuleInfo(
        id="signoff.missing",
        name="missing",
        summary="Protected files changed and no sign-off covers them",
        help="Changes to payment code and migrations need a compliance sign-off bound to the "
        "exact files being released. Fix: " + SIGNOFF_FIX + ".",
        default_severity=Severity.HIGH,
        tags=("CWE-284",),
    ),
    RuleInfo(
        id="signoff.stale",
        name="stale",
        summary="The sign-off was made before a protected file changed",
        help="A sign-off binds the digest of every protected file; any later change to them "
        "invalidates it, so reviewers always approve what ships. Fix: " + SIGNOFF_FIX + ".",
        default_severity=Severity.HIGH,
        tags=("CWE-284",),
    ),
    RuleInfo(
        id="signoff.quorum",
        name="quorum",
        summary="The sign-off lacks the required signers",
        help="The policy requires distinct people in named roles; the requester (and the commit "
        "author unless the policy says otherwise) does not count, and one key counts once. "
        "Fix: ask the missing role to run `gates signoff sign <ID> --key K --principal P`.",
        default_severity=Severity.HIGH,
        tags=("CWE-284",),
    ),
    RuleInfo(
        id="signoff.rejected",
        name="rejected",
        summary="The sign-off is malformed or its signatures do not verify",
        help="Statements are strict JSON signed as exact bytes with keys in allowed_signers. "
        "Fix: do not edit a signed statement; create a new one with `gates signoff new`.",
        default_severity=Severity.HIGH,
        tags=("CWE-347",),
    ),
)
