"""Reconcile policy section: every mistake is one InvalidInput naming the field and the fix."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import jsonschema
import pytest

from gates.checks.reconcile import GATE, config
from gates.checks.reconcile.model import DiscrepancyClass
from gates.errors import InvalidInput
from gates.model import Severity
from tests.reconcile_data import card_section

Edit = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Edit:
    def edit(section: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = section
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value

    return edit


def _drop(path: str) -> Edit:
    def edit(section: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = section
        for key in parents:
            node = node[key]
        del node[last]

    return edit


CASES: list[tuple[str, Edit, str, str]] = [
    (
        "unknown-initial",
        _set("state_machine.initial", "nope"),
        "state_machine.initial",
        "'nope' is not one of the states",
    ),
    (
        "unknown-target",
        _set("state_machine.transitions.captured.to", "done"),
        "state_machine.transitions.captured.to",
        "'done' is not one of the states",
    ),
    (
        "unknown-source",
        _set("state_machine.transitions.captured.from", ["x"]),
        "state_machine.transitions.captured.from",
        "'x' is not one of the states",
    ),
    (
        "empty-from",
        _set("state_machine.transitions.captured.from", []),
        "state_machine.transitions.captured.from",
        "the list is empty",
    ),
    (
        "extra-transition-key",
        _set("state_machine.transitions.captured.when", "x"),
        "state_machine.transitions.captured",
        "exactly the keys from and to",
    ),
    (
        "duplicate-state",
        _set("state_machine.states", ["new", "new", "created"]),
        "state_machine.states",
        "'new' is listed twice",
    ),
    (
        "status-missing",
        _drop("state_machine.statuses.captured"),
        "state_machine.statuses",
        "state 'captured' has no reporting status",
    ),
    (
        "status-unknown-state",
        _set("state_machine.statuses.gone", "x"),
        "state_machine.statuses.gone",
        "'gone' is not one of the states",
    ),
    (
        "initial-unreachable",
        _set("state_machine.transitions", {"captured": {"from": ["authorized"], "to": "captured"}}),
        "state_machine.initial",
        "no event type is allowed from the initial state",
    ),
    (
        "unknown-column",
        _set("columns.events.colour", "c"),
        "columns.events.colour",
        "unknown canonical column",
    ),
    (
        "raw-mapped-twice",
        _set("columns.events.event_id", "seq"),
        "columns.events",
        "raw column 'seq' is mapped twice",
    ),
    (
        "bad-amount-format",
        _set("amounts.events", "cents"),
        "amounts.events",
        "unknown amount format 'cents'",
    ),
    (
        "negative-tolerance",
        _set("amounts.tolerance", -1),
        "amounts.tolerance",
        "expected whole minor units >= 0",
    ),
    (
        "float-tolerance",
        _set("amounts.tolerance", 0.5),
        "amounts.tolerance",
        "expected whole minor units >= 0",
    ),
    (
        "bad-exponent",
        _set("amounts.exponents", {"usd": 2}),
        "amounts.exponents.usd",
        "expected a 3-letter code",
    ),
    (
        "bad-grace",
        _set("grace_period", "1 day"),
        "grace_period",
        "expected a duration like 30m, 24h or 7d",
    ),
    ("naive-as-of", _set("as_of", "2026-11-25T00:00:00"), "as_of", "has no time zone"),
    ("bad-as-of", _set("as_of", "yesterday"), "as_of", "not an RFC 3339 time"),
    (
        "bad-country",
        _set("geo.currencies", {"Germany": ["EUR"]}),
        "geo.currencies.Germany",
        "ISO 3166 alpha-2",
    ),
    (
        "bad-currency",
        _set("geo.currencies", {"DE": ["euro"]}),
        "geo.currencies.DE",
        "3-letter ISO 4217",
    ),
    (
        "geo-without-country",
        _drop("columns.events.country"),
        "geo.currencies",
        "geo rules need a country column",
    ),
    (
        "unknown-class",
        _set("thresholds.typo_class", {"max_count": 1}),
        "thresholds.typo_class",
        "unknown discrepancy class",
    ),
    (
        "ratio-over-one",
        _set("thresholds.stuck", {"max_ratio": 2}),
        "thresholds.stuck.max_ratio",
        "between 0 and 1",
    ),
    (
        "bad-severity",
        _set("thresholds.stuck", {"severity": "urgent"}),
        "thresholds.stuck.severity",
        "unknown severity 'urgent'",
    ),
    ("sample-size", _set("sample_size", 0), "sample_size", "expected 1..1000"),
]


@pytest.mark.parametrize(
    ("edit", "field", "problem"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_config_errors(edit: Edit, field: str, problem: str) -> None:
    section = card_section()
    edit(section)
    with pytest.raises(InvalidInput) as info:
        config.parse(section, file="policy.yaml")
    assert info.value.file == "policy.yaml"
    assert info.value.field == f"$.gates.reconcile.{field}"
    assert problem in info.value.problem
    assert info.value.fix


def test_shipped_policy_parses_and_matches_the_schema() -> None:
    section = card_section()
    jsonschema.Draft202012Validator(GATE.config_schema).validate(
        {k: v for k, v in section.items() if k not in ("enabled", "timeout")}
    )
    cfg = config.parse(section, file="policy.yaml")
    assert cfg.machine.initial == "new"
    assert cfg.machine.statuses_of("captured") == ("completed",)
    assert cfg.threshold(DiscrepancyClass.DUPLICATE_EVENT).severity is Severity.LOW
    assert cfg.threshold(DiscrepancyClass.STATUS_MISMATCH).max_count == 0


def _properties(schema: Any, path: str = "$") -> list[tuple[str, Any]]:
    found = []
    if isinstance(schema, dict):
        for name, sub in schema.get("properties", {}).items():
            found.append((f"{path}.{name}", sub))
            found += _properties(sub, f"{path}.{name}")
        for key in ("additionalProperties", "items"):
            if isinstance(schema.get(key), dict):
                found += _properties(schema[key], f"{path}.{key}")
    return found


def test_every_schema_property_has_a_description() -> None:
    missing = [p for p, sub in _properties(GATE.config_schema) if not sub.get("description")]
    assert missing == []


@pytest.mark.parametrize(
    ("threshold", "count", "payments", "exceeded"),
    [
        ({}, 1, 100, True),
        ({}, 0, 100, False),
        ({"max_count": 5}, 5, 100, False),
        ({"max_count": 5}, 6, 100, True),
        ({"max_ratio": 0.01}, 1, 100, False),
        ({"max_ratio": 0.01}, 2, 100, True),
        ({"max_count": 10, "max_ratio": 0.01}, 2, 100, True),
    ],
    ids=[
        "any-by-default",
        "zero",
        "at-count",
        "over-count",
        "at-ratio",
        "over-ratio",
        "either-limit",
    ],
)
def test_thresholds(threshold: dict[str, Any], count: int, payments: int, exceeded: bool) -> None:
    section = copy.deepcopy(card_section())
    section["thresholds"] = {"stuck": threshold}
    cfg = config.parse(section, file="p")
    assert cfg.threshold(DiscrepancyClass.STUCK).exceeded(count, payments) is exceeded


def test_schema_amount_formats_match_the_enum() -> None:
    from gates.checks.reconcile.schema import AMOUNT_FORMATS

    assert set(AMOUNT_FORMATS) == {f.value for f in config.AmountFormat}
