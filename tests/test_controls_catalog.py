"""The control mapping: every rule is mapped (or explicitly not), every mapping names a real rule."""

from __future__ import annotations

import copy
import fnmatch
from typing import Any

import pytest

from gates import registry, strict_yaml
from gates.controls import catalog, run_level_rules
from gates.errors import InvalidInput
from gates.model import RuleInfo, Severity

# Gates whose rules the mapping lists before the gate exists on this branch (being added in
# parallel). Once the gate is installed, its mapped ids must exist like every other's.
PARALLEL_GATES = frozenset({"audit-log"})


def _rules() -> list[RuleInfo]:
    return [r for s in registry.load() for r in s.rules] + list(run_level_rules())


def _doc() -> Any:
    from importlib import resources

    text = resources.files("gates").joinpath("controls/controls.yaml").read_text("utf-8")
    return strict_yaml.parse(text, "controls.yaml")


def _rule(rule_id: str, *tags: str) -> RuleInfo:
    return RuleInfo(
        id=rule_id, name="x", summary="x", help="x", default_severity=Severity.HIGH, tags=tags
    )


def test_every_registered_rule_has_a_mapping_with_a_reason() -> None:
    cat = catalog.load()
    unmapped = [r.id for r in _rules() if cat.resolve(r) is None]
    assert unmapped == []
    for rule in _rules():
        found = cat.resolve(rule)
        assert found is not None
        assert found.reasons
        assert all(len(x) >= 10 for x in found.reasons)


def test_every_mapped_rule_exists() -> None:
    installed = set(registry.available())
    known = {r.id for r in _rules()}
    cat = catalog.load()
    missing = []
    for m in cat.mappings:
        if m.kind == "rule" and m.keys[0] not in known:
            gate = m.keys[0].split(".", 1)[0]
            if gate in installed or gate not in PARALLEL_GATES:
                missing.append(m.keys[0])
        elif m.kind == "pattern" and m.keys[0].split(".", 1)[0] not in installed:
            missing.append(m.keys[0])  # a pattern for ids of a gate that does not exist
        elif m.kind == "cwe" and not any(set(m.keys) & set(r.tags) for r in _rules()):
            missing.append(",".join(m.keys))
    assert missing == []


def test_the_parallel_audit_log_rules_are_mapped() -> None:
    cat = catalog.load()
    got = {
        r: cat.tags(_rule(r))
        for r in ("audit-log.missing", "audit-log.missing-fields", "audit-log.error-path")
    }
    assert got == {
        "audit-log.missing": ("PCI-DSS-4.0/10.2.1", "SOC2/CC7.2"),
        "audit-log.missing-fields": ("PCI-DSS-4.0/10.2.2", "SOC2/CC7.2"),
        "audit-log.error-path": ("PCI-DSS-4.0/10.2.1", "PCI-DSS-4.0/10.2.2", "SOC2/CC7.2"),
    }


def test_every_declared_control_is_claimed_by_some_rule() -> None:
    """A control no mapping claims would show as 'not covered' forever: declare only what we check."""
    cat = catalog.load()
    claimed = {c for m in cat.mappings for c in m.controls}
    assert [c.id for c in cat.controls if c.id not in claimed] == []


@pytest.mark.parametrize(
    ("rule", "by", "controls"),
    [
        (
            _rule("pii.pan", "CWE-312"),
            "rule",
            ("PCI-DSS-4.0/3.5.1", "PCI-DSS-4.0/6.5.5", "SOC2/C1.1", "GDPR/5(1)(f)", "GDPR/32"),
        ),
        (
            _rule("sast.bandit.B602", "CWE-78"),
            "cwe CWE-78",
            ("PCI-DSS-4.0/6.2.3", "PCI-DSS-4.0/6.2.4", "SOC2/CC7.1", "SOC2/CC8.1"),
        ),
        (_rule("sast.bandit.B999"), "pattern sast.bandit.*", ("PCI-DSS-4.0/6.2.3", "SOC2/CC7.1")),
        (_rule("sast.my-local-rule"), "pattern sast.*", ()),
        (_rule("pii.custom.employee-id", "CWE-359"), "pattern pii.custom.*", ()),
        (
            _rule("secrets.some-new-plugin", "CWE-798"),
            "pattern secrets.*",
            ("PCI-DSS-4.0/8.3.2", "PCI-DSS-4.0/8.6.2", "SOC2/CC6.1", "GDPR/32"),
        ),
        (_rule("secrets.public-ip", "CWE-200"), "rule", ()),
    ],
    ids=[
        "exact",
        "bandit-by-cwe",
        "new-bandit-check",
        "local-semgrep",
        "policy-pattern",
        "new-secret-plugin",
        "explicit-none",
    ],
)
def test_lookup_order(rule: RuleInfo, by: str, controls: tuple[str, ...]) -> None:
    found = catalog.load().resolve(rule)
    assert found is not None
    assert (found.by, found.controls) == (by, controls)


def test_an_unknown_rule_is_unmapped() -> None:
    assert catalog.load().resolve(_rule("nope.rule")) is None


@pytest.mark.parametrize(
    ("edit", "field", "problem"),
    [
        (
            lambda d: d["mappings"][0]["controls"].append("PCI-DSS-4.0/99.9"),
            "$.mappings[0].controls",
            "PCI-DSS-4.0/99.9 is not declared",
        ),
        (
            lambda d: d["mappings"].append(copy.deepcopy(d["mappings"][0])),
            "$.mappings[",
            "pii.pan is mapped twice",
        ),
        (
            lambda d: d["mappings"][0].pop("reason"),
            "$.mappings[0]",
            "'reason' is a required property",
        ),
        (
            lambda d: d["mappings"][0].update(pattern="pii.*"),
            "$.mappings[0]",
            "is valid under each of",
        ),
    ],
    ids=["undeclared-control", "duplicate-rule", "no-reason", "rule-and-pattern"],
)
def test_the_file_is_checked(edit: Any, field: str, problem: str) -> None:
    doc = _doc()
    edit(doc)
    with pytest.raises(InvalidInput) as info:
        catalog.parse(doc, "controls.yaml")
    assert info.value.field.startswith(field)
    assert problem in info.value.problem


def test_controls_are_listed_framework_by_framework() -> None:
    cat = catalog.load()
    assert [f for f, _ in cat.frameworks] == ["PCI-DSS-4.0", "SOC2", "GDPR"]
    ids = [c.id for c in cat.controls]
    assert (
        ids.index("PCI-DSS-4.0/3.4.1") < ids.index("PCI-DSS-4.0/10.2.1") < ids.index("SOC2/CC6.1")
    )


def test_patterns_are_globs_over_ids() -> None:
    for m in catalog.load().mappings:
        if m.kind == "pattern":
            assert fnmatch.fnmatchcase(m.keys[0].replace("*", "x"), m.keys[0])


def test_the_shipped_file_passes_every_check_a_run_skips() -> None:
    """A run reads controls.yaml with LibYAML and without the schema (catalog.load): this holds
    the shipped file to the strict loader (duplicate keys, tags) and the schema, and LibYAML to
    reading it as the strict loader does, so that the catalogue a run builds is the one checked."""
    import yaml

    strict = _doc()
    assert yaml.load(catalog.shipped_text(), Loader=yaml.CSafeLoader) == strict
    assert catalog.load() == catalog.parse(strict, "controls.yaml")


def test_a_damaged_install_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalog, "shipped_text", lambda: "frameworks: [{id: X}]\n")
    with pytest.raises(InvalidInput) as info:
        catalog.load()
    assert info.value.file == catalog.SOURCE
    assert "reinstall" in info.value.fix
