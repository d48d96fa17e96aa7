"""Literal defaults of environment reads: the value a program falls back to is hard-coded.

`os.environ.get("STRIPE_API_KEY", "sk_live_…")` reads the key from the environment *or ships
it*. detect-secrets' indirect-reference filter drops the whole line (it looks like
`x = lookup(...)`), and its templated-value filters drop `${STRIPE_KEY:-sk_live_…}`; the lookup
is rightly not a secret, the default is. This module only parses: it finds the (variable,
literal default) pairs on a line, so the engine can scan each default as if it were written
`VARIABLE = "default"` (engine.py). A lookup without a default yields nothing.

Forms: Python `os.environ.get`, `environ.get`, `os.getenv`, `getenv`, `os.environ.setdefault`
(positional or `default=`), Ruby `ENV.fetch("X", "v")`, JavaScript `process.env.X || "v"` / `??`,
and shell / Dockerfile / compose parameter expansion `${VAR:-v}`, `${VAR-v}`, `${VAR:=v}`.
"""

from __future__ import annotations

import re

_CALL = re.compile(
    r"""(?:\benviron\s*\.\s*(?:get|setdefault)|\bgetenv|\bENV\s*\.\s*fetch)\s*\(\s*
        (?P<q1>["'])(?P<name>[^"'\n]{1,200})(?P=q1)\s*,\s*(?:default\s*=\s*)?
        (?P<q2>["'])(?P<value>[^"'\n]*)(?P=q2)""",
    re.VERBOSE,
)
_JS = re.compile(
    r"""\bprocess\.env(?:\.(?P<name>\w+)|\[\s*["'](?P<name2>\w+)["']\s*\])\s*(?:\|\||\?\?)\s*
        (?P<q>["'`])(?P<value>[^"'`\n]*)(?P=q)""",
    re.VERBOSE,
)
_EXPANSION = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*):?[-=](?P<value>[^}\n]*)\}")


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def may_have_defaults(text: str) -> bool:
    """False when no line of `text` has a default `defaults` would find: every form names
    `env` (any case) or is a `${` expansion, as `defaults` itself checks first."""
    return "${" in text or "env" in text.lower()


def defaults(line: str) -> list[tuple[str, str]]:
    """(variable, default literal) pairs of the environment reads on `line`, in order."""
    if "env" not in line.lower() and "${" not in line:
        return []
    found: list[tuple[int, str, str]] = []
    for m in _CALL.finditer(line):
        found.append((m.start(), m.group("name"), m.group("value")))
    for m in _JS.finditer(line):
        found.append((m.start(), m.group("name") or m.group("name2"), m.group("value")))
    for m in _EXPANSION.finditer(line):
        found.append((m.start(), m.group("name"), _unquote(m.group("value"))))
    return [(name, value) for _, name, value in sorted(found) if value and "${" not in value]


def as_assignment(name: str, value: str) -> str:
    """The default written as a plain assignment, which every detect-secrets plugin reads."""
    quote = '"' if '"' not in value else "'"
    return f"{name} = {quote}{value}{quote}"
