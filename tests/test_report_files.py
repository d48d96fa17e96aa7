"""Report files: atomic writes, appended step summaries."""

from __future__ import annotations

from pathlib import Path

import pytest

from gates.errors import InvalidInput
from gates.report import Format, files, render, step_summary
from tests import reportkit


def test_write_atomic_replaces_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "report.sarif"
    target.write_text("old partial", encoding="utf-8")
    text = render(reportkit.sample(), Format.SARIF)
    files.write_atomic(target, text)
    assert target.read_bytes() == text.encode("utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.sarif"]  # no temp file left


def test_failed_write_keeps_the_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("previous report", encoding="utf-8")
    with pytest.raises(UnicodeEncodeError):
        files.write_atomic(target, "ok \udcff not encodable")  # fails half-way through
    assert target.read_text(encoding="utf-8") == "previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_write_atomic_into_missing_directory_is_invalid_input(tmp_path: Path) -> None:
    target = tmp_path / "nope" / "r.json"
    with pytest.raises(InvalidInput) as info:
        files.write_atomic(target, "{}")
    assert str(info.value) == (
        f"{target}: --output: its directory does not exist. Fix: create the directory first"
    )


def test_step_summary_is_appended(tmp_path: Path) -> None:
    summary = tmp_path / "step_summary.md"
    summary.write_text("## earlier step\n", encoding="utf-8")
    files.append_step_summary(summary, step_summary(reportkit.sample()))
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("## earlier step\n## release-gates: ⛔ error\n")
    assert text.endswith("- fingerprint key derived from root commit 0123456789ab\n")
