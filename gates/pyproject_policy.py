"""Policies in pyproject.toml: the `[tool.release-gates]` table, read like a policy YAML file.

Like ruff and bandit, release-gates can be configured in `pyproject.toml`. The table has exactly
the policy file's schema (`version = 1`, `extends = "fintech-default"`, `[tool.release-gates.gates.pii]`
...), and is read through the same `policy.Reader` as `.release-gates/policy.yaml`, so in CI it
comes from the trust ref, never from the change under review.

Discovery order (policy.py): `--policy P` (a YAML file, a shipped name, or a pyproject.toml), then
`.release-gates/policy.yaml`, then `[tool.release-gates]` in `pyproject.toml`, then the shipped
`fintech-default`. A repository with both the YAML file and the table is ambiguous: InvalidInput
(exit 2) naming both. A pyproject.toml that does not mention release-gates is never parsed, so a
project's own TOML cannot break a run that does not use it.
"""

from __future__ import annotations

from typing import Any

from gates.errors import InvalidInput

PYPROJECT = "pyproject.toml"
TABLE = "tool.release-gates"
_MARKER = "release-gates"


def is_pyproject(label: str) -> bool:
    """Whether a policy source (a repo path, possibly `ref:`-prefixed) is a pyproject.toml."""
    return label == PYPROJECT or label.endswith((f"/{PYPROJECT}", f":{PYPROJECT}"))


def _table(text: str, label: str) -> dict[str, Any] | None:
    import tomllib  # lazy: most runs read no pyproject.toml, or one without our table

    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(label, "$", f"not valid TOML ({exc})", "fix the TOML syntax") from None
    tool = doc.get("tool")
    table = tool.get(_MARKER) if isinstance(tool, dict) else None
    if table is None:
        return None
    if not isinstance(table, dict):
        raise InvalidInput(
            label, f"$.{TABLE}", "must be a table", "write [tool.release-gates] with version = 1"
        )
    return table


def configures(text: str | None, label: str = PYPROJECT) -> bool:
    """Whether this pyproject.toml text has a `[tool.release-gates]` table."""
    if text is None or _MARKER not in text:
        return False
    return _table(text, label) is not None


def parse(text: str, label: str) -> dict[str, Any]:
    """The `[tool.release-gates]` table as a policy document (validated later, like YAML)."""
    table = _table(text, label)
    if table is None:
        raise InvalidInput(
            label,
            f"$.{TABLE}",
            "no [tool.release-gates] table",
            'add one (version = 1, extends = "fintech-default") or point --policy elsewhere',
        )
    return table


def ambiguous(yaml_label: str, pyproject_label: str) -> InvalidInput:
    return InvalidInput(
        yaml_label,
        "$",
        f"the policy is configured twice: here and in {pyproject_label} [{TABLE}]",
        f"keep one of them (or choose with --policy {yaml_label})",
    )
