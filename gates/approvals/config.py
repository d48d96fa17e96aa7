"""The approvals policy: the top-level `approvals:` and `roles:` sections as typed values.

`approvals:` keys: allowed_signers (path in the repository), repository (the identity every
statement must name), required ({role: count} for waivers), max_lifetime_days ({severity: days}),
min_reason_length, warn_days, revoked_ids, revoked_keys (`SHA256:...` as `ssh-keygen -l` prints),
commit_author_counts. `roles:` maps a role to its principals; wildcards are refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from gates.errors import InvalidInput
from gates.model import Severity
from gates.record import record

DEFAULT_ALLOWED_SIGNERS = ".release-gates/allowed_signers"
DEFAULT_LIFETIME_DAYS = {
    Severity.LOW: 180,
    Severity.MEDIUM: 90,
    Severity.HIGH: 30,
    Severity.CRITICAL: 14,
}
_KEY_FP = re.compile(r"^SHA256:[A-Za-z0-9+/]{43}$")
_PRINCIPAL = re.compile(r"^[A-Za-z0-9._@+-]{1,128}$")
_ROLE = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")


@record
class ApprovalsConfig:
    source: str
    allowed_signers: str
    repository: str
    required: Mapping[str, int]
    max_lifetime_days: Mapping[Severity, int]
    min_reason_length: int
    warn_days: int
    revoked_ids: frozenset[str]
    revoked_keys: frozenset[str]
    commit_author_counts: bool
    roles: Mapping[str, frozenset[str]]


def valid_principal(name: str) -> bool:
    """Principals name files (`<principal>.sig`), so only a safe character set is allowed."""
    return bool(_PRINCIPAL.match(name)) and name not in (".", "..")


def parse_roles(section: Mapping[str, Any], source: str) -> dict[str, frozenset[str]]:
    roles: dict[str, frozenset[str]] = {}
    for role, members in section.items():
        where = f"$.roles.{role}"
        if not isinstance(role, str) or not _ROLE.match(role):
            raise InvalidInput(source, where, "role names are lowercase words", "rename the role")
        if not isinstance(members, list) or not members:
            raise InvalidInput(
                source, where, "expected a non-empty list of principals", "list them"
            )
        for m in members:
            if not isinstance(m, str) or set("*?!") & set(m):
                raise InvalidInput(
                    source,
                    where,
                    f"{m!r} is a wildcard or not a string",
                    "name each principal exactly (e.g. alice@example.com)",
                )
            if not valid_principal(m):
                raise InvalidInput(
                    source,
                    where,
                    f"{m!r} is not a valid principal",
                    "use letters, digits and . _ @ + - only",
                )
        roles[role] = frozenset(members)
    return roles


def parse_required(
    value: Any, roles: Mapping[str, frozenset[str]], source: str, where: str
) -> dict[str, int]:
    if not isinstance(value, Mapping) or not value:
        raise InvalidInput(
            source,
            where,
            "no required roles: a quorum of nobody would approve anything",
            f"set {where.rsplit('.', 1)[-1]}: {{compliance: 1}}",
        )
    out: dict[str, int] = {}
    for role, count in value.items():
        if role not in roles:
            raise InvalidInput(
                source,
                f"{where}.{role}",
                "role is not defined under roles:",
                f"add roles: {{{role}: [principal, ...]}}",
            )
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise InvalidInput(
                source, f"{where}.{role}", "count must be a whole number >= 1", "fix it"
            )
        if count > len(roles[role]):
            raise InvalidInput(
                source,
                f"{where}.{role}",
                f"needs {count} signers but the role has {len(roles[role])} members",
                "add members or lower the count",
            )
        out[role] = count
    return out


def parse(document: Mapping[str, Any], source: str) -> ApprovalsConfig:
    """Typed view of the policy's `approvals:` and `roles:`; InvalidInput on anything wrong."""
    section = document.get("approvals")
    if not isinstance(section, Mapping):
        raise InvalidInput(
            source,
            "$.approvals",
            "missing: no one is trusted to approve anything",
            "add approvals: {repository: ..., required: {...}} and roles:",
        )
    roles_section = document.get("roles")
    if not isinstance(roles_section, Mapping) or not roles_section:
        raise InvalidInput(
            source, "$.roles", "no roles defined", "add roles: {security: [alice@example.com]}"
        )
    roles = parse_roles(roles_section, source)
    repo = section.get("repository")
    if not isinstance(repo, str) or not repo.strip():
        raise InvalidInput(
            source,
            "$.approvals.repository",
            "missing repository identity",
            "set it to e.g. github.com/acme/payments, so approvals cannot be replayed elsewhere",
        )
    lifetimes = dict(DEFAULT_LIFETIME_DAYS)
    for sev, days in dict(section.get("max_lifetime_days", {})).items():
        try:
            severity = Severity(sev)
        except ValueError:
            raise InvalidInput(
                source,
                f"$.approvals.max_lifetime_days.{sev}",
                "unknown severity",
                "use low/medium/high/critical",
            ) from None
        if not isinstance(days, int) or isinstance(days, bool) or days < 1:
            raise InvalidInput(
                source, f"$.approvals.max_lifetime_days.{sev}", "expected days >= 1", "fix it"
            )
        lifetimes[severity] = days
    revoked_keys = frozenset(section.get("revoked_keys", ()))
    for fp in sorted(revoked_keys):
        if not isinstance(fp, str) or not _KEY_FP.match(fp):
            raise InvalidInput(
                source,
                "$.approvals.revoked_keys",
                f"{fp!r} is not a key fingerprint",
                "copy it from `ssh-keygen -l -f key.pub` (SHA256:...)",
            )
    ints = {}
    for key, default in (("min_reason_length", 20), ("warn_days", 7)):
        value = section.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise InvalidInput(
                source, f"$.approvals.{key}", "expected a whole number >= 0", "fix it"
            )
        ints[key] = value
    signers_path = section.get("allowed_signers", DEFAULT_ALLOWED_SIGNERS)
    if (
        not isinstance(signers_path, str)
        or signers_path.startswith("/")
        or ".." in signers_path.split("/")
    ):
        raise InvalidInput(
            source,
            "$.approvals.allowed_signers",
            "must be a path inside the repository",
            f"use {DEFAULT_ALLOWED_SIGNERS}",
        )
    return ApprovalsConfig(
        source=source,
        allowed_signers=signers_path,
        repository=repo.strip(),
        required=parse_required(section.get("required"), roles, source, "$.approvals.required"),
        max_lifetime_days=lifetimes,
        min_reason_length=ints["min_reason_length"],
        warn_days=ints["warn_days"],
        revoked_ids=frozenset(str(i) for i in section.get("revoked_ids", ())),
        revoked_keys=revoked_keys,
        commit_author_counts=bool(section.get("commit_author_counts", False)),
        roles=roles,
    )
