"""The one subprocess helper: every external tool (git, semgrep, bandit, ssh-keygen) runs through it.

Argument lists only (never a shell), the executable resolved first (missing -> GateCannotRun with
the install command), an explicit environment, and the whole process group killed on timeout
(semgrep forks workers that would otherwise outlive us).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sysconfig
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from gates.errors import GateCannotRun

# What a tool may see of our environment: enough to run, nothing that could leak credentials.
_PASSED_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT", "SSH_AUTH_SOCK")


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolResult:
    argv: tuple[str, ...]
    returncode: int
    stdout: bytes
    stderr: bytes

    def stderr_tail(self, limit: int = 400) -> str:
        text = self.stderr.decode("utf-8", "replace").strip()
        return text[-limit:].replace("\n", " | ")


def resolve_executable(name: str) -> str | None:
    """Find `name` on PATH, then beside the running interpreter (tools installed in our venv)."""
    found = shutil.which(name)
    if found:
        return found
    scripts = sysconfig.get_path("scripts")
    candidate = Path(scripts) / name
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return str(candidate)
    return None


def tool_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: os.environ[k] for k in _PASSED_THROUGH if k in os.environ}
    scripts = sysconfig.get_path("scripts")
    env["PATH"] = os.pathsep.join(p for p in (env.get("PATH", ""), scripts) if p)
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
) -> ToolResult:
    """Run a tool; return its output when its exit code is in `ok_codes`, else raise GateCannotRun.

    `gate` names who asked, for the error message; `install_hint` is the fix when the tool is
    missing (e.g. "pip install semgrep").
    """
    exe = resolve_executable(argv[0])
    if exe is None:
        raise GateCannotRun(gate, f"{argv[0]} is not installed or not on PATH", install_hint)
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
        )
    except OSError as exc:
        raise GateCannotRun(gate, f"{argv[0]} could not start: {exc}", install_hint) from exc
    try:
        out, err = proc.communicate(input=stdin, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise GateCannotRun(
            gate,
            f"{argv[0]} did not finish within {timeout_s:g}s",
            "raise the gate's timeout in the policy, or narrow its paths",
        ) from None
    except BaseException:
        _kill_group(proc)  # Ctrl-C: leave no orphaned tool behind
        raise
    result = ToolResult(argv=full, returncode=proc.returncode, stdout=out, stderr=err)
    if proc.returncode not in ok_codes:
        raise GateCannotRun(
            gate,
            f"{argv[0]} exited with code {proc.returncode}: {result.stderr_tail()}",
            f"run `{' '.join(argv[:3])} ...` by hand to see the problem",
        )
    return result


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()
