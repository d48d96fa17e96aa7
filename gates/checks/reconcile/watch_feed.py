"""The findings feed: a JSON-lines file that copies the state's log, each line exactly once.

Lines are numbered (`seq`) in the state (watch_state.py) before they are written here, so the
file is a projection of durable data: on start the watcher reads the last complete line's `seq`,
cuts off a line torn by a crash (kill -9 during a write) and appends what comes after. A restart
therefore neither loses nor repeats a line. Every line was masked when it was logged.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from gates.checks.reconcile.watch_state import WatchState
from gates.errors import GateCannotRun


class Feed:
    """Appends the state's log lines past the file's last `seq`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.seq = _recover(path)

    def catch_up(self, state: WatchState) -> int:
        lines = state.log_after(self.seq)
        if not lines:
            return 0
        # OSError propagates: the watcher reports it as fatal, naming its durable offsets.
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write("".join(line + "\n" for _, line in lines))
            fh.flush()
            os.fsync(fh.fileno())
        self.seq = lines[-1][0]
        return len(lines)


def _recover(path: Path) -> int:
    """The last complete line's seq (0 for a new file); a torn last line is cut off."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        return 0
    end = data.rfind(b"\n") + 1
    if end != len(data):
        with path.open("r+b") as fh:
            fh.truncate(end)
    if end == 0:
        return 0
    last = data[: end - 1].rsplit(b"\n", 1)[-1]
    try:
        seq = json.loads(last)["seq"]
    except (ValueError, KeyError, TypeError):
        raise GateCannotRun(
            "reconcile",
            f"{path}: the last line is not a findings line with a seq",
            "point --findings at the watcher's own file (or a new one)",
        ) from None
    if not isinstance(seq, int):
        raise GateCannotRun("reconcile", f"{path}: seq is not an integer", "use a new file")
    return seq
