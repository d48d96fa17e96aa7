"""The pii gate's settings: its policy section parsed into a frozen dataclass, patterns validated.

Custom patterns are compiled here, once, so a bad regex is an InvalidInput naming its field
(exit 2) before any file is read, never a crash half-way through a scan.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from gates.checks.pii import fieldnames
from gates.checks.pii.national_ids import DEFAULT_KEYWORDS
from gates.checks.pii.schema import DEFAULT_FIXTURE_PATHS, DEFAULT_TEST_PATHS
from gates.errors import InvalidInput
from gates.model import Severity
from gates.record import record

_ID = re.compile(r"[a-z][a-z0-9-]{0,39}")
_FIELD = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{1,63}")
_SANITIZER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
_SECTION = "$.gates.pii"


@record
class CustomPattern:
    id: str
    rule: str  # pii.custom.<id>
    regex: str
    severity: Severity
    message: str


@record
class PiiConfig:
    allow_test_cards_in: tuple[str, ...] = ()
    test_paths: tuple[str, ...] = DEFAULT_TEST_PATHS
    id_keywords: tuple[tuple[str, tuple[str, ...]], ...] = tuple(sorted(DEFAULT_KEYWORDS.items()))
    fixture_paths: tuple[str, ...] = DEFAULT_FIXTURE_PATHS
    field_names: frozenset[str] = frozenset(
        map(fieldnames.normalise, fieldnames.DEFAULT_FIELD_NAMES)
    )
    sanitizers: frozenset[str] = frozenset()
    extra_patterns: tuple[CustomPattern, ...] = ()


def _strings(
    raw: Mapping[str, Any], key: str, source: str, shape: re.Pattern[str] | None
) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise InvalidInput(
            source,
            f"{_SECTION}.{key}",
            "expected a list of non-empty strings",
            f"write {key}: ['...']",
        )
    for i, item in enumerate(value):
        if shape is not None and not shape.fullmatch(item):
            raise InvalidInput(
                source,
                f"{_SECTION}.{key}[{i}]",
                f"{item!r} is not a valid name",
                f"use a name like {shape.pattern}",
            )
    return tuple(value)


def _pattern(item: object, index: int, source: str, seen: set[str]) -> CustomPattern:
    where = f"{_SECTION}.extra_patterns[{index}]"
    if not isinstance(item, Mapping) or set(item) - {"id", "regex", "severity", "message"}:
        raise InvalidInput(
            source, where, "expected {id, regex, message, severity?}", "remove other keys"
        )
    pid, regex, message = item.get("id"), item.get("regex"), item.get("message")
    if not isinstance(pid, str) or not _ID.fullmatch(pid):
        raise InvalidInput(
            source,
            f"{where}.id",
            f"{pid!r} is not a valid id",
            "use lowercase letters, digits and dashes",
        )
    if pid in seen:
        raise InvalidInput(
            source, f"{where}.id", f"duplicate id {pid!r}", "give each pattern its own id"
        )
    seen.add(pid)
    if not isinstance(message, str) or not message.strip():
        raise InvalidInput(
            source, f"{where}.message", "missing or empty", "say what the pattern finds"
        )
    if not isinstance(regex, str) or not regex:
        raise InvalidInput(
            source, f"{where}.regex", "missing or empty", "write a regular expression"
        )
    try:
        compiled = re.compile(regex.encode("utf-8"))
    except re.error as exc:
        raise InvalidInput(
            source, f"{where}.regex", f"invalid regular expression: {exc}", "fix the pattern"
        ) from None
    if compiled.fullmatch(b"") is not None:
        raise InvalidInput(
            source, f"{where}.regex", "matches the empty string", "require at least one character"
        )
    severity = item.get("severity", "high")
    try:
        sev = Severity(severity)
    except ValueError:
        raise InvalidInput(
            source,
            f"{where}.severity",
            f"unknown severity {severity!r}",
            "use low, medium, high or critical",
        ) from None
    return CustomPattern(
        id=pid, rule=f"pii.custom.{pid}", regex=regex, severity=sev, message=message.strip()
    )


def _id_keywords(raw: Mapping[str, Any], source: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    value = raw.get("national_id_keywords", {})
    where = f"{_SECTION}.national_id_keywords"
    if not isinstance(value, Mapping):
        raise InvalidInput(
            source, where, "expected a mapping", "write national_id_keywords: {nl-bsn: [bsn]}"
        )
    merged = dict(DEFAULT_KEYWORDS)
    for kind, words in value.items():
        if kind not in DEFAULT_KEYWORDS:
            raise InvalidInput(
                source,
                f"{where}.{kind}",
                "not a national id kind with a digit-only form",
                f"use one of: {', '.join(sorted(DEFAULT_KEYWORDS))}",
            )
        if not isinstance(words, list) or not all(
            isinstance(w, str) and len(w.strip()) >= 2 for w in words
        ):
            raise InvalidInput(
                source, f"{where}.{kind}", "expected a list of words", f"write {kind}: ['...']"
            )
        merged[kind] = tuple(w.strip() for w in words)
    return tuple(sorted(merged.items()))


def parse(raw: Mapping[str, Any], *, source: str = "policy") -> PiiConfig:
    """The gate's section (already schema-validated by the runner) as a PiiConfig.

    Re-checks what the schema cannot (regex syntax, duplicate ids); InvalidInput names the field."""
    known = {
        "allow_test_cards_in",
        "test_paths",
        "national_id_keywords",
        "fixture_paths",
        "extra_field_names",
        "log_sanitizers",
        "extra_patterns",
    }
    for key in sorted(set(raw) - known):
        raise InvalidInput(
            source, f"{_SECTION}.{key}", "unknown key", f"use one of: {', '.join(sorted(known))}"
        )
    patterns_raw = raw.get("extra_patterns", [])
    if not isinstance(patterns_raw, list):
        raise InvalidInput(
            source, f"{_SECTION}.extra_patterns", "expected a list", "write extra_patterns: [...]"
        )
    seen: set[str] = set()
    extra_names = _strings(raw, "extra_field_names", source, _FIELD)
    return PiiConfig(
        allow_test_cards_in=_strings(raw, "allow_test_cards_in", source, None),
        test_paths=_strings(raw, "test_paths", source, None)
        if "test_paths" in raw
        else DEFAULT_TEST_PATHS,
        id_keywords=_id_keywords(raw, source),
        fixture_paths=_strings(raw, "fixture_paths", source, None)
        if "fixture_paths" in raw
        else DEFAULT_FIXTURE_PATHS,
        field_names=frozenset(
            map(fieldnames.normalise, (*fieldnames.DEFAULT_FIELD_NAMES, *extra_names))
        ),
        sanitizers=frozenset(
            s.lower() for s in _strings(raw, "log_sanitizers", source, _SANITIZER)
        ),
        extra_patterns=tuple(
            _pattern(item, i, source, seen) for i, item in enumerate(patterns_raw)
        ),
    )


def source_name(sources: Sequence[str]) -> str:
    """The policy file to name in error messages: the last one merged (the user's own)."""
    return sources[-1] if sources else "policy"
