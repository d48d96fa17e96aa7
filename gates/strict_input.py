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


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def load_json(data: bytes | str, source: str) -> Any:
    """Parse JSON strictly: duplicate keys, NaN/Infinity and oversize input are InvalidInput."""
    _check_size(data, source)
    try:
        return json.loads(
            data, object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant
        )
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            source, f"line {exc.lineno} column {exc.colno}", exc.msg, "fix the JSON syntax"
        ) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(source, "$", str(exc), "write each key once, as valid JSON") from None
