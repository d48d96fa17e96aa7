"""The run's reaper: a small process that kills every tool's process group once the run is gone.

Each external tool runs in its own process group (semgrep forks semgrep-core and its workers,
which are not our children). Timeouts and Ctrl-C kill those groups from `_proc.run_tool`, and our
own processes get a parent-death signal (`_proc.die_with_parent`). What neither covers is the run
being killed outright (`kill -9`, an OOM kill, a CI runner cancelling the job): then the tool's
leader dies of its parent-death signal but its own children would live on. The reaper, forked
once per run, holds the read end of a pipe whose write end every process of the run holds; tools
register their group id on it and unregister when they are done. When the last writer is gone
(the pipe reads end-of-file: the run ended, however it ended), the reaper kills every group still
registered and exits.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator

# The write end of the current run's reaper pipe, in this process and the workers forked from it.
# Process-wide by nature (a fork inherits it); None outside a run: registering is then a no-op.
_write_fd: int | None = None


@contextlib.contextmanager
def watching() -> Iterator[None]:
    """Start the reaper for the duration of a run (call before forking any worker)."""
    global _write_fd
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no branch - the child never returns from _serve
        _serve(read_fd)
    os.close(read_fd)
    previous, _write_fd = _write_fd, write_fd
    try:
        yield
    finally:
        _write_fd = previous
        os.close(write_fd)  # the run is over: the reaper sees end-of-file once workers are gone
        os.waitpid(pid, 0)


def register(pgid: int) -> None:
    _send(f"+{pgid}\n")


def unregister(pgid: int) -> None:
    _send(f"-{pgid}\n")


def _send(message: str) -> None:
    if _write_fd is None:
        return
    with contextlib.suppress(OSError):  # a reaper that is gone can't be helped by an error here
        os.write(_write_fd, message.encode("ascii"))  # < PIPE_BUF bytes: one atomic write


def _serve(read_fd: int) -> None:
    """The reaper's whole life (in the forked child): never returns."""
    try:
        os.setpgid(0, 0)  # out of the terminal's group: Ctrl-C is the run's business, not ours
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)  # hold no pipe of the caller's open (a test reading our stdout)
        os.closerange(3, read_fd)
        os.closerange(read_fd + 1, 65536)
        groups: set[int] = set()
        pending = b""
        while chunk := os.read(read_fd, 4096):
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                if line.startswith(b"+"):
                    groups.add(int(line[1:]))
                elif line.startswith(b"-"):
                    groups.discard(int(line[1:]))
        for pgid in groups:
            with contextlib.suppress(OSError):
                os.killpg(pgid, signal.SIGKILL)
    finally:
        os._exit(0)
