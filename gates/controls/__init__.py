"""Control mapping: which PCI DSS 4.0, SOC 2 and GDPR controls each rule gives evidence for.

The mapping is data (controls.yaml beside this file, validated by
gates/schemas/controls.schema.json), read by `catalog`; `table` turns a run into the controls
table (control -> rules that cover it -> outcome) shown by `gates controls` and put into the
evidence.
"""

from __future__ import annotations

from gates.model import RuleInfo


def run_level_rules() -> tuple[RuleInfo, ...]:
    """Rules the runner itself reports (not a gate's): trust.changed and approvals.expired."""
    from gates import trust
    from gates.runner import EXPIRED_RULE_INFO

    return (trust.RULE_INFO, EXPIRED_RULE_INFO)
