"""The audit-log gate against its corpus: recall and false positives per rule.

`tests/data/audit_log/` holds two small code bases in the two common styles of Python payment
code: Django/Saleor-style models and services (`django/`) and Flask/SQLAlchemy (`flask/`). Every
function's docstring states what the gate must report for it (`expect: none` or
`expect: audit-log.<rule>[, ...]`), so the corpus holds must-find and must-not-find cases.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from gates.checks.audit_log import rules
from gates.checks.audit_log.analyse import functions
from gates.checks.audit_log.gate import scan_tree
from gates.model import Finding

CORPUS = Path(__file__).parent / "data" / "audit_log"
STYLES = ("django", "flask")
RULES = (rules.MISSING.id, rules.MISSING_FIELDS.id, rules.ERROR_PATH.id)

Key = tuple[str, str, str]  # (path, function qualname, rule)


def _files(style: str) -> list[str]:
    root = CORPUS / style
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.py"))


def _expected(style: str) -> tuple[set[Key], set[tuple[str, str]]]:
    """(expected findings, every function) of one style's corpus, from the docstrings."""
    expected: set[Key] = set()
    everything: set[tuple[str, str]] = set()
    for rel in _files(style):
        tree = ast.parse((CORPUS / style / rel).read_text())
        for qual, _cls, func in functions(tree):
            doc = ast.get_docstring(func) or ""
            assert doc.startswith("expect: "), f"{rel}:{func.lineno} {qual} has no expectation"
            everything.add((rel, qual))
            wanted = doc.removeprefix("expect: ").split("\n")[0].strip()
            if wanted != "none":
                for rule in wanted.split(", "):
                    assert rule in RULES, f"{rel} {qual}: unknown rule {rule}"
                    expected.add((rel, qual, rule))
    return expected, everything


def _found(style: str) -> list[Finding]:
    return scan_tree(CORPUS / style, _files(style))


def _keys(found: list[Finding]) -> set[Key]:
    return {(f.location.path, dict(f.properties)["function"], f.rule) for f in found}


def _all() -> Iterator[tuple[str, set[Key], set[Key]]]:
    for style in STYLES:
        expected, _ = _expected(style)
        yield style, expected, _keys(_found(style))


def test_corpus_is_big_enough_and_has_both_kinds() -> None:
    functions_total = 0
    must_find = 0
    for style in STYLES:
        expected, everything = _expected(style)
        functions_total += len(everything)
        must_find += len({(p, q) for p, q, _ in expected})
        assert len(everything) >= 20, style
    assert functions_total >= 40
    assert must_find >= 15
    assert functions_total - must_find >= 15  # must-not-find cases


@pytest.mark.parametrize("rule", RULES)
def test_recall_at_least_98_percent_and_no_false_positives(rule: str) -> None:
    expected: set[Key] = set()
    actual: set[Key] = set()
    for style, exp, act in _all():
        expected |= {(style, *k) for k in exp if k[2] == rule}  # type: ignore[misc]
        actual |= {(style, *k) for k in act if k[2] == rule}  # type: ignore[misc]
    assert expected, f"the corpus has no case for {rule}"
    recall = len(expected & actual) / len(expected)
    false_positives = sorted(actual - expected)
    missed = sorted(expected - actual)
    assert recall >= 0.98, f"{rule}: recall {recall:.0%}, missed {missed}"
    assert false_positives == [], f"{rule}: false positives {false_positives}"


def test_no_finding_outside_the_corpus_rules() -> None:
    for style in STYLES:
        assert {f.rule for f in _found(style)} <= set(RULES), style


def test_findings_are_deterministic() -> None:
    for style in STYLES:
        assert _found(style) == _found(style)
