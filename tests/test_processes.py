"""Nothing the run starts outlives it: workers, tools and the tools' own children.

The real CLI runs as a subprocess on a temporary repository with the `spawn` test gate, which
starts a tool that forks (`sh -c "sleep 600 & sleep 600"`, as semgrep forks semgrep-core). Then
the run times out, or is interrupted, terminated or killed with SIGKILL, and /proc is walked for
any process that still belongs to the run: our processes carry a unique marker variable, the
tools (which get a filtered environment) run in the repository as their working directory.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from gates import runner
from gates.cli import main
from tests.gatekit import make_repo, run_cli

ROOT = Path(__file__).resolve().parent.parent
DEADLINE_S = 60.0


def _poll(
    predicate: Callable[[], bool],
    what: str,
    proc: subprocess.Popen[bytes] | None = None,
    detail: Callable[[], object] = lambda: "",
) -> None:
    """Wait (bounded) until `predicate` holds; each tick waits on the CLI process or an event.
    On a timeout the message carries `detail()` (which processes are still there)."""
    end = time.monotonic() + DEADLINE_S
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}: {detail()}")
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=0.05)  # the tick: returns early if the CLI exits
        else:
            threading.Event().wait(0.05)


def _belongs(pid: int, marker: str, repo: Path) -> bool:
    base = Path("/proc", str(pid))
    try:
        if (base / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
            return False  # a zombie is dead: it only waits for its parent to collect it
        if os.readlink(base / "cwd") == str(repo):
            return True
        return marker.encode() in (base / "environ").read_bytes()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return False


def _survivors(marker: str, repo: Path) -> list[str]:
    out = []
    for entry in Path("/proc").iterdir():
        pid = int(entry.name) if entry.name.isdigit() else os.getpid()
        if pid != os.getpid() and _belongs(pid, marker, repo):
            try:
                out.append(f"{entry.name}: {(entry / 'cmdline').read_bytes()!r}")
            except OSError:
                continue
    return out


def _tool_running(repo: Path) -> bool:
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (
                os.readlink(entry / "cwd") == str(repo)
                and b"sleep" in (entry / "cmdline").read_bytes()
            ):
                return True
        except OSError:
            continue
    return False


@pytest.fixture
def spawn_repo(tmp_path: Path) -> Path:
    policy = "version: 1\ngates:\n  spawn: {timeout: 2}\n"
    return make_repo(tmp_path / "repo", {".release-gates/policy.yaml": policy, "a.py": "x = 1\n"})


def _start(repo: Path, plugin_gates: Path, marker: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(plugin_gates.parent), str(ROOT)]),
        "RELEASE_GATES_TEST_MARKER": marker,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "gates", "run", "--gate", "spawn", "--no-cache"],
        cwd=repo,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        # a suite started in the background (`pytest &`) inherits SIGINT ignored, and so would
        # the run: give it the terminal's default disposition, as a real Ctrl-C finds it
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def test_gate_timeout_kills_the_tool_and_its_children(spawn_repo: Path, plugin_gates: Path) -> None:
    marker = uuid.uuid4().hex
    proc = _start(spawn_repo, plugin_gates, marker)
    _, err = proc.communicate(timeout=DEADLINE_S)
    assert proc.returncode == 3, err
    _poll(
        lambda: not _survivors(marker, spawn_repo),
        "the run's processes to be gone",
        detail=lambda: _survivors(marker, spawn_repo),
    )


@pytest.mark.parametrize(
    ("sig", "code"),
    [(signal.SIGINT, 130), (signal.SIGTERM, 130), (signal.SIGKILL, -signal.SIGKILL)],
    ids=["sigint", "sigterm", "sigkill"],
)
def test_signal_to_the_run_leaves_no_process_behind(
    spawn_repo: Path, plugin_gates: Path, sig: signal.Signals, code: int
) -> None:
    (spawn_repo / ".release-gates/policy.yaml").write_text("version: 1\n")  # no timeout soon
    marker = uuid.uuid4().hex
    proc = _start(spawn_repo, plugin_gates, marker)
    try:
        _poll(lambda: _tool_running(spawn_repo), "the tool to start", proc)
        assert proc.poll() is None
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=DEADLINE_S)
        assert proc.returncode == code, err
        _poll(
            lambda: not _survivors(marker, spawn_repo),
            "the run's processes to be gone",
            detail=lambda: _survivors(marker, spawn_repo),
        )
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.usefixtures("plugin_gates")
def test_ctrl_c_taken_by_another_thread_mid_start_still_stops_the_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With other threads in the process, the kernel may hand Ctrl-C to one of them while the
    runner forks a worker; Python then runs the SIGINT handler in the main thread at its next
    instruction, mid-start. A worker started but not yet recorded was never stopped, and the run
    waited for it. The test runs the installed handler at that point, as Python does."""
    import multiprocessing.context

    repo = make_repo(tmp_path / "repo", {"app.py": "x = 1\n"})
    outlived = tmp_path / "outlived"
    monkeypatch.setenv("RG_TEST_OUTLIVED", str(outlived))
    real_start = multiprocessing.context.ForkProcess.start

    def start_then_ctrl_c(self: multiprocessing.context.ForkProcess) -> None:
        real_start(self)
        handler = signal.getsignal(signal.SIGINT)
        assert callable(handler)
        handler(signal.SIGINT, None)  # Ctrl-C that another thread took, handled here

    monkeypatch.setattr(multiprocessing.context.ForkProcess, "start", start_then_ctrl_c)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        code, _ = run_cli(repo, "run", "--gate", "outlives")
    finally:
        signal.signal(signal.SIGINT, previous)
    assert code == 130
    assert not outlived.exists()


@pytest.mark.usefixtures("plugin_gates")
def test_jobs_are_capped_at_the_cpu_count_with_a_note(
    spawn_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(spawn_repo)
    out = io.StringIO()
    code = main(["run", "--gate", "marker", "--jobs", "3000", "--format", "json"], out=out)
    assert code == 0
    cpus = os.cpu_count() or 1
    assert f"--jobs 3000 capped at {cpus} (the CPU count)" in out.getvalue()


@pytest.mark.parametrize("jobs", ["0", "-3", "many"], ids=["zero", "negative", "word"])
def test_jobs_below_one_is_a_usage_error(
    spawn_repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], jobs: str
) -> None:
    monkeypatch.chdir(spawn_repo)
    assert main(["run", "--gate", "pii", f"--jobs={jobs}"], out=io.StringIO()) == 2
    assert "--jobs: expected" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("requested", "expected"),
    [(1, (1, None)), (4, (4, None)), (3000, (4, "--jobs 3000 capped at 4 (the CPU count)"))],
    ids=["one", "at-limit", "over"],
)
def test_cap_jobs(requested: int, expected: tuple[int, str | None]) -> None:
    assert runner.cap_jobs(requested, cpus=4) == expected


TOKEN = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"


@pytest.mark.parametrize("jobs", ["1", "64"], ids=["one-job", "many-jobs"])
def test_secrets_completes_with_any_jobs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: str
) -> None:
    files = {f"pkg/m{i:03}.py": f"x = {i}\n" for i in range(120)}
    files["pkg/m050.py"] = f"t = '{TOKEN}'\n"
    root = make_repo(tmp_path / "r", files)
    monkeypatch.chdir(root)
    out = io.StringIO()
    code = main(
        ["run", "--gate", "secrets", "--no-cache", "--jobs", jobs, "--format", "json"], out=out
    )
    assert code == 1
    assert '"path": "pkg/m050.py"' in out.getvalue()


def test_git_ends_with_the_run_through_its_own_output_pipe(tmp_path: Path) -> None:
    """git is started without the parent-death signal (a vfork, no Python code before exec:
    gates._proc._spawn_options), so what ends it when the run dies is its output: our pipe has no
    other reader. A stand-in git that writes without end, run through gates.git by a process
    that is then killed with SIGKILL, is gone once its next write finds the pipe closed."""
    tools = tmp_path / "tools"
    tools.mkdir()
    fake = tools / "git"
    fake.write_text("#!/bin/sh\nexec yes endless-git-output\n")
    fake.chmod(0o755)
    repo = make_repo(tmp_path / "repo", {"a.py": "x = 1\n"})
    script = "import sys; from pathlib import Path; from gates import git; git._run(Path(sys.argv[1]), 'log')"
    env = {
        **os.environ,
        "PATH": f"{tools}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(ROOT),
    }
    proc = subprocess.Popen([sys.executable, "-c", script, str(repo)], env=env)

    def writers() -> list[int]:
        found = []
        for entry in Path("/proc").iterdir():
            with contextlib.suppress(OSError):
                if (
                    entry.name.isdigit()
                    and b"endless-git-output" in (entry / "cmdline").read_bytes()
                ):
                    state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
                    if state != "Z":
                        found.append(int(entry.name))
        return found

    try:
        _poll(lambda: bool(writers()), "the stand-in git to start", proc)
        proc.kill()
        proc.wait(timeout=DEADLINE_S)
        _poll(lambda: not writers(), "the stand-in git to end", detail=writers)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
