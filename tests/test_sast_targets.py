"""semgrep starts only for files some rule can match (a README-only commit pays no 2 s start-up),
and any rule that can match anything (generic, regex, an unknown language) keeps every file."""

from __future__ import annotations

import dataclasses
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

import pytest

from gates.checks.sast import GATE, targets
from gates.checks.sast import gate as sast_gate
from tests.gatekit import context, make_repo


def _rule(language: str, pattern: str = "print(...)") -> str:
    return (
        f"rules:\n  - id: r-{language}\n    languages: [{language}]\n    severity: WARNING\n"
        f"    message: m\n    pattern: {pattern}\n"
    )


def test_the_bundled_packs_are_python_only() -> None:
    pack = files("gates") / "policies" / "semgrep"
    paths = []
    for name in sast_gate.bundled_rule_files():
        with as_file(pack / name) as path:
            paths.append(Path(path))
    assert targets.rule_languages(paths) == frozenset({"python"})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (_rule("python"), frozenset({"python"})),
        (_rule("js"), frozenset({"js"})),
        (_rule("generic", "TODO"), None),
        (_rule("regex", "TODO"), None),
        (_rule("cobol"), None),  # a language this table does not know: every file
        ("rules: [", None),  # unreadable here: semgrep reports it, on every file
        ("rules:\n  - id: x\n    pattern: a\n", None),  # no languages
    ],
    ids=["python", "js", "generic", "regex", "unknown", "broken", "no-languages"],
)
def test_rule_languages(tmp_path: Path, text: str, expected: frozenset[str] | None) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(text)
    assert targets.rule_languages([path]) == expected


def test_only_files_a_rule_can_match_are_targets() -> None:
    files_ = ["README.md", "a.py", "stubs/b.pyi", "bin/run", "Dockerfile", "c.JS", "d.json"]
    assert targets.semgrep_targets(files_, frozenset({"python"})) == [
        "a.py",
        "stubs/b.pyi",
        "bin/run",  # no suffix: semgrep may read a python shebang
        "Dockerfile",
    ]
    assert targets.semgrep_targets(files_, frozenset({"javascript", "json"})) == [
        "bin/run",
        "Dockerfile",
        "c.JS",
        "d.json",
    ]
    assert targets.semgrep_targets(files_, None) == files_


def _semgrep_started(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    calls: list[list[str]] = []
    real = sast_gate.semgrep.run

    def run(root: Path, passes: Any, **kw: Any) -> Any:
        calls.extend(list(p.files) for p in passes)
        return real(root, passes, **kw)

    monkeypatch.setattr(sast_gate.semgrep, "run", run)
    return calls


def test_a_markdown_only_change_does_not_start_semgrep(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_repo(tmp_path / "r", {"README.md": "print(1)\n", "a.py": "x = 1\n"})
    calls = _semgrep_started(monkeypatch)
    ctx = context("sast", root, {"bandit": {"enabled": False}})
    ctx = dataclasses.replace(ctx, files=("README.md",))
    assert list(GATE.run(ctx)) == []
    assert calls == []


def test_a_generic_local_rule_still_scans_markdown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rule = _rule("generic", "SECRET_TOKEN_HERE")
    root = make_repo(
        tmp_path / "r", {"rules/local.yaml": rule, "README.md": "see SECRET_TOKEN_HERE\n"}
    )
    calls = _semgrep_started(monkeypatch)
    config = {"semgrep": {"rules": ["rules/local.yaml"]}, "bandit": {"enabled": False}}
    ctx = context("sast", root, config)
    ctx = dataclasses.replace(ctx, files=("README.md",))
    found = list(GATE.run(ctx))
    assert calls == [["README.md"]]
    assert [(f.rule, f.location.path, f.location.line) for f in found] == [
        ("sast.r-generic", "README.md", 1)
    ]
