"""Strict parsing of untrusted YAML and JSON input files.

YAML: see strict_yaml.py (imported on first use), after a size limit. JSON: duplicate keys
rejected, NaN/Infinity rejected, size limit. Errors are InvalidInput naming the file and line.
"""

from __future__ import annotations

import json
from typing import Any

from gates.errors import InvalidInput

MAX_BYTES = 1_048_576


def _check_size(data: bytes | str, source: str, limit: int = MAX_BYTES) -> None:
    if len(data) > limit:
        raise InvalidInput(
            source, "$", f"file is {len(data)} bytes, over the {limit}-byte limit", "shrink it"
        )


def load_yaml(text: str, source: str) -> Any:
    """Parse one YAML document strictly; InvalidInput(source, 'line N', problem, fix) on error.

    PyYAML is imported here, not at module load: a run whose policy is already known (the
    pipeline's parse cache) never pays for it."""
    _check_size(text, source)
    from gates.strict_yaml import parse

    return parse(text, source)


class JsonRejected(ValueError):
    """Why strict JSON parsing refused its input; callers word it for their own kind of file."""

    def __init__(
        self,
        message: str,
        *,
        duplicate_key: str | None = None,
        constant: str | None = None,
        problem: str = "",
        line: int = 0,
        column: int = 0,
    ) -> None:
        super().__init__(message)
        self.duplicate_key = duplicate_key
        self.constant = constant
        self.problem = problem or message
        self.line = line
        self.column = column


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise JsonRejected(f"duplicate key {key!r}", duplicate_key=key)
        out[key] = value
    return out


def _reject_constant(name: str) -> Any:
    raise JsonRejected(f"{name} is not valid JSON", constant=name)


def parse_json(data: bytes | str) -> Any:
    """Strict JSON (no duplicate keys, no NaN/Infinity); JsonRejected says why not."""
    try:
        return json.loads(
            data, object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant
        )
    except json.JSONDecodeError as exc:
        raise JsonRejected(str(exc), problem=exc.msg, line=exc.lineno, column=exc.colno) from None
    except UnicodeDecodeError as exc:
        raise JsonRejected(f"not UTF-8 ({exc.reason})") from None


def load_json(data: bytes | str, source: str, *, limit: int = MAX_BYTES) -> Any:
    """Parse JSON strictly: duplicate keys, NaN/Infinity and oversize input are InvalidInput."""
    _check_size(data, source, limit)
    try:
        return parse_json(data)
    except JsonRejected as exc:
        if exc.line:
            where = f"line {exc.line} column {exc.column}"
            raise InvalidInput(source, where, exc.problem, "fix the JSON syntax") from None
        raise InvalidInput(source, "$", str(exc), "write each key once, as valid JSON") from None
