"""A run of one task of a gate that allows it (pii, secrets) runs in the CLI's own process
(runner._runs_here): the pre-commit case, without a worker's fork and imports. It must report
what a worker reports, and fail closed as a worker does: a crash is the gate's error, the
timeout holds, and a gate stuck in C code is still ended."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gates import runner
from tests.gatekit import make_repo, run_cli

ROOT = Path(__file__).resolve().parent.parent
CARD = "4539 1488 0343 6467"
TOKEN = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"  # a GitHub token's shape


def _report(repo: Path, *argv: str) -> tuple[int, dict[str, object]]:
    code, out = run_cli(repo, "run", *argv, "--no-cache", "--format", "json")
    report = json.loads(out)
    for volatile in ("clock", "duration_s", "durations"):
        report.pop(volatile, None)
    return code, report


@pytest.mark.parametrize("gate", ["pii", "secrets"])
def test_a_one_file_run_reports_in_the_process_what_a_worker_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gate: str
) -> None:
    repo = make_repo(
        tmp_path / "repo",
        {"app/pay.py": f'CARD = "{CARD}"\nGITHUB_TOKEN = "{TOKEN}"\nprint("ok")\n'},
    )
    here = _report(repo, "--gate", gate, "app/pay.py")
    monkeypatch.setattr(runner, "_runs_here", lambda tasks: False)  # every run goes to a worker
    in_worker = _report(repo, "--gate", gate, "app/pay.py")
    assert here == in_worker
    assert here[0] == 1  # blocked: the finding is there, and the same, either way
    assert CARD not in json.dumps(here[1])
    assert TOKEN not in json.dumps(here[1])


def _cli(
    repo: Path, plugin_gates: Path, *argv: str, code: str = ""
) -> subprocess.CompletedProcess[str]:
    """The real CLI in a fresh interpreter, with the test gates registered."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(plugin_gates.parent), str(ROOT)])}
    script = code or "import sys; from gates.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", script, *argv],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("gate", ["pii", "secrets"])
def test_a_tree_split_over_processes_reports_in_the_process_what_a_worker_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gate: str
) -> None:
    """Past their thresholds pii forks its chunks and secrets starts its pool: from the CLI's
    process now, with the watchdog's timers set and no thread beside them."""
    from gates.checks.pii import gate as pii_gate
    from gates.checks.secrets import gate as secrets_gate

    monkeypatch.setattr(pii_gate, "PARALLEL_MIN_BYTES", 1)
    monkeypatch.setattr(secrets_gate, "_parallel", lambda jobs, files: files > 1)
    files = {f"app/m{i}.py": f'CARD_{i} = "{CARD}"\nGITHUB_TOKEN = "{TOKEN}"\n' for i in range(40)}
    repo = make_repo(tmp_path / "repo", files)
    here = _report(repo, "--gate", gate, "--jobs", "2", ".")
    monkeypatch.setattr(runner, "_runs_here", lambda tasks: False)
    in_worker = _report(repo, "--gate", gate, "--jobs", "2", ".")
    assert here == in_worker
    assert here[0] == 1
    assert len(json.dumps(here[1]).split('"fingerprint"')) > 40  # every file's finding is there


def test_one_gate_skips_the_worker_and_two_gates_fork_theirs(
    tmp_path: Path, plugin_gates: Path
) -> None:
    """What the shortcut is for: no worker, so multiprocessing is never imported, at any size;
    a run of two gates forks a worker for each, as before."""
    repo = make_repo(
        tmp_path / "repo",
        {"small.py": "x = 1\n", "big.txt": "y = 2\n" * 200_000},
    )
    probe = (
        "import sys; from gates.cli import main; code = main(sys.argv[1:]); "
        "print('worker' if 'multiprocessing' in sys.modules else 'here')"
    )
    small = _cli(repo, plugin_gates, "run", "--gate", "pii", "small.py", code=probe)
    big = _cli(repo, plugin_gates, "run", "--gate", "pii", "big.txt", code=probe)
    two = _cli(
        repo, plugin_gates, "run", "--gate", "pii", "--gate", "secrets", "small.py", code=probe
    )
    assert small.stdout.splitlines()[-1] == "here", small.stderr
    assert big.stdout.splitlines()[-1] == "here", big.stderr
    assert two.stdout.splitlines()[-1] == "worker", two.stderr


@pytest.mark.usefixtures("plugin_gates")
def test_a_gate_that_crashes_in_the_process_blocks_with_its_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "repo", {"a.py": "x = 1\n"})
    code, out = run_cli(repo, "run", "--gate", "boomhere", "a.py")
    assert code == 3
    assert "boomhere: crashed: RuntimeError: the gate fell over" in out + capsys.readouterr().err


def test_a_gate_past_its_timeout_in_the_process_exits_3_with_the_fix(
    tmp_path: Path, plugin_gates: Path
) -> None:
    policy = "version: 1\ngates:\n  hanghere: {timeout: 1}\n"
    repo = make_repo(tmp_path / "repo", {".release-gates/policy.yaml": policy, "a.py": "x = 1\n"})
    proc = _cli(repo, plugin_gates, "run", "--gate", "hanghere", "a.py")
    assert proc.returncode == 3, proc.stderr
    assert (
        "gates: hanghere did not finish within its timeout of 1s. "
        "Fix: raise gates.hanghere.timeout in the policy, or narrow its paths"
    ) in proc.stderr
    assert proc.stdout == ""  # the run could not finish: no report, as on Ctrl-C


def test_a_runaway_regex_in_the_process_times_out_with_the_fix(
    tmp_path: Path, plugin_gates: Path
) -> None:
    """A policy pattern that backtracks forever runs in C; `re` checks for signals as it goes,
    so the timeout's handler runs and says what to do."""
    policy = "version: 1\ngates:\n  spinhere: {timeout: 1}\n"
    repo = make_repo(tmp_path / "repo", {".release-gates/policy.yaml": policy, "a.py": "x = 1\n"})
    proc = _cli(repo, plugin_gates, "run", "--gate", "spinhere", "a.py")
    assert proc.returncode == 3, proc.stderr
    assert "gates: spinhere did not finish within its timeout of 1s." in proc.stderr
    assert proc.stdout == ""


def test_a_gate_stuck_in_c_code_in_the_process_is_still_ended(
    tmp_path: Path, plugin_gates: Path
) -> None:
    """Code that never lets SIGALRM's handler run (the gate holds the signal back and spins):
    SIGPROF, due a few CPU seconds past the timeout, ends the process in the kernel, a failure
    and never a pass."""
    policy = "version: 1\ngates:\n  stuckhere: {timeout: 1}\n"
    repo = make_repo(tmp_path / "repo", {".release-gates/policy.yaml": policy, "a.py": "x = 1\n"})
    started = time.monotonic()
    proc = _cli(repo, plugin_gates, "run", "--gate", "stuckhere", "a.py")
    assert proc.returncode == -signal.SIGPROF, proc.stderr
    assert proc.stdout == ""
    assert time.monotonic() - started < 60
