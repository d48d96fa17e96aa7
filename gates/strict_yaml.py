"""Strict YAML: the safe loader, with duplicate keys and anchors/aliases rejected.

A silently ignored second `enabled:` is how a gate gets disabled by accident; anchors and aliases
allow billion-laughs expansion and make a policy read differently to a reviewer than to the
loader. Size limits are checked by the caller (strict_input.load_yaml).
"""

from __future__ import annotations

from typing import Any

import yaml

from gates.errors import InvalidInput


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


def parse(text: str, source: str) -> Any:
    """Parse one YAML document strictly; InvalidInput(source, 'line N', problem, fix) on error."""
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
