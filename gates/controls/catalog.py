"""The control catalogue: controls.yaml parsed, checked, and a rule's controls looked up.

`load()` reads the shipped mapping (validated against gates/schemas/controls.schema.json, every
control a mapping names must be declared by its framework, no rule, CWE or pattern listed twice).
`Catalog.resolve(rule)` finds the one mapping of a rule: its exact id, else the union of its CWE
tags' entries, else the longest matching pattern; None when nothing maps it (a test keeps every
registered rule mapped).
"""

from __future__ import annotations

import fnmatch
import json
from importlib import resources
from typing import Any

from gates.errors import InvalidInput
from gates.model import RuleInfo
from gates.record import record

SOURCE = "gates/controls/controls.yaml"
_FIX = "fix the mapping in gates/controls/controls.yaml"


@record
class Control:
    id: str  # "PCI-DSS-4.0/3.5.1"
    framework: str  # "PCI-DSS-4.0"
    title: str


@record
class Mapping:
    """One entry of the file: how it matches (`rule`, `cwe` or `pattern`), controls and why."""

    kind: str  # "rule" | "cwe" | "pattern"
    keys: tuple[str, ...]  # the rule id, the CWE ids, or the pattern
    controls: tuple[str, ...]
    reason: str


@record
class Resolution:
    """A rule's controls (sorted; empty: explicitly none), the reasons, and how they were found."""

    rule: str
    controls: tuple[str, ...]
    reasons: tuple[str, ...]
    by: str  # "rule", "cwe CWE-78", "pattern sast.bandit.*"


@record
class Catalog:
    frameworks: tuple[tuple[str, str], ...]  # (id, title), in file order
    controls: tuple[Control, ...]  # in file order
    mappings: tuple[Mapping, ...]

    def control(self, control_id: str) -> Control:
        return next(c for c in self.controls if c.id == control_id)

    def resolve(self, rule: RuleInfo) -> Resolution | None:
        exact = [m for m in self.mappings if m.kind == "rule" and m.keys[0] == rule.id]
        if exact:
            return self._resolution(rule.id, exact, "rule")
        cwes = [t for t in rule.tags if t.startswith("CWE-")]
        by_cwe = [m for m in self.mappings if m.kind == "cwe" and set(m.keys) & set(cwes)]
        if by_cwe:
            matched = sorted({c for m in by_cwe for c in m.keys if c in cwes})
            return self._resolution(rule.id, by_cwe, "cwe " + ", ".join(matched))
        patterns = [
            m
            for m in self.mappings
            if m.kind == "pattern" and fnmatch.fnmatchcase(rule.id, m.keys[0])
        ]
        if patterns:
            best = max(patterns, key=lambda m: len(m.keys[0]))
            return self._resolution(rule.id, [best], f"pattern {best.keys[0]}")
        return None

    def order(self, control_id: str) -> int:
        """A control's position in the file: tables list controls framework by framework."""
        return next(i for i, c in enumerate(self.controls) if c.id == control_id)

    def _resolution(self, rule: str, mappings: list[Mapping], by: str) -> Resolution:
        return Resolution(
            rule=rule,
            controls=tuple(sorted({c for m in mappings for c in m.controls}, key=self.order)),
            reasons=tuple(dict.fromkeys(m.reason for m in mappings)),
            by=by,
        )

    def tags(self, rule: RuleInfo) -> tuple[str, ...]:
        """The rule's control ids, for SARIF tags (empty when none or unmapped)."""
        found = self.resolve(rule)
        return found.controls if found is not None else ()


def _schema() -> dict[str, Any]:
    text = resources.files("gates").joinpath("schemas/controls.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def parse(doc: Any, source: str = SOURCE) -> Catalog:
    """Check a parsed mapping document and build the catalogue; InvalidInput on any problem."""
    import jsonschema

    errors = sorted(
        jsonschema.Draft202012Validator(_schema()).iter_errors(doc),
        key=lambda e: list(e.absolute_path),
    )
    if errors:
        where = "$" + "".join(
            f"[{p}]" if isinstance(p, int) else f".{p}" for p in errors[0].absolute_path
        )
        raise InvalidInput(source, where, errors[0].message, _FIX)
    return _build(doc, source)


def _build(doc: Any, source: str) -> Catalog:
    """The catalogue of a document of the schema's shape, after the checks the schema cannot
    make (a control declared twice, a key mapped twice, an undeclared control)."""
    frameworks = tuple((f["id"], f["title"]) for f in doc["frameworks"])
    controls = tuple(
        Control(id=f"{f['id']}/{c['id']}", framework=f["id"], title=c["title"])
        for f in doc["frameworks"]
        for c in f["controls"]
    )
    known = {c.id for c in controls}
    if len(known) != len(controls):
        raise InvalidInput(source, "$.frameworks", "a control is declared twice", _FIX)
    mappings: list[Mapping] = []
    seen: set[tuple[str, str]] = set()
    for i, entry in enumerate(doc["mappings"]):
        kind = next(k for k in ("rule", "cwe", "pattern") if k in entry)
        keys = tuple(entry[kind]) if kind == "cwe" else (entry[kind],)
        for key in keys:
            if (kind, key) in seen:
                raise InvalidInput(
                    source, f"$.mappings[{i}].{kind}", f"{key} is mapped twice", _FIX
                )
            seen.add((kind, key))
        for control in entry["controls"]:
            if control not in known:
                raise InvalidInput(
                    source,
                    f"$.mappings[{i}].controls",
                    f"{control} is not declared under frameworks",
                    "declare it with its title, or fix the id",
                )
        mappings.append(
            Mapping(kind=kind, keys=keys, controls=tuple(entry["controls"]), reason=entry["reason"])
        )
    return Catalog(frameworks=frameworks, controls=controls, mappings=tuple(mappings))


def shipped_text() -> str:
    """controls.yaml as installed (read with importlib.resources, so it works from a wheel)."""
    return resources.files("gates").joinpath("controls/controls.yaml").read_text("utf-8")


def load() -> Catalog:
    """The shipped catalogue.

    It is our own package data, and the test suite holds the shipped file to the strict YAML
    loader and the schema, and LibYAML to reading it the same
    (tests/test_controls_catalog.py::test_the_shipped_file_passes_every_check_a_run_skips). So a
    run, which renders it into every SARIF report and evidence file, reads it with LibYAML and
    makes only the checks the schema cannot make: ~3 ms where the strict parser and jsonschema's
    import and validation took ~175 ms. Without LibYAML it takes the strict path."""
    import yaml

    text = shipped_text()
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is None:
        from gates import strict_yaml

        return parse(strict_yaml.parse(text, SOURCE))
    try:
        return _build(yaml.load(text, Loader=loader), SOURCE)  # noqa: S506 - a safe loader (LibYAML's)
    except (KeyError, TypeError, StopIteration, AttributeError, yaml.YAMLError) as exc:
        raise InvalidInput(
            SOURCE,
            "$",
            f"the installed file is not a valid catalogue ({type(exc).__name__})",
            "reinstall release-gates",
        ) from None
