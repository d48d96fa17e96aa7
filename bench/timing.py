"""Timing one command in a fresh process: wall and CPU seconds, CPU from the kernel's own count."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from pathlib import Path


def wall_and_cpu(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """(wall, cpu) seconds of one run (CPU: user + system of the process and its children, from
    wait4); exit 0 or 1 (pass or findings) is expected, anything else is an error, never a
    number. stderr goes to a file, so a chatty command cannot fill a pipe and stall."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode not in (0, 1):
            err.seek(0)
            tail = err.read()[-500:]
            raise RuntimeError(f"{argv[:4]} exited {proc.returncode}: {tail!r}")
    return wall, usage.ru_utime + usage.ru_stime
