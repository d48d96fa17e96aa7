"""Field names a format string mentions: `%(ssn)s`, `{card_number}`, or a label before a
placeholder (`"card number: %s"`, `"iban={}"`).

Used for log messages built with `%`, `.format` and f-strings: the placeholder's value may be
any expression, but the text around it says which field it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

_PLACEHOLDER = re.compile(
    r"%(?:\((?P<named>[^)]*)\))?[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]|\{(?P<field>[^{}!:]*)[^{}]*\}"
)
_LABEL = re.compile(r"([A-Za-z][A-Za-z0-9_.-]*(?:[ _-][A-Za-z0-9]+){0,2})\s*[:=]?\s*[\"'(\[]?$")
_SEPARATORS = re.compile(r"[ _.-]+")


def named_fields(text: str, is_field: Callable[[str], bool]) -> Iterator[str]:
    """Each field a format string names, once per placeholder."""
    for m in _PLACEHOLDER.finditer(text):
        named = m.group("named") or m.group("field") or ""
        if named and is_field(named.split(".")[-1].split("[")[0]):
            yield named
            continue
        label = label_before(text[: m.start()], is_field)
        if label is not None:
            yield label


def label_before(prefix: str, is_field: Callable[[str], bool]) -> str | None:
    """The field named by the last one to three words before a placeholder, if any."""
    m = _LABEL.search(prefix[-60:])
    if m is None:
        return None
    words = _SEPARATORS.split(m.group(1))
    for n in range(min(3, len(words)), 0, -1):
        label = "_".join(words[-n:])
        if is_field(label):
            return label
    return None
