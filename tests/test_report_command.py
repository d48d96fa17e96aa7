"""`gates report`: re-render a saved JSON report; the saved verdict is the exit code."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import pytest

from gates.commands import report as report_cmd
from gates.errors import InvalidInput
from gates.report import Format, evidence, render, step_summary
from tests import reportkit

COMMIT = "0123456789abcdef0123456789abcdef01234567"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gates")
    report_cmd.add_parser(parser.add_subparsers(dest="command"))
    return parser


def _run(argv: list[str]) -> tuple[int, str]:
    args = _parser().parse_args(["report", *argv])
    out = io.StringIO()
    code = args.handler(args, out)
    return code, out.getvalue()


@pytest.fixture
def saved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    path = tmp_path / "run.json"
    path.write_text(render(reportkit.sample(), Format.JSON), encoding="utf-8")
    return path


def test_text_to_stdout_with_the_saved_exit_code(saved: Path) -> None:
    assert _run([str(saved)]) == (3, render(reportkit.sample(), Format.TEXT))


def test_clean_report_exits_zero(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    path = tmp_path / "clean.json"
    path.write_text(render(reportkit.empty(), Format.JSON), encoding="utf-8")
    assert _run([str(path), "--format", "github"]) == (
        0,
        "PASS: no blocking findings (0 findings; fail on high; 3 files scanned)\n",
    )


def test_files_and_evidence(saved: Path, tmp_path: Path) -> None:
    sarif_path, ev_path = tmp_path / "run.sarif", tmp_path / "evidence.json"
    argv = [str(saved), "--format", f"sarif={sarif_path}"]
    argv += ["--format", "github", "--evidence", str(ev_path), "--commit", COMMIT]
    code, stdout = _run(argv)
    assert code == 3
    assert stdout == render(reportkit.sample(), Format.GITHUB)
    assert sarif_path.read_text(encoding="utf-8") == render(reportkit.sample(), Format.SARIF)
    statement = json.loads(ev_path.read_text(encoding="utf-8"))
    assert statement["subject"] == [{"name": "release", "digest": {"gitCommit": COMMIT}}]
    saved_report = evidence.Context(scope="unknown: made from a saved JSON report")
    assert statement == json.loads(
        evidence.render(reportkit.sample(), [evidence.git_commit("release", COMMIT)], saved_report)
    )


def test_step_summary_is_appended_for_github(
    saved: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    _run([str(saved), "--format", "github"])
    assert summary.read_text(encoding="utf-8") == step_summary(reportkit.sample())


def test_evidence_without_commit_is_invalid_input(saved: Path, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="evidence needs a git commit to bind to"):
        _run([str(saved), "--evidence", str(tmp_path / "e.json")])
    assert not (tmp_path / "e.json").exists()


def test_edited_report_is_invalid_input(saved: Path) -> None:
    doc = json.loads(saved.read_text(encoding="utf-8"))
    doc["verdict"] = "pass"
    doc["exit_code"] = 0
    saved.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(InvalidInput) as info:
        _run([str(saved)])
    assert str(info.value).startswith(
        f"{saved}: $.verdict: pass (exit 0) does not follow from 1 blocking findings and 1 gate "
        "errors."
    )


def test_help_has_examples(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        _parser().parse_args(["report", "--help"])
    assert info.value.code == 0
    text = capsys.readouterr().out
    assert "gates report run.json --format sarif=run.sarif --format github" in text
    assert "exit codes: the saved run's" in text
