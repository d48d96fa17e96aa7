"""bandit's checks as semgrep rules (policies/semgrep-bandit/) report what bandit reports.

Both real tools run over the fixture tests/data/bandit_parity/: bandit restricted to the tests
the pack covers, semgrep with the pack. Their (test, path, line, severity, confidence) sets must
be equal, except on lines marked `# superset: Bxxx`, where the pack reports a true finding
bandit does not:

- `import telnetlib, ftplib`: bandit reports one blacklisted module per import statement (the
  first blacklist that matches), the pack each one (B402 beside B401; B409 beside B408);
- import lines inside a string: the pack matches import statements by their text (a structural
  `import $M` per shape cost ~0.7 s of CPU per test on the stripe sdist), so an import written
  inside a docstring is reported too (B403 in the fixture).

Then the gate itself runs with `bandit.engine: semgrep` (the pack for what it covers, bandit for
the rest), with `auto` on a policy the pack covers fully (no bandit process) and with `bandit` on
the same files, and must give the same findings (rule, path, line, severity, fingerprint,
suppression requests), the superset lines aside.
"""

from __future__ import annotations

import json
import os
import re
import warnings
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

import pytest
import yaml

from gates import _proc
from gates.checks.sast import GATE, bandit_pack
from gates.checks.sast import config as sast_config
from gates.checks.sast import gate as sast_gate
from gates.checks.sast import semgrep as sg
from gates.checks.sast.bandit_tests import TESTS
from gates.cli import main
from gates.errors import GateCannotRun
from gates.model import Finding
from tests.gatekit import context, make_repo

DATA = Path(__file__).parent / "data" / "bandit_parity"
SOURCES = {p.name: p.read_text() for p in sorted(DATA.glob("*.py"))}
_MARK = re.compile(r"# superset: (B\d{3})")
Key = tuple[str, str, int, str, str]  # test, path, line, severity, confidence


def _pack() -> tuple[Path, dict[str, bandit_pack.PackRule]]:
    resource = files("gates") / "policies" / bandit_pack.FOLDER / bandit_pack.FILE
    with as_file(resource) as path:
        return Path(path), bandit_pack.load(Path(path))


PACK, RULES = _pack()
COVERED = sorted(bandit_pack.covered(RULES))
UNCOVERED = sorted({t[0] for t in TESTS} - set(COVERED))


def _supersets() -> set[tuple[str, str, int]]:
    out = set()
    for name, text in SOURCES.items():
        for number, line in enumerate(text.splitlines(), 1):
            out |= {(test, name, number) for test in _MARK.findall(line)}
    return out


SUPERSET = _supersets()


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_repo(tmp_path_factory.mktemp("parity") / "repo", SOURCES)


def _bandit(root: Path, tests: list[str]) -> set[Key]:
    argv = ["bandit", "-f", "json", "-q", "--ignore-nosec", "-x", "", "-t", ",".join(tests)]
    result = _proc.run_tool(
        [*argv, "--", *sorted(SOURCES)], gate="sast", cwd=root, timeout_s=600,
        ok_codes=(0, 1), install_hint="pip install bandit",
    )  # fmt: skip
    doc: dict[str, Any] = json.loads(result.stdout)
    assert doc["errors"] == []
    return {
        (r["test_id"], r["filename"].removeprefix("./"), r["line_number"], r["issue_severity"].lower(),
         r["issue_confidence"].lower())
        for r in doc["results"]
    }  # fmt: skip


def _semgrep(root: Path) -> set[Key]:
    targets = sorted(SOURCES)
    hits = sg.run(root, [sg.Pass(rule_files=(PACK,), files=tuple(targets))], jobs=1,
                  timeout_per_file=30, timeout_s=600)  # fmt: skip
    out = set()
    for hit in hits:
        rule = RULES[hit.rule]
        out.add((rule.test, hit.path, hit.line, rule.severity, rule.confidence))
    return out


def test_the_pack_reports_what_bandit_reports(repo: Path) -> None:
    theirs, ours = _bandit(repo, COVERED), _semgrep(repo)
    missing = theirs - ours
    assert missing == set(), f"bandit reports what the pack does not: {sorted(missing)}"
    extra = {k[:3] for k in ours - theirs}
    assert extra == SUPERSET
    # every level a pack rule declares is one bandit gives for that test
    assert {(k[0], k[3], k[4]) for k in ours} <= {(k[0], k[3], k[4]) for k in theirs}


def test_every_covered_test_is_exercised_by_the_fixture(repo: Path) -> None:
    """Parity on a fixture where a test never fires would prove nothing about it."""
    fired = {k[0] for k in _bandit(repo, COVERED)}
    assert set(COVERED) <= fired, sorted(set(COVERED) - fired)


def test_the_catalogue_lists_every_test_the_installed_bandit_has() -> None:
    """bandit -t runs only the tests we name: one the catalogue lacks would never run."""
    result = _proc.run_tool(["bandit", "--help"], gate="sast", cwd=Path.cwd(), timeout_s=120,
                            ok_codes=(0,), install_hint="pip install bandit")  # fmt: skip
    listed = result.stdout.decode().split("discovered and loaded:", 1)[1]
    installed = set(re.findall(r"^\s+(B\d{3})\s", listed, re.M)) - {"B001"}  # B001: blacklists
    assert installed == {t[0] for t in TESTS}


def test_every_pack_rule_names_a_level_the_catalogue_allows() -> None:
    top = {t[0]: (t[4], t[5]) for t in TESTS}
    levels = ("low", "medium", "high")
    for rule in RULES.values():
        severity, _confidence = top[rule.test]
        assert levels.index(rule.severity) <= levels.index(severity), rule


def _shown(findings: list[Finding]) -> set[tuple[object, ...]]:
    return {
        (f.rule, f.location.path, f.location.line, f.severity, f.fingerprint,
         f.suppression_requests)
        for f in findings
    }  # fmt: skip


@pytest.mark.parametrize(
    "bandit_config",
    [{}, {"min_confidence": "medium", "skip_in_tests": []}, {"skip": ["B101", "B404"]},
     {"severity": {"low": "high"}, "min_confidence": "high"}],
    ids=["default", "medium-confidence", "skips", "severity-map"],
)  # fmt: skip
@pytest.mark.parametrize("engine", ["semgrep", "auto"])
def test_the_gate_gives_the_findings_bandit_gave(
    repo: Path, bandit_config: dict[str, Any], engine: str
) -> None:
    if engine == "auto":  # a policy the pack covers fully: bandit does not start
        bandit_config = {**bandit_config, "skip": [*bandit_config.get("skip", ()), *UNCOVERED]}
        assert not sast_gate.plan_for(sast_config.parse({"bandit": bandit_config})).runs_bandit
    pack = list(GATE.run(context("sast", repo, {"bandit": {**bandit_config, "engine": engine}})))
    process = list(
        GATE.run(context("sast", repo, {"bandit": {**bandit_config, "engine": "bandit"}}))
    )
    ours, theirs = _shown(pack), _shown(process)
    assert theirs - ours == set()
    extra = {(str(f[0]).removeprefix("sast.bandit."), f[1], f[2]) for f in ours - theirs}
    assert extra <= SUPERSET
    # the findings say which engine ran bandit's check
    engines = {dict(f.properties).get("bandit_engine") for f in pack if "bandit" in f.rule}
    assert "semgrep" in engines


def test_bandit_is_not_started_when_the_pack_covers_every_enabled_test(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert UNCOVERED, "every test is covered: drop the skips below and this branch"
    config = {"bandit": {"skip": list(UNCOVERED)}}
    with_bandit = _shown(list(GATE.run(context("sast", repo, config))))
    real = _proc.resolve_executable
    monkeypatch.setattr(_proc, "resolve_executable", lambda n: None if n == "bandit" else real(n))
    assert _shown(list(GATE.run(context("sast", repo, config)))) == with_bandit
    # with a test the pack does not cover, bandit is needed again, and its absence is an error
    with pytest.raises(GateCannotRun, match="bandit is not installed"):
        list(GATE.run(context("sast", repo, {})))


def test_who_runs_which_bandit_test() -> None:
    # auto: bandit alone while the pack lacks an enabled test (splitting costs more CPU), the
    # pack alone once it covers them all
    auto = sast_gate.plan_for(sast_config.parse({}))
    assert (auto.use_pack, auto.bandit_tests) == (False, None)
    auto = sast_gate.plan_for(sast_config.parse({"bandit": {"skip": list(UNCOVERED)}}))
    assert (auto.use_pack, auto.bandit_tests) == (True, ())
    # semgrep: the pack for what it covers, bandit -t for the rest
    plan = sast_gate.plan_for(sast_config.parse({"bandit": {"engine": "semgrep"}}))
    assert plan.use_pack
    assert plan.bandit_tests is not None
    assert set(plan.bandit_tests).isdisjoint(COVERED)
    assert set(plan.bandit_tests) | set(COVERED) == {t[0] for t in TESTS}
    assert (
        sast_gate.plan_for(sast_config.parse({"bandit": {"engine": "bandit"}})).bandit_tests is None
    )


def test_a_local_rule_cannot_pose_as_a_bandit_check(tmp_path: Path) -> None:
    some_id = next(iter(RULES)).removeprefix("sast.")
    rule = (
        f"rules:\n  - id: {some_id}\n    languages: [python]\n    severity: INFO\n"
        "    message: m\n    pattern: print(...)\n"
    )
    root = make_repo(tmp_path / "r", {"rules/local.yaml": rule, "a.py": "print(1)\n"})
    cfg = {"semgrep": {"rules": ["rules/local.yaml"]}, "bandit": {"engine": "semgrep"}}
    with pytest.raises(GateCannotRun, match=f"local semgrep rule {some_id} in local.yaml"):
        list(GATE.run(context("sast", root, cfg)))


def test_a_bad_engine_is_a_policy_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = "version: 1\ngates:\n  sast:\n    bandit: {engine: bandt}\n"
    repo = make_repo(tmp_path / "r", {".release-gates/policy.yaml": policy, "a.py": "x = 1\n"})
    monkeypatch.chdir(repo)
    assert main(["policy", "validate", ".release-gates/policy.yaml"]) == 2
    err = capsys.readouterr().err
    assert "$.gates.sast.bandit.engine: 'bandt' is not one of ['auto', 'semgrep', 'bandit']" in err
    assert "Fix: use one of auto, semgrep, bandit" in err


def test_a_missing_pack_fails_closed(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bandit_pack, "FILE", "gone.yaml")
    with pytest.raises(GateCannotRun, match="pack of bandit's checks is missing or broken"):
        list(GATE.run(context("sast", repo, {"bandit": {"engine": "semgrep"}})))
    # engine: bandit does not need it, nor auto when the policy enables tests the pack lacks
    # (the shipped policies do): the pack is read only for a run it serves
    assert list(GATE.run(context("sast", repo, {"bandit": {"engine": "bandit"}})))
    assert list(GATE.run(context("sast", repo, {})))


def test_a_crashing_semgrep_fails_closed_for_bandit_checks_too(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "bin" / "semgrep"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\nkill -SEGV $$\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(GateCannotRun, match="semgrep exited with code -11"):
        list(
            GATE.run(
                context(
                    "sast", repo, {"semgrep": {"enabled": False}, "bandit": {"engine": "semgrep"}}
                )
            )
        )


def _pack_rules_text() -> dict[str, str]:
    """Each pack rule's YAML text, by bandit test id (all rules of a test joined)."""
    out: dict[str, str] = {}
    for rule in yaml.safe_load(PACK.read_text())["rules"]:
        test = rule["metadata"]["bandit"]["test"]
        out[test] = out.get(test, "") + yaml.safe_dump(rule, width=10_000)
    return out


def test_the_pack_lists_every_name_bandits_blacklists_have() -> None:
    """A bandit upgrade that adds a name to a blacklist must not leave the pack behind."""
    with warnings.catch_warnings():
        # importing bandit loads its plugins through stevedore, which warns about an argument
        # bandit still passes (DeprecationWarning: verify_requirements); not ours to fix
        warnings.simplefilter("ignore", DeprecationWarning)
        from bandit.blacklists import calls, imports

    text = _pack_rules_text()
    for check in calls.gen_blacklist()["Call"]:
        for name in check["qualnames"]:
            assert f"{name}(...)" in text[check["id"]], (check["id"], name)
    for check in imports.gen_blacklist()["Import"]:
        for name in check["qualnames"]:
            assert re.escape(name.rpartition(".")[2]) in text[check["id"]], (check["id"], name)
            assert f'"{name}"' in text[check["id"]], (check["id"], name)  # __import__("name")


def test_the_planners_list_of_covered_tests_is_the_packs() -> None:
    """Runs are planned from `bandit_pack.COVERED` without parsing the pack: it must name
    exactly the tests the pack's rules report."""
    assert bandit_pack.covered(RULES) == bandit_pack.COVERED
