"""Placeholder values: what a config template or an example says instead of a real secret.

detect-secrets' heuristic filters already drop templated values (`{{ x }}`, `<x>`), `$VAR`,
indirect references and sequences. This filter covers the rest of what templates and docs write:
`${STRIPE_KEY}`, `%(password)s`, an environment lookup's own variable name
(`os.environ["API_KEY"]`), a vendor prefix followed by filler (`sk_live_xxx`, `sk_live_...`,
`ghp_XXXX`), a run of one character (`xxxxxxxx`, `********`), and values made only of
placeholder words (`changeme`, `your-api-key-here`, `REPLACE_ME`, `<your-key>`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

WORDS = frozenset(
    {
        "api", "apikey", "access", "auth", "change", "changeit", "changeme", "client", "dummy",
        "enter", "example", "fake", "fill", "fixme", "here", "in", "insert", "key", "me", "my",
        "none", "null", "password", "passwd", "pass", "placeholder", "private", "redacted",
        "replace", "replaceme", "sample", "secret", "secrets", "todo", "token", "your", "yours", "xxx",
        "value", "goes", "put", "the", "a", "of", "live", "test", "stripe", "webhook",
        "signing", "sk", "pk", "rk", "whsec", "string", "tbd", "unset", "empty", "default",
    }
)  # fmt: skip

_TEMPLATE = re.compile(
    r"""^(?:\$\{[^}]*\}|\$\(?[A-Za-z_][A-Za-z0-9_]*\)?|\{\{.*\}\}|%\([A-Za-z_]\w*\)s
        |<[^<>]+>|\[[^\[\]]+\]|%[A-Za-z_]\w*%|@[A-Za-z_]\w*@)$""",
    re.VERBOSE,
)
_VENDOR_PREFIX = re.compile(
    r"^(?:[a-z]{2,6}_(?:live|test)_|whsec_|gh[pousr]_|gl(?:pat|dt|ft|rt)-|xox[abposr]-|npm_|"
    r"AKIA|ASIA|SG\.|sq0csp-|pypi-)",
    re.IGNORECASE,
)
_FILLER = re.compile(r"^(?:(.)\1{2,}|x+|X+|\.{3,}|…+)$")
_SPLIT = re.compile(r"[^a-z0-9]+")


def _env_names(line: str) -> frozenset[str]:
    found = re.findall(
        r"""(?:environ\s*\[|environ\.get\s*\(|getenv\s*\(|env\s*\(|config\s*\()\s*['"]([^'"]+)['"]""",
        line,
    )
    return frozenset(found)


def is_placeholder(value: str, line: str, extra_words: Iterable[str] = ()) -> bool:
    v = value.strip().strip("\"'`")
    if not v or _TEMPLATE.match(v) or v in _env_names(line):
        return True
    body = _VENDOR_PREFIX.sub("", v, count=1)
    if not body or _FILLER.match(body):
        return True
    words = WORDS | frozenset(w.lower() for w in extra_words)
    tokens = [t for t in _SPLIT.split(body.lower()) if t]
    return bool(tokens) and all(t in words or _FILLER.match(t) for t in tokens)
