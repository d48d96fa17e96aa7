"""Every rule the sast gate can report: the bundled semgrep pack and bandit's tests."""

from __future__ import annotations

from gates.checks.result_cache import rejected_rule
from gates.checks.sast.bandit_tests import TESTS
from gates.checks.sast.catalog import BUNDLED
from gates.model import RuleInfo, Severity


def _bandit_rule(test_id: str, name: str, cwe: int, section: str) -> RuleInfo:
    if section == "plugins":
        url = f"https://bandit.readthedocs.io/en/latest/plugins/{test_id.lower()}_{name}.html"
    else:
        url = "https://bandit.readthedocs.io/en/latest/blacklists/index.html"
    return RuleInfo(
        id=f"sast.bandit.{test_id}",
        name=f"bandit-{name}",
        summary=f"bandit {test_id}: {name.replace('_', ' ')}",
        help=(
            f"bandit's {name} check found a risky construct (CWE-{cwe}). Why it matters and how "
            f"to fix it: {url}. Rewrite the code; a `# nosec` comment is recorded but does not "
            "unblock, only a signed approval does."
        ),
        default_severity=Severity.MEDIUM,  # bandit gives each issue its own severity
        tags=(f"CWE-{cwe}",) if cwe else (),
    )


BANDIT: tuple[RuleInfo, ...] = tuple(_bandit_rule(*row) for row in TESTS)
RULES: tuple[RuleInfo, ...] = (*BUNDLED, *BANDIT, rejected_rule("sast"))
