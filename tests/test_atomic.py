"""Atomic writes: a report or baseline is replaced whole or not at all."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from gates.atomic import write_text_atomic
from gates.report import Format, render, step_summary
from tests import reportkit


def test_write_replaces_whole_file_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "report.sarif"
    target.write_text("old partial", encoding="utf-8")
    text = render(reportkit.sample(), Format.SARIF)
    write_text_atomic(target, text)
    assert target.read_bytes() == text.encode("utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.sarif"]


def test_failed_write_keeps_the_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("previous report", encoding="utf-8")
    with pytest.raises(UnicodeEncodeError):
        write_text_atomic(target, "ok \udcff not encodable")
    assert target.read_text(encoding="utf-8") == "previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_written_files_get_normal_permissions(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "r.json"
    write_text_atomic(target, "{}")
    assert target.stat().st_mode & 0o644 == 0o644


def test_a_device_target_is_written_in_place_not_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        write_text_atomic(fifo, "report\n")
        assert os.read(reader, 100) == b"report\n"
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)  # still a pipe, not swapped for a file


def test_a_symlink_target_replaces_the_file_it_points_to(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    write_text_atomic(link, "new")
    assert link.is_symlink()
    assert real.read_text() == "new"


def test_step_summary_is_appended(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from gates.commands.emit import append_step_summary

    summary = tmp_path / "step_summary.md"
    summary.write_text("## earlier step\n", encoding="utf-8")
    append_step_summary(summary, step_summary(reportkit.sample()))
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("## earlier step\n## release-gates: ⛔ error\n")
    assert text.endswith("- fingerprint key derived from root commit 0123456789ab\n")
