"""The one subprocess helper: every external tool (git, semgrep, bandit, ssh-keygen) runs through it.

Argument lists only (never a shell), the executable resolved first (missing -> GateCannotRun with
the install command), an explicit environment. Every tool runs in its own process group, which is
killed on timeout, Ctrl-C or SIGTERM of the worker (semgrep forks workers that would otherwise
outlive us); on Linux the tool also gets a parent-death signal, and the run's reaper
(`gates._reaper`) kills the group if the whole run is killed outright.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar

from gates import _reaper, tool_search
from gates.budget import runs_within
from gates.errors import GateCannotRun
from gates.record import record

if TYPE_CHECKING:  # an annotation only: concurrent.futures costs ~7 ms to import
    from concurrent.futures import Executor

_PR_SET_PDEATHSIG = 1
_T = TypeVar("_T")

# What a tool may see of our environment: enough to run, nothing that could leak credentials.
_PASSED_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT", "SSH_AUTH_SOCK")


@record
class ToolResult:
    argv: tuple[str, ...]
    returncode: int
    stdout: bytes
    stderr: bytes

    def stderr_tail(self, limit: int = 400) -> str:
        text = self.stderr.decode("utf-8", "replace").strip()
        return text[-limit:].replace("\n", " | ")


# Bytes of file arguments one tool process gets. Linux caps a command line and its environment
# together at ARG_MAX (2 MiB here, often less elsewhere): past it, exec fails with E2BIG, so a
# repository of 27,000 Python files could not start semgrep at all. Half a MiB leaves room for
# any environment.
ARGV_BUDGET = 1 << 19


def argv_batches(paths: Sequence[str], budget: int | None = None) -> list[list[str]]:
    """`paths` in order, cut into runs whose arguments (with their NUL terminators) fit in
    `budget` bytes; a path longer than the budget alone is a run of its own."""
    # The system's own limit can be lower than ours: glibc reports a quarter of the stack limit
    # (`ulimit -s`), and the environment shares it.
    limit = min(ARGV_BUDGET, os.sysconf("SC_ARG_MAX") // 4) if budget is None else budget
    # Each argument costs its bytes, its NUL, and the "./" some tools get before each path.
    return list(runs_within(paths, (len(os.fsencode(p)) + 3 for p in paths), limit))


def _not_started(gate: str, argv: Sequence[str], exc: OSError, install_hint: str) -> GateCannotRun:
    """Why a tool could not start, with the fix for that cause: a missing or broken tool is
    installed again; a command line over the system's limit is our bug, not the install."""
    too_long = exc.errno == errno.E2BIG
    fix = "report this as a bug in release-gates (the command line was too long)"
    return GateCannotRun(
        gate, f"{argv[0]} could not start: {exc}", fix if too_long else install_hint
    )


def _not_found(gate: str, name: str, install_hint: str) -> GateCannotRun:
    planted = tool_search.refused(name, os.environ.get("PATH", os.defpath))
    if planted is not None:
        return GateCannotRun(
            gate,
            f"the {name} on PATH is {planted}, inside the repository under scan, which "
            "release-gates never runs (a change could replace it)",
            f"install {name} outside the repository ({install_hint})",
        )
    return GateCannotRun(gate, f"{name} is not installed or not on PATH", install_hint)


def resolve_executable(name: str) -> str | None:
    """Find `name` on PATH, then beside the running interpreter (tools installed in our venv);
    never in the repository under scan (gates.tool_search)."""
    found = shutil.which(name, path=tool_search.search_path(os.environ.get("PATH", os.defpath)))
    if found:
        return os.path.abspath(found)
    candidate = Path(tool_search.scripts_dir()) / name
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return str(candidate)
    return None


def die_with_parent(parent: int) -> None:
    """Ask the kernel to SIGKILL this process when its parent dies (Linux; elsewhere a no-op).

    Call in a forked Python child (a gate worker, a pool worker). `parent` is the pid the child
    expects as its parent: if it already died before the request was made, the child exits.
    """
    _pdeathsig(_prctl(), parent)


def _prctl() -> Callable[[int, int], int] | None:
    """libc's prctl, resolved before fork: the child between fork and exec may take no lock."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes  # lazy: only where a child is started

    fn: Callable[[int, int], int] = ctypes.CDLL(None, use_errno=True).prctl
    return fn


def _pdeathsig(prctl: Callable[[int, int], int] | None, parent: int) -> None:
    if prctl is not None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


def stop_pool(pool: Executor) -> None:
    """Kill a process pool's workers now (the gate is being stopped): no waiting for the task
    each is running, which `shutdown` would do, however long it takes."""
    pool.shutdown(wait=False, cancel_futures=True)
    # The pool keeps its processes in a private mapping; if a future Python drops it, the
    # workers still die of their parent-death signal when this process exits.
    for worker in dict(getattr(pool, "_processes", None) or {}).values():
        with contextlib.suppress(OSError, ValueError):
            worker.kill()


def tool_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: os.environ[k] for k in _PASSED_THROUGH if k in os.environ}
    scripts = tool_search.scripts_dir()
    path = tool_search.search_path(env.get("PATH", ""))  # the tools' own lookups (semgrep's git)
    env["PATH"] = os.pathsep.join(p for p in (path, scripts) if p)
    env.setdefault("LANG", "C.UTF-8")
    if extra:
        env.update(extra)
    return env


def run_tool(
    argv: Sequence[str],
    *,
    gate: str,
    cwd: Path,
    timeout_s: float,
    ok_codes: Sequence[int] = (0,),
    install_hint: str,
    env: Mapping[str, str] | None = None,
    stdin: bytes | None = None,
    die_with_parent: bool = True,
    name: str | None = None,
) -> ToolResult:
    """Run a tool; return its output when its exit code is in `ok_codes`, else raise GateCannotRun.

    `gate` names who asked, for the error message; `install_hint` is the fix when the tool is
    missing (e.g. "pip install semgrep"). `die_with_parent=False` is for tools that cannot
    outlive us by more than their own short work (see `_spawn_options`). `name`: the tool as
    logs and messages call it, when the program started is another (an interpreter running it).
    """
    exe = resolve_executable(argv[0])
    from gates import log  # imports nothing heavy; structlog only when -v/--debug asked for it

    tool = name or argv[0]
    if log.verbose():
        log.get().debug("tool_started", tool=tool, argv=list(argv), cwd=str(cwd))
    if exe is None:
        raise _not_found(gate, argv[0], install_hint)
    full = (exe, *argv[1:])
    try:
        proc = subprocess.Popen(  # noqa: S603 - argument list, executable resolved above
            full,
            cwd=cwd,
            env=tool_env(env),
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # own process group, so a timeout kills its children too
            **_spawn_options(die_with_parent),
        )
    except OSError as exc:
        raise _not_started(gate, argv, exc, install_hint) from exc
    _reaper.register(proc.pid)
    try:
        return _finish(
            proc, argv, full, tool, gate=gate, timeout_s=timeout_s, ok_codes=ok_codes, stdin=stdin
        )
    finally:
        _reaper.unregister(proc.pid)


def _spawn_options(die_with_parent: bool) -> dict[str, Any]:
    """Popen's options for a child that dies with the thread that started it (a prctl call in
    the child, no lock taken before exec), or none.

    That call is Python code between fork and exec, so the interpreter forks the whole process
    instead of using vfork: ~2.3 ms more per tool started from a one-file run's CLI process,
    plus ~2 ms to import ctypes. git does without it: each git call we make works on the local
    repository and either writes its output to our pipe (and dies of SIGPIPE at its next write
    once we are gone), reads our stdin (and ends at its close), or finishes short work of its
    own. The tools that compute for minutes before they write (semgrep, bandit, detect-secrets)
    keep it."""
    if not die_with_parent:
        return {}
    me, prctl = os.getpid(), _prctl()
    return {"preexec_fn": lambda: _pdeathsig(prctl, me)}


def _finish(
    proc: subprocess.Popen[bytes],
    argv: Sequence[str],
    full: tuple[str, ...],
    tool: str,
    *,
    gate: str,
    timeout_s: float,
    ok_codes: Sequence[int],
    stdin: bytes | None,
) -> ToolResult:
    try:
        out, err = proc.communicate(input=stdin, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise GateCannotRun(
            gate,
            f"{tool} did not finish within {timeout_s:g}s",
            "raise the gate's timeout in the policy, or narrow its paths",
        ) from None
    except BaseException:
        _kill_group(proc)  # Ctrl-C, SIGTERM of the worker: leave no orphaned tool behind
        raise
    # The leader is done; anything it left running in its group goes with it.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    result = ToolResult(argv=full, returncode=proc.returncode, stdout=out, stderr=err)
    if proc.returncode not in ok_codes:
        raise GateCannotRun(
            gate,
            f"{tool} exited with code {proc.returncode}: {result.stderr_tail()}",
            f"run `{' '.join(argv[:3])} ...` by hand to see the problem",
        )
    return result


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()


def stream_tool(
    argv: Sequence[str],
    consume: Callable[[IO[bytes]], _T],
    *,
    gate: str,
    cwd: Path,
    timeout_s: float,
    install_hint: str,
    env: Mapping[str, str] | None = None,
    die_with_parent: bool = True,
) -> tuple[_T, ToolResult]:
    """Run a tool whose output is too large to hold: `consume` reads its stdout as it comes.

    Same guarantees as `run_tool` (resolved executable, explicit env, own process group, killed
    with the run); stderr goes to a temporary file, so a chatty tool cannot block on it. A
    watchdog kills the group after `timeout_s` (GateCannotRun). Returns what `consume` returned
    and the exit code with stderr (`stdout` empty): the caller judges the code, since only it
    knows what the tool's codes mean.
    """
    exe = resolve_executable(argv[0])
    if exe is None:
        raise _not_found(gate, argv[0], install_hint)
    full = (exe, *argv[1:])
    import tempfile  # lazy: ~1.7 ms with random, which a run that writes no file never needs

    with tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(  # noqa: S603 - argument list, executable resolved above
                full,
                cwd=cwd,
                env=tool_env(env),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=err,
                start_new_session=True,
                **_spawn_options(die_with_parent),
            )
        except OSError as exc:
            raise _not_started(gate, argv, exc, install_hint) from exc
        _reaper.register(proc.pid)
        expired = threading.Event()

        def _expire() -> None:
            expired.set()
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(timeout_s, _expire)
        timer.daemon = True
        started = time.monotonic()
        timer.start()
        try:
            stdout = proc.stdout
            if stdout is None:  # stdout=PIPE above: never
                raise GateCannotRun(gate, f"{argv[0]}: no output pipe", install_hint)
            with stdout:
                value = consume(stdout)
                while stdout.read(1 << 16):  # drain what the consumer left: the tool can exit
                    pass
            proc.wait()
        except BaseException:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise
        finally:
            timer.cancel()
            _reaper.unregister(proc.pid)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        # Past the deadline is a timeout even when the tool won the race with its watchdog: the
        # answer must not depend on thread scheduling.
        if expired.is_set() or time.monotonic() - started > timeout_s:
            raise GateCannotRun(
                gate,
                f"{argv[0]} did not finish within {timeout_s:g}s",
                "raise the timeout (policy tool_timeouts, or the command's --*-timeout flag)",
            )
        err.seek(0)
        result = ToolResult(argv=full, returncode=proc.returncode, stdout=b"", stderr=err.read())
    return value, result
