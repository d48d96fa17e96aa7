"""Every rule the sast gate can report: the bundled semgrep pack and bandit's tests."""

from __future__ import annotations

from gates.checks.result_cache import rejected_rule
from gates.checks.sast.bandit_tests import TESTS
from gates.checks.sast.catalog import BUNDLED
from gates.checks.sast.config import SastConfig
from gates.checks.sast.equivalents import PROBLEMS
from gates.model import RuleInfo

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
