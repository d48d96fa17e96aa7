"""`[tool.release-gates]` in pyproject.toml: the policy file's schema, discovery order, trust ref."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from gates import policy as policy_mod
from gates.cli import main
from gates.errors import InvalidInput
from gates.model import Severity
from tests.gatekit import git, make_repo

CARD = "4301 6613 1860 9135"  # passes Luhn, not a published test card
TABLE = """\
[project]
name = "shop"
dependencies = ["release-gates[all]"]

[tool.release-gates]
version = 1
extends = "fintech-default"
fail_on = "{fail_on}"

[tool.release-gates.gates.pii.severity]
"pii.pan" = "{pan}"
"""
YAML = "version: 1\nextends: fintech-default\nfail_on: medium\n"


def pyproject(fail_on: str = "critical", pan: str = "high") -> str:
    return TABLE.format(fail_on=fail_on, pan=pan)


def run(root: Path, *args: str) -> tuple[int, str]:
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        code = main(["run", "--no-cache", *args], out=out)
    return code, out.getvalue()


def test_table_is_the_policy(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {"pyproject.toml": pyproject(), "app.py": "x = 1\n"})
    policy = policy_mod.load(root, None)
    assert policy.sources == ("policies/fintech-default.yaml (shipped)", "pyproject.toml")
    assert policy.fail_on is Severity.CRITICAL
    assert policy.gate_section("pii")["severity"] == {"pii.pan": "high"}


def test_table_decides_the_verdict(tmp_path: Path) -> None:
    files = {"billing.py": f"CARD = '{CARD}'\n"}
    blocked = make_repo(tmp_path / "a", {**files, "pyproject.toml": pyproject("high", "high")})
    relaxed = make_repo(tmp_path / "b", {**files, "pyproject.toml": pyproject("high", "low")})
    assert run(blocked, "--gate", "pii")[0] == 1
    assert run(relaxed, "--gate", "pii")[0] == 0


@pytest.mark.parametrize(
    "files",
    [
        {},
        {"pyproject.toml": '[project]\nname = "shop"\ndependencies = ["release-gates"]\n'},
        {"pyproject.toml": "[tool.ruff]\nline-length = 100\n"},
        {"pyproject.toml": "this is not toml = = =\n"},  # never parsed: no mention of us
    ],
    ids=["none", "dependency-only", "other-tools", "unrelated-broken-toml"],
)
def test_without_a_table_the_shipped_default_applies(tmp_path: Path, files: dict[str, str]) -> None:
    root = make_repo(tmp_path, {**files, "app.py": "x = 1\n"})
    assert policy_mod.load(root, None).sources == ("policies/fintech-default.yaml (shipped)",)


def test_both_yaml_and_table_are_ambiguous(tmp_path: Path) -> None:
    root = make_repo(
        tmp_path,
        {"pyproject.toml": pyproject(), ".release-gates/policy.yaml": YAML, "app.py": "x = 1\n"},
    )
    with pytest.raises(InvalidInput) as info:
        policy_mod.load(root, None)
    assert str(info.value) == (
        ".release-gates/policy.yaml: $: the policy is configured twice: here and in "
        "pyproject.toml [tool.release-gates]. Fix: keep one of them (or choose with "
        "--policy .release-gates/policy.yaml)"
    )
    assert run(root, "--gate", "pii")[0] == 2
    # --policy chooses: no ambiguity
    explicit = policy_mod.load(root, str(root / ".release-gates/policy.yaml"))
    assert explicit.fail_on is Severity.MEDIUM
    assert policy_mod.load(root, str(root / "pyproject.toml")).fail_on is Severity.CRITICAL


@pytest.mark.parametrize(
    ("text", "field", "problem"),
    [
        ('[tool.release-gates]\nversion = 1\nfail_on = "hihg"\n', "$.fail_on", "hihg"),
        ("[tool.release-gates]\nversion = 1\nfial_on = 'high'\n", "$.fial_on", "fial_on"),
        ("[tool.release-gates\nversion = 1\n", "$", "not valid TOML"),
        ('[tool]\nrelease-gates = "yes"\n', "$.tool.release-gates", "must be a table"),
    ],
    ids=["bad-value", "unknown-key", "bad-toml", "not-a-table"],
)
def test_invalid_table_names_pyproject(tmp_path: Path, text: str, field: str, problem: str) -> None:
    root = make_repo(tmp_path, {"pyproject.toml": text, "app.py": "x = 1\n"})
    with pytest.raises(InvalidInput) as info:
        policy_mod.load(root, None)
    assert info.value.file == "pyproject.toml"
    assert info.value.field == field
    assert problem in str(info.value)


def test_explicit_pyproject_without_table_is_invalid(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {"pyproject.toml": "[tool.ruff]\n", "app.py": "x = 1\n"})
    with pytest.raises(InvalidInput, match=r"no \[tool.release-gates\] table"):
        policy_mod.load(root, str(root / "pyproject.toml"))


def test_table_is_read_from_the_trust_ref(tmp_path: Path) -> None:
    """In CI the table comes from the trust ref: the change under review cannot relax it."""
    root = make_repo(tmp_path, {"pyproject.toml": pyproject("critical"), "app.py": "x = 1\n"})
    git(root, "branch", "base")
    (root / "pyproject.toml").write_text(pyproject("low"), encoding="utf-8")
    git(root, "commit", "-qam", "relax")
    trusted = policy_mod.load(
        root, None, reader=policy_mod.ref_reader(root, "base"), label_prefix="base:"
    )
    assert trusted.fail_on is Severity.CRITICAL
    assert trusted.sources[-1] == "base:pyproject.toml"
    assert policy_mod.load(root, None).fail_on is Severity.LOW
    # a YAML policy added by the change does not make the trusted table ambiguous, and vice versa
    (root / ".release-gates").mkdir()
    (root / ".release-gates/policy.yaml").write_text(YAML, encoding="utf-8")
    again = policy_mod.load(root, None, reader=policy_mod.ref_reader(root, "base"))
    assert again.fail_on is Severity.CRITICAL


def test_extends_a_yaml_file_beside_it(tmp_path: Path) -> None:
    root = make_repo(
        tmp_path,
        {
            "pyproject.toml": '[tool.release-gates]\nversion = 1\nextends = "ci/base.yaml"\n',
            "ci/base.yaml": "version: 1\nextends: pci-strict\nfail_on: low\n",
            "app.py": "x = 1\n",
        },
    )
    policy = policy_mod.load(root, None)
    assert policy.sources[-2:] == ("ci/base.yaml", "pyproject.toml")
    assert policy.fail_on is Severity.LOW
