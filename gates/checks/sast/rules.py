"""Every rule the sast gate can report: the bundled semgrep pack and bandit's tests."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gates.checks.result_cache import rejected_rule
from gates.checks.sast.bandit_tests import TESTS
from gates.checks.sast.catalog import BUNDLED
from gates.checks.sast.config import SastConfig, parse
from gates.checks.sast.equivalents import PROBLEMS
from gates.model import RuleInfo

if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

_DEFAULT = SastConfig()  # the catalogue shows the default bandit -> severity mapping


def _reported_as(rule_id: str) -> str:
    for problem in PROBLEMS:
        if rule_id in problem.equivalent and problem.rule != rule_id:
            return problem.rule
    return ""


def _merge_note(rule_id: str) -> str:
    target = _reported_as(rule_id)
    if not target:
        return ""
    return (
        f" Its findings are reported as {target}, the same problem our semgrep rule finds (one "
        "finding per problem, whichever engine found it)."
    )


def _bandit_rule(
    test_id: str, name: str, cwe: int, section: str, severity: str, confidence: str
) -> RuleInfo:
    if section == "plugins":
        url = f"https://bandit.readthedocs.io/en/latest/plugins/{test_id.lower()}_{name}.html"
    else:
        url = "https://bandit.readthedocs.io/en/latest/blacklists/index.html"
    return RuleInfo(
        id=f"sast.bandit.{test_id}",
        name=f"bandit-{name}",
        summary=(
            f"bandit {test_id}: {name.replace('_', ' ')} "
            f"(bandit: {severity} severity, {confidence} confidence)"
        ),
        help=(
            f"bandit's {name} check found a risky construct (CWE-{cwe}); bandit rates it "
            f"{severity} severity at {confidence} confidence (the policy's bandit.severity maps "
            "the severity, one step lower at low confidence; bandit.min_confidence filters it: "
            "fintech-default reports medium and high confidence, pci-strict all). Why it "
            "matters and how "
            f"to fix it: {url}. Rewrite the code; a `# nosec` comment is recorded but does not "
            "unblock, only a signed approval does." + _merge_note(f"sast.bandit.{test_id}")
        ),
        # bandit's own severity for the test, one step lower at low confidence
        default_severity=_DEFAULT.severity_for(severity, confidence),
        tags=(f"CWE-{cwe}",) if cwe else (),
        reported_as=_reported_as(f"sast.bandit.{test_id}"),
    )


BANDIT: tuple[RuleInfo, ...] = tuple(_bandit_rule(*row) for row in TESTS)
RULES: tuple[RuleInfo, ...] = (*BUNDLED, *BANDIT, rejected_rule("sast"))
_LEVELS = ("low", "medium", "high")


def active(config: Mapping[str, Any]) -> frozenset[str]:
    """The rules a sast config leaves on: the bundled semgrep rules unless semgrep is off or the
    rule is excluded; bandit's tests unless bandit is off, the test is skipped, or its highest
    confidence is below `min_confidence` (it could never report)."""
    parsed = parse(config)
    excluded = {f"sast.{r}" for r in parsed.exclude_rules}
    on = {r.id for r in BUNDLED if parsed.semgrep and r.id not in excluded}
    floor = _LEVELS.index(parsed.min_confidence)
    on |= {
        f"sast.bandit.{test_id}"
        for test_id, _name, _cwe, _section, _sev, confidence in TESTS
        if parsed.bandit
        and test_id not in parsed.bandit_skip
        and _LEVELS.index(confidence) >= floor
    }
    on.add(rejected_rule("sast").id)
    return frozenset(on)
