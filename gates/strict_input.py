"""Strict parsing of untrusted YAML and JSON input files.

YAML: the safe loader, plus duplicate keys rejected (a silently ignored second `enabled:` is how a
gate gets disabled by accident), anchors/aliases rejected (no billion-laughs expansion, and a
policy should read the same to a reviewer as to the loader), and a size limit. JSON: duplicate
keys rejected, NaN/Infinity rejected, size limit. Errors are InvalidInput naming the file and line.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from gates.errors import InvalidInput

MAX_BYTES = 1_048_576


class _StrictLoader(yaml.SafeLoader):
    pass


def _no_alias(loader: _StrictLoader, node: yaml.Node) -> None:
    raise yaml.constructor.ConstructorError(
        None, None, "anchors and aliases are not allowed", node.start_mark
    )


def _mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            raise yaml.constructor.ConstructorError(
                None, None, f"keys must be strings, got {key!r}", key_node.start_mark
            )
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen[key] = loader.construct_object(value_node, deep=True)
    return seen


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


class _AliasRejectingComposer(_StrictLoader):
    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]  # PyYAML is untyped
            raise yaml.composer.ComposerError(
                None, None, "anchors and aliases are not allowed", event.start_mark
            )
        event = self.peek_event()  # type: ignore[no-untyped-call]  # PyYAML is untyped
        if getattr(event, "anchor", None):
            raise yaml.composer.ComposerError(
                None, None, "anchors and aliases are not allowed", event.start_mark
            )
        return super().compose_node(parent, index)


def _check_size(data: bytes | str, source: str) -> None:
    if len(data) > MAX_BYTES:
        raise InvalidInput(
            source, "$", f"file is {len(data)} bytes, over the {MAX_BYTES}-byte limit", "shrink it"
        )


def load_yaml(text: str, source: str) -> Any:
    """Parse one YAML document strictly; InvalidInput(source, 'line N', problem, fix) on error."""
    _check_size(text, source)
    try:
        return yaml.load(text, Loader=_AliasRejectingComposer)  # noqa: S506 - strict SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}" if mark else "$"
        problem = exc.problem or str(exc)
        fix = "remove the repeated key" if "duplicate key" in problem else "fix the YAML syntax"
        if "anchors and aliases" in problem:
            fix = "write the value out in full"
        raise InvalidInput(source, where, problem, fix) from None
    except yaml.YAMLError as exc:
        raise InvalidInput(source, "$", f"not valid YAML: {exc}", "fix the YAML syntax") from None


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


def load_json(data: bytes | str, source: str) -> Any:
    """Parse JSON strictly: duplicate keys, NaN/Infinity and oversize input are InvalidInput."""
    _check_size(data, source)
    try:
        return parse_json(data)
    except JsonRejected as exc:
        if exc.line:
            where = f"line {exc.line} column {exc.column}"
            raise InvalidInput(source, where, exc.problem, "fix the JSON syntax") from None
        raise InvalidInput(source, "$", str(exc), "write each key once, as valid JSON") from None
