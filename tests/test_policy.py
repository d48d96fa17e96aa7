"""Policies: strict loading, extends, schema validation; each error is exit 2 with one clear line."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from gates.cli import main
from tests.gatekit import make_repo

MALFORMED = [
    (
        "dup-key",
        "version: 1\nfail_on: high\nfail_on: low\n",
        "line 3: duplicate key 'fail_on'. Fix: remove the repeated key",
    ),
    (
        "no-version",
        "fail_on: high\n",
        "$: 'version' is a required property. Fix: add the missing key",
    ),
    ("bad-version", "version: 2\n", "$.version: 1 was expected. Fix: write 1"),
    (
        "unknown-top-key",
        "version: 1\nfial_on: high\n",
        "$.fial_on: unknown key. Fix: remove it or check its spelling (allowed: approvals, exclude, extends, fail_on, fingerprint_key_file, gates, max_file_bytes, overrides, roles, tool_timeouts, unsafe_allow_now_in_ci, unscanned, version)",
    ),
    (
        "bad-severity",
        "version: 1\nfail_on: hihg\n",
        "$.fail_on: 'hihg' is not one of ['low', 'medium', 'high', 'critical']. Fix: use one of low, medium, high, critical",
    ),
    (
        "typo-in-gate",
        "version: 1\ngates:\n  marker: {enabeld: false}\n",
        "$.gates.marker.enabeld: unknown key. Fix: remove it or check its spelling (allowed: enabled, exclude, note, paths, severity, timeout)",
    ),
    (
        "timeout-string",
        "version: 1\ngates:\n  marker: {timeout: 30s}\n",
        "$.gates.marker.timeout: '30s' is not of type 'integer'. Fix: write a value of type integer",
    ),
    (
        "gate-own-key-type",
        "version: 1\ngates:\n  marker: {note: 5}\n",
        "$.gates.marker.note: 5 is not of type 'string'. Fix: write a value of type string",
    ),
    (
        "unknown-gate",
        "version: 1\ngates:\n  markr: {}\n",
        "$.gates.markr: no installed gate is called 'markr'. Fix: use one of: ",
    ),
    (
        "unknown-rule-severity",
        "version: 1\ngates:\n  marker: {severity: {marker.nope: low}}\n",
        "$.gates.marker.severity.marker.nope: gate marker has no rule 'marker.nope'. Fix: see `gates list` for rule ids",
    ),
    (
        "override-without-paths",
        "version: 1\noverrides:\n  - gates: {marker: {}}\n",
        "$.overrides[0]: 'paths' is a required property. Fix: add the missing key",
    ),
    (
        "override-typo",
        "version: 1\noverrides:\n  - paths: ['a/**']\n    gates: {marker: {enabld: false}}\n",
        "$.overrides[0].gates.marker.enabld: unknown key.",
    ),
    (
        "anchors",
        "version: 1\nx: &a {b: 1}\ny: *a\n",
        "anchors and aliases are not allowed. Fix: write the value out in full",
    ),
    ("not-a-mapping", "- 1\n- 2\n", "$: a policy must be a mapping. Fix: start with `version: 1`"),
    ("yaml-syntax", "version: 1\ngates: [\n", "Fix: fix the YAML syntax"),
    (
        "extends-unknown",
        "version: 1\nextends: ../../etc/passwd\n",
        "$.extends: '../../etc/passwd' leaves the repository or is absolute",
    ),
    (
        "extends-missing",
        "version: 1\nextends: base.yaml\n",
        "$.extends: policy file .release-gates/base.yaml not found. Fix: fix the path (relative to the extending policy) or name a shipped policy",
    ),
]


@pytest.mark.usefixtures("plugin_gates")
@pytest.mark.parametrize(("name", "text", "expected"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_policy_is_exit_2_with_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    text: str,
    expected: str,
) -> None:
    repo = make_repo(tmp_path / "r", {".release-gates/policy.yaml": text, "a.py": "x = 1\n"})
    monkeypatch.chdir(repo)
    out = io.StringIO()
    code = main(["policy", "validate", ".release-gates/policy.yaml"], out=out)
    err = capsys.readouterr().err
    assert code == 2
    assert out.getvalue() == ""
    assert err.startswith("gates: .release-gates/policy.yaml")
    assert expected in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_extends_merges_deeply_and_lists_replace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gates import policy

    repo = make_repo(
        tmp_path / "r",
        {
            ".release-gates/base.yaml": "version: 1\nextends: pci-strict\nexclude: ['a/**']\ngates:\n  pii: {timeout: 10}\n",
            ".release-gates/policy.yaml": "version: 1\nextends: base.yaml\nexclude: ['b/**']\ngates:\n  pii: {enabled: false}\n",
        },
    )
    monkeypatch.chdir(repo)
    pol = policy.load(repo, None)
    assert pol.sources == (
        "policies/fintech-default.yaml (shipped)",
        "policies/pci-strict.yaml (shipped)",
        ".release-gates/base.yaml",
        ".release-gates/policy.yaml",
    )
    assert pol.fail_on.value == "medium"  # from pci-strict
    assert pol.document["exclude"] == ["b/**"]
    pii = pol.document["gates"]["pii"]
    assert (pii["enabled"], pii["timeout"]) == (False, 10)
    assert pii["allow_test_cards_in"][0] == "tests/**"  # from fintech-default, kept by the merge


def test_discovery_falls_back_to_shipped_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gates import policy

    repo = make_repo(tmp_path / "r", {"a.py": "x = 1\n"})
    assert policy.load(repo, None).sources == ("policies/fintech-default.yaml (shipped)",)


def test_every_shipped_policy_validates(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from importlib import resources

    repo = make_repo(tmp_path / "r", {"a.py": "x = 1\n"})
    monkeypatch.chdir(repo)
    shipped = sorted(
        p.name
        for p in (resources.files("gates") / "policies").iterdir()
        if p.name.endswith(".yaml")
    )
    assert "fintech-default.yaml" in shipped
    assert "pci-strict.yaml" in shipped
    for name in shipped:
        with resources.as_file(resources.files("gates") / "policies" / name) as path:
            assert main(["policy", "validate", str(path)], out=io.StringIO()) == 0, name


def test_every_schema_property_has_a_description() -> None:
    import json
    from importlib import resources

    def walk(node: object, where: str) -> list[str]:
        missing = []
        if isinstance(node, dict):
            for key, sub in node.get("properties", {}).items():
                if isinstance(sub, dict) and "description" not in sub and "$ref" not in sub:
                    missing.append(f"{where}.{key}")
            for key, sub in node.items():
                missing += walk(sub, f"{where}.{key}")
        elif isinstance(node, list):
            for i, sub in enumerate(node):
                missing += walk(sub, f"{where}[{i}]")
        return missing

    schemas = resources.files("gates") / "schemas"
    problems = []
    for entry in schemas.iterdir():
        if entry.name.endswith(".json"):
            problems += walk(json.loads(entry.read_text()), entry.name)
    from gates import registry

    for spec in registry.load():
        problems += walk(dict(spec.config_schema), f"gate {spec.id}")
    assert problems == []
