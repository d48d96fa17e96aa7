"""The fast semgrep path (`semgrep scan --experimental`, the OCaml CLI) reports what the Python CLI
did for our rule pack, and fails closed where it differs or breaks."""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

import pytest

from gates import _proc
from gates.checks.sast import GATE, rule_files
from gates.checks.sast import semgrep as sg
from gates.checks.sast.catalog import BUNDLED, BUNDLED_PROOFS
from gates.errors import GateCannotRun
from tests.gatekit import context, make_repo

PACK = Path(str(files("gates") / "policies" / "semgrep"))
RULES = sorted(PACK.glob("*.yaml"))
# The pack's own rule tests: a hit for every bundled rule, and `ok:` lines that must stay quiet.
SOURCES = {f"src/{p.name}": p.read_text() for p in sorted((PACK / "tests").glob("*.py"))}
SG_ONLY = {"bandit": {"enabled": False}}
LOCAL = {"semgrep": {"rules": ["rules/local.yaml"]}, **SG_ONLY}


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_repo(tmp_path_factory.mktemp("engine") / "repo", SOURCES)


def _run(root: Path, argv: list[str], targets: list[str]) -> list[sg.ToolHit]:
    result = _proc.run_tool(
        argv, gate="sast", cwd=root, timeout_s=600, ok_codes=tuple(range(256)),
        install_hint=sg.INSTALL, env=sg.ENV,
    )  # fmt: skip
    return sg.parse(result.stdout, targets, result.returncode, result.stderr_tail())


def test_the_fast_path_runs_the_ocaml_cli() -> None:
    argv = sg.argv(RULES, ["a.py"], jobs=1, timeout_per_file=30)
    assert argv[:3] == ["semgrep", "scan", "--experimental"]


def test_fast_path_reports_what_the_python_cli_did(repo: Path) -> None:
    targets = sorted(SOURCES)
    fast = sg.argv(RULES, targets, jobs=2, timeout_per_file=30)
    legacy = [a for a in fast if a != "--experimental"]  # semgrep falls back to its Python CLI
    new, old = _run(repo, fast, targets), _run(repo, legacy, targets)
    assert sorted(new, key=repr) == sorted(old, key=repr)
    reported = {h.rule for h in new}
    assert {r.id for r in BUNDLED} | BUNDLED_PROOFS <= reported  # every rule family fires


def _local(tmp_path: Path, rule: str) -> Path:
    files_ = {"rules/local.yaml": rule, "a.py": "A = 5\nDEBUG = True\n"}
    return make_repo(tmp_path / "r", files_)


HEAD = "rules:\n  - id: local\n    languages: [python]\n    severity: ERROR\n    message: m\n"


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (HEAD + "    pattern-either: A = 5\n", "Expected a list for pattern-either"),
        (HEAD + "    pattern: 'def ('\n", "Invalid pattern for Python"),
        # The Python CLI expanded YAML aliases; the OCaml one refuses them (never misreads them).
        (HEAD.replace("message: m", "message: &m m") + "    pattern: A = 5\n"
         "  - id: again\n    languages: [python]\n    severity: ERROR\n    message: *m\n"
         "    pattern: A = 5\n", "Expected a string value for message"),
        (HEAD.replace("languages: [python]", "languages: [cobol]") + "    pattern: A\n",
         "invalid language cobol"),
    ],
    ids=["not-a-list", "bad-pattern", "yaml-alias", "unknown-language"],
)  # fmt: skip
def test_a_rule_that_does_not_parse_fails_closed(tmp_path: Path, rule: str, message: str) -> None:
    root = _local(tmp_path, rule)
    with pytest.raises(GateCannotRun, match="semgrep reported errors") as err:
        list(GATE.run(context("sast", root, LOCAL)))
    assert message in err.value.reason


def test_a_join_rule_the_ocaml_cli_would_skip_is_refused(tmp_path: Path) -> None:
    rule = (
        "rules:\n  - id: joined\n    mode: join\n    severity: ERROR\n    message: m\n"
        "    join:\n      rules:\n        - id: a\n          languages: [python]\n"
        "          pattern: A = $X\n      on: []\n"
    )
    root = _local(tmp_path, rule)
    with pytest.raises(GateCannotRun, match=r"rule joined in rules/local\.yaml has mode join"):
        list(GATE.run(context("sast", root, LOCAL)))


def test_a_file_semgrep_did_not_scan_fails_closed(repo: Path) -> None:
    files = ("src/payments.py", "src/gone.py")
    with pytest.raises(GateCannotRun, match=r"semgrep reported errors .*Invalid scanning root"):
        sg.run(repo, [sg.Pass(rule_files=tuple(RULES), files=files)], jobs=1,
               timeout_per_file=30, timeout_s=600)  # fmt: skip


def test_a_missing_semgrep_fails_closed(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = _proc.resolve_executable
    monkeypatch.setattr(_proc, "resolve_executable", lambda n: None if n == "semgrep" else real(n))
    with pytest.raises(GateCannotRun, match="semgrep is not installed"):
        list(GATE.run(context("sast", repo, SG_ONLY)))


def test_a_crashing_semgrep_fails_closed(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "bin" / "semgrep"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho '{\"results\": []' ; kill -SEGV $$\n")  # half a document
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(GateCannotRun, match=r"semgrep exited with code -11"):
        list(GATE.run(context("sast", repo, SG_ONLY)))


@pytest.mark.parametrize(
    ("mode", "refused"),
    [(None, False), ("search", False), ("taint", False), ("extract", False), ("join", True),
     ("step", True)],
)  # fmt: skip
def test_only_modes_the_ocaml_cli_runs_are_accepted(
    tmp_path: Path, mode: str | None, refused: bool
) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(HEAD + (f"    mode: {mode}\n" if mode else "") + "    pattern: A\n")
    assert rule_files.unsupported([path]) == ([(path, "local", mode)] if refused else [])
    assert rule_files.unsupported(RULES) == []  # the bundled pack
