"""Checking an evidence statement's bytes: strict JSON, then gates/schemas/evidence.schema.json."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from gates import strict_input
from gates.errors import InvalidInput


def schema() -> dict[str, Any]:
    text = resources.files("gates").joinpath("schemas/evidence.schema.json").read_text("utf-8")
    doc: dict[str, Any] = json.loads(text)
    return doc


def parse(payload: bytes) -> tuple[Any, tuple[str, str] | None]:
    """The statement, and (JSON path, problem) when it is not valid evidence."""
    import jsonschema

    try:
        doc = strict_input.load_json(payload, "payload", limit=64 * 1024 * 1024)
    except InvalidInput as exc:
        return None, (exc.field, f"the statement is not strict JSON: {exc.problem}")
    errors = sorted(
        jsonschema.Draft202012Validator(schema()).iter_errors(doc),
        key=lambda e: list(e.absolute_path),
    )
    if errors:
        first = errors[0]
        where = "$" + "".join(
            f"[{p}]" if isinstance(p, int) else f".{p}" for p in first.absolute_path
        )
        return doc, (where, f"the statement does not match the evidence schema: {first.message}")
    return doc, None


def problem(payload: bytes) -> tuple[str, str] | None:
    return parse(payload)[1]
