"""`-v` logs each gate's start and finish with counts and timings; quiet runs log nothing.

Run as a user would: the real CLI in a subprocess, JSON lines on stderr, the report on stdout.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.gatekit import make_repo

PAN = "4539 1488 0343 6467"


def _gates(root: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gates", *argv],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_verbose_logs_gate_timings_as_json(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"a.py": f'CARD = "{PAN}"\n', "b.py": "x = 1\n"})
    done = _gates(root, "-v", "--log-format", "json", "run", "--gate", "pii", "--no-cache")
    assert done.returncode == 1
    events = [json.loads(line) for line in done.stderr.splitlines()]
    finished = [e for e in events if e["event"] == "gate_finished"]
    assert [(e["gate"], e["files"], e["findings"], e["outcome"]) for e in finished] == [
        ("pii", 2, 1, "ok")
    ]
    assert finished[0]["seconds"] >= 0
    assert any(e["event"] == "gate_started" and e["gate"] == "pii" for e in events)
    assert any(e["event"] == "tool_started" and e["tool"] == "git" for e in events)
    assert "4539148803436467" not in done.stderr.replace(" ", "")


def test_quiet_run_logs_nothing(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"b.py": "x = 1\n"})
    done = _gates(root, "--log-format", "json", "run", "--gate", "pii", "--no-cache")
    assert done.returncode == 0
    assert done.stderr == ""
