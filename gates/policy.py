"""Policies: load YAML strictly, resolve `extends`, validate with JSON Schema, expose typed values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gates.model import Severity


@dataclass(frozen=True, slots=True, kw_only=True)
class Policy:
    """A resolved policy: `extends` merged, validated. `document` is the merged mapping."""

    sources: tuple[str, ...]  # files merged, the shipped base first
    document: Mapping[str, Any]
    digest: str  # sha256 of the canonical JSON of `document`
    fail_on: Severity

    def gate_section(self, gate: str) -> Mapping[str, Any]:
        gates = self.document.get("gates", {})
        section = gates.get(gate, {})
        assert isinstance(section, Mapping)
        return section

    def section(self, key: str) -> Mapping[str, Any]:
        value = self.document.get(key, {})
        assert isinstance(value, Mapping)
        return value
