"""Live progress on a terminal: files done / total per gate, and the time elapsed.

A 2,500-file cold run takes minutes; silence for that long looks like a hang. Gates count the
files they finish with `advance()`, which sends the running count to the runner over the worker's
result pipe (at most ten times a second), or, for a gate the runner runs in its own process,
hands it to the status line directly; the runner draws one status line on stderr:

    gates  pii 2500/2500 ✓  secrets 1830/2500  sast …/2500  · 12.4s

Shown only where a person watches: stderr is a terminal, not under CI (`CI`, `GITHUB_ACTIONS`,
`GITLAB_CI`), not with `--log-format json` or `-v`/`--debug` (their log lines carry the same
facts), and only once the run has taken longer than `RELEASE_GATES_PROGRESS_AFTER` seconds
(default 1), so a fast pre-commit run never flickers. The line is erased when the run ends:
stdout (the report) is never touched.

Drawn by hand rather than with `rich`: one line needs no layout engine, and `rich` (with
pygments) would add megabytes to every pre-commit hook environment and ~100 ms of imports.
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:  # annotations only: every command imports this module
    from multiprocessing.connection import Connection

AFTER_ENV = "RELEASE_GATES_PROGRESS_AFTER"
DEFAULT_AFTER_S = 1.0
_SEND_EVERY_S = 0.1
_DRAW_EVERY_S = 0.1
PROGRESS = "progress"  # the message kind on a worker's pipe

# --- worker side ---------------------------------------------------------------------------

# The classes here are plain, not dataclasses: every command imports this module, and a
# dataclass compiles its methods at import (~0.4 ms each); these are mutable and need none.


class _Channel:
    __slots__ = ("done", "pid", "send", "sent_at")

    def __init__(self, send: Callable[[int], None], pid: int) -> None:
        self.send = send  # the running count, to the runner
        self.pid = pid  # only this process sends: forked pool workers inherit the pipe too
        self.done = 0
        self.sent_at = 0.0


_channel: list[_Channel] = []


def attach(conn: Connection) -> None:
    """Called by the runner's worker before the gate runs: `advance` reports through `conn`."""
    _channel[:] = [_Channel(send=lambda done: conn.send((PROGRESS, done)), pid=os.getpid())]


def attach_display(display: Display, task: int = 0) -> None:
    """Called by the runner before it runs a gate in its own process: `advance` updates
    `display` (its line for `task`) directly. `detach` when the gate is done."""
    _channel[:] = [_Channel(send=lambda done: display.update(task, done), pid=os.getpid())]


def detach() -> None:
    _channel.clear()


def advance(files: int = 1) -> None:
    """A gate finished `files` more files. Cheap and safe anywhere: a no-op outside a worker
    or a displayed run, in a gate's own pool processes, and between sends."""
    if not _channel:
        return
    ch = _channel[0]
    if ch.pid != os.getpid():
        return
    ch.done += files
    now = time.monotonic()
    if now - ch.sent_at >= _SEND_EVERY_S:
        ch.sent_at = now
        ch.send(ch.done)


# --- runner side ---------------------------------------------------------------------------


def _after_seconds() -> float:
    raw = os.environ.get(AFTER_ENV, "")
    try:
        return max(0.0, float(raw)) if raw.strip() else DEFAULT_AFTER_S
    except ValueError:
        return DEFAULT_AFTER_S  # a display setting is never worth failing a run over


_wanted: list[bool] = [False]


def configure(*, enabled: bool) -> None:
    """cli.main decides (terminal, not CI, console logs, not verbose); library use stays quiet."""
    _wanted[0] = enabled


def wanted() -> bool:
    return _wanted[0]


class _Gate:
    __slots__ = ("done", "open_tasks", "total")

    def __init__(self) -> None:
        self.total = 0
        self.done = 0
        self.open_tasks = 0


class Display:
    """The status line for one run. `tasks` are (gate id, files) per worker, in task order."""

    __slots__ = (
        "_drawn_at",
        "_gates",
        "_task_done",
        "_visible",
        "after_s",
        "started",
        "stream",
        "tasks",
    )

    def __init__(
        self,
        *,
        stream: TextIO,
        tasks: Sequence[tuple[str, int]],
        after_s: float | None = None,
        started: float | None = None,
    ) -> None:
        self.stream = stream
        self.tasks = tasks
        self.after_s = _after_seconds() if after_s is None else after_s
        self.started = time.monotonic() if started is None else started
        self._task_done = [0] * len(tasks)
        self._gates: dict[str, _Gate] = {}
        self._drawn_at = 0.0
        self._visible = False
        for gate, files in tasks:
            g = self._gates.setdefault(gate, _Gate())
            g.total += files
            g.open_tasks += 1

    def update(self, task: int, done: int) -> None:
        gate, files = self.tasks[task]
        done = min(done, files)
        self._gates[gate].done += done - self._task_done[task]
        self._task_done[task] = done
        self.tick()

    def finish(self, task: int) -> None:
        gate, files = self.tasks[task]
        self._gates[gate].open_tasks -= 1
        self.update(task, files)

    def tick(self) -> None:
        now = time.monotonic()
        if now - self.started < self.after_s or now - self._drawn_at < _DRAW_EVERY_S:
            return
        self._drawn_at = now
        self._visible = True
        self.stream.write("\r\x1b[2K" + self.line(now)[: max(20, self._width() - 1)])
        self.stream.flush()

    def _width(self) -> int:
        """The terminal's columns (of stderr, where the line goes; stdout may be a file)."""
        try:
            columns = os.get_terminal_size(self.stream.fileno()).columns
        except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
            columns = 0
        return columns or 100

    def line(self, now: float) -> str:
        parts = []
        for gate, g in self._gates.items():
            if g.open_tasks == 0:
                parts.append(f"{gate} {g.total}/{g.total} ✓")
            elif g.total == 0:
                parts.append(f"{gate} …")
            else:  # an engine that reports only at its end (semgrep) shows as running
                parts.append(f"{gate} {g.done or '…'}/{g.total}")
        return "gates  " + "  ".join(parts) + f"  · {now - self.started:.1f}s"

    def close(self) -> None:
        if self._visible:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
            self._visible = False
