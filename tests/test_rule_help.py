"""Every pii and reconcile rule says what to do about a finding, and reports and `gates explain`
show it."""

from __future__ import annotations

import io
import json
import re
from argparse import Namespace

import pytest

from gates.checks.pii import GATE as PII
from gates.checks.reconcile.rules import RULES as RECONCILE_RULES
from gates.commands.catalog import explain
from gates.model import RuleInfo
from gates.report import Format, render
from tests import reportkit

# What a fix says to do: at least one of these verbs must appear.
_ACTIONS = re.compile(
    r"\b(remove|replace|use|keep|store|mask|tokeni[sz]e|move|fix|replay|backfill|purge|log|"
    r"generate|make|check|find|re-run|correct|delete|update|add|exclude|narrow|print)\b",
    re.IGNORECASE,
)

RULES: list[RuleInfo] = [*PII.rules, *RECONCILE_RULES]


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_every_rule_has_a_non_trivial_fix(rule: RuleInfo) -> None:
    text = rule.help
    assert len(text) >= 120, "too short to say why and what to do"
    assert text != rule.summary
    assert text.rstrip().endswith((".", ")"))
    assert _ACTIONS.search(text), "says no action"
    assert "No description" not in text
    assert not re.search(r"\d{6,}", text), "no number that the masker would rewrite"


def test_every_pii_and_reconcile_rule_is_covered() -> None:
    ids = {r.id for r in RULES}
    assert {"pii.pan", "pii.pan-test", "pii.nl-bsn", "pii.mx-curp", "pii.log-field"} <= ids
    assert {r for r in ids if r.startswith("reconcile.")} == {
        f"reconcile.{r.name}" for r in RECONCILE_RULES
    }
    assert len({r.help for r in RULES if r.id.startswith("pii.")}) == len(PII.rules)


@pytest.mark.parametrize("rule_id", ["pii.pan", "pii.de-tax-id", "reconcile.duplicate_event"])
def test_explain_shows_the_fix(rule_id: str) -> None:
    rules = {r.id: r for r in RULES}
    out = io.StringIO()
    assert explain(Namespace(rule=rule_id), out) == 0
    assert rules[rule_id].help in out.getvalue()


def test_text_and_sarif_reports_show_the_fix() -> None:
    result = reportkit.sample()
    pan = next(r for r in result.rules if r.id == "pii.pan")
    text = render(result, Format.TEXT)
    assert f"How to fix:\n  pii.pan: {pan.help}\n" in text
    assert "secrets.aws-key: Rotate" not in text  # baselined: nothing to do now
    sarif = json.loads(render(result, Format.SARIF))
    helps = {
        rule["id"]: rule["help"]["text"]
        for run in sarif["runs"]
        for rule in run["tool"]["driver"].get("rules", [])
    }
    assert pan.help in helps["pii.pan"]
