"""A function over chunks of work, the extra chunks in forked copies of this process.

What a process pool gives, without its cost where a gate splits one scan over the cores: no
executor, queues or threads to import and start, nothing compiled twice (a child is a copy of
this process, so patterns compiled before the fork are there), and no arguments pickled (only
results come back, through a pipe per child). This process works on the first chunk itself.

Children never outlive the call: each asks for a parent-death signal, and any exception here
(a timeout's SIGTERM, Ctrl-C, a child's failure) kills the rest before it propagates. A child
that raises or dies is an error, never a missing chunk; a child's InvalidInput or GateCannotRun
reaches the caller as itself, as if this process had run that chunk.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
from collections.abc import Callable, Sequence
from typing import TypeVar, cast

from gates import _proc
from gates.errors import ReleaseGatesError

_T = TypeVar("_T")
_R = TypeVar("_R")


class ChildFailed(RuntimeError):
    """A forked child raised or died: its chunk has no result."""


def forked_map(fn: Callable[[_T], _R], chunks: Sequence[_T]) -> list[_R]:
    """`[fn(c) for c in chunks]`, chunks[1:] each in a forked child, in order."""
    if not chunks:
        return []
    parent = os.getpid()
    children: list[tuple[int, int]] = []  # (pid, read end of its pipe)
    try:
        for chunk in chunks[1:]:
            read_fd, write_fd = os.pipe()
            pid = os.fork()
            if pid == 0:  # pragma: no cover - the child; its results are asserted in the parent
                os.close(read_fd)
                _child(parent, fn, chunk, write_fd)
            os.close(write_fd)
            children.append((pid, read_fd))
        results = [fn(chunks[0])]
        for pid, read_fd in children:
            results.append(cast(_R, _collect(pid, read_fd)))
        children.clear()
        return results
    finally:
        for pid, read_fd in children:  # still here: something failed, stop the rest
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.close(read_fd)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)


def _child(parent: int, fn: Callable[[_T], _R], chunk: _T, write_fd: int) -> None:
    """The child's whole life: never returns into the caller's code."""
    status = 1
    try:
        _proc.die_with_parent(parent)
        try:
            payload = pickle.dumps(("ok", fn(chunk)), protocol=pickle.HIGHEST_PROTOCOL)
        except ReleaseGatesError as exc:  # a bad input or a gate that cannot run: itself
            payload = pickle.dumps(("raise", exc))
        except BaseException as exc:  # reported to the parent, which raises
            payload = pickle.dumps(("error", f"{type(exc).__name__}: {exc}"[:500]))
        with os.fdopen(write_fd, "wb") as out:
            out.write(payload)
        status = 0
    finally:
        os._exit(status)


def _collect(pid: int, read_fd: int) -> object:
    with os.fdopen(read_fd, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    if not data:
        raise ChildFailed(f"a forked worker died without an answer ({_describe(status)})")
    kind, payload = pickle.loads(data)  # noqa: S301 - our own child's bytes, through our own pipe
    if kind == "raise":  # as if this process had run the chunk: the same exit code and message
        raise cast(ReleaseGatesError, payload)
    if kind != "ok":
        raise ChildFailed(f"a forked worker failed: {payload}")
    return payload


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"killed by signal {os.WTERMSIG(status)}"
    return f"exit code {os.waitstatus_to_exitcode(status)}"
