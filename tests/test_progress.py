"""The live progress line: on a terminal it shows files done / total per gate and the elapsed
time; piped, under CI or with JSON logs it never appears (a real 2,500-file run under a pty)."""

from __future__ import annotations

import io
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

from gates import progress
from tests.gatekit import make_repo

ROOT = Path(__file__).resolve().parents[1]
FILES = 2500
ERASE = b"\x1b[2K"


@pytest.fixture(scope="module")
def big_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    files = {f"app/module_{i:04d}.py": f"VALUE_{i} = {i}\n" for i in range(FILES)}
    return make_repo(tmp_path_factory.mktemp("big") / "repo", files)


def _run(root: Path, *argv: str, tty: bool, **env: str) -> tuple[int, bytes, bytes]:
    """`gates ARGV` with stderr on a pseudo-terminal (tty) or a pipe: (exit, stdout, stderr)."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    cmd = [sys.executable, "-m", "gates", *argv]
    if not tty:
        proc = subprocess.run(cmd, cwd=root, env=full_env, capture_output=True, timeout=600)
        return proc.returncode, proc.stdout, proc.stderr
    master, slave = pty.openpty()
    with subprocess.Popen(
        cmd, cwd=root, env=full_env, stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL
    ) as child:
        os.close(slave)
        err = bytearray()
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: every writer of the pty is gone
                break
            if not chunk:
                break
            err += chunk
        out = child.stdout.read() if child.stdout else b""
        code = child.wait(timeout=600)
    os.close(master)
    return code, out, bytes(err)


@pytest.mark.parametrize(
    "gates",
    [
        ("pii", "secrets"),  # each in a worker, counts sent over its pipe
        ("pii",),  # alone: in the CLI's process, counts handed to the line directly
    ],
)
def test_a_terminal_sees_files_done_per_gate_and_the_time(
    big_repo: Path, gates: tuple[str, ...]
) -> None:
    selected = [arg for gate in gates for arg in ("--gate", gate)]
    code, out, err = _run(
        big_repo,
        "run",
        *selected,
        "--no-cache",
        tty=True,
        RELEASE_GATES_PROGRESS_AFTER="0",
    )
    assert code == 0, err
    lines = err.split(b"\r")
    drawn = [line.removeprefix(ERASE).decode() for line in lines[:-1] if line.startswith(ERASE)]
    assert drawn, err  # drawn in place...
    assert lines[-1] == ERASE  # ...and erased at the end
    assert any(re.search(rf"pii \d+/{FILES}", d) for d in drawn)
    if "secrets" in gates:
        assert any(re.search(rf"secrets (\d+|…)/{FILES}", d) for d in drawn)
    assert all(re.search(r"· \d+\.\ds$", d) for d in drawn)  # the time elapsed
    assert b"\x1b" not in out  # the report on stdout is untouched


@pytest.mark.parametrize(
    ("tty", "env", "argv"),
    [
        (False, {}, ()),  # piped
        (True, {"CI": "true"}, ()),  # a CI runner with a terminal
        (True, {}, ("--log-format", "json")),  # machine-read logs
        (True, {}, ("-v",)),  # log lines carry the same facts
        (True, {"RELEASE_GATES_PROGRESS_AFTER": "600"}, ()),  # a run faster than the threshold
    ],
)
def test_no_progress_line_where_no_person_watches(
    big_repo: Path, tty: bool, env: dict[str, str], argv: tuple[str, ...]
) -> None:
    env = {"RELEASE_GATES_PROGRESS_AFTER": "0", **env}
    code, _, err = _run(big_repo, *argv, "run", "--gate", "pii", tty=tty, **env)
    assert code == 0, err
    assert ERASE not in err
    assert b"/2500" not in err


def test_the_line_counts_per_gate_and_marks_finished_gates() -> None:
    stream = io.StringIO()
    display = progress.Display(
        stream=stream, tasks=[("pii", 10), ("pii", 5), ("reconcile", 0)], after_s=0
    )
    display.update(0, 4)
    assert display.line(display.started).startswith("gates  pii 4/15  reconcile …  · ")
    display.finish(0)
    display.finish(1)
    assert "pii 15/15 ✓" in display.line(display.started)
    display.close()
    assert stream.getvalue().endswith("\r\x1b[2K")


def test_advance_is_a_no_op_outside_a_worker() -> None:
    progress.advance(3)  # no channel attached: nothing to send, nothing raised
