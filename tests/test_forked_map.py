"""gates.forked_map: chunks of work in forked copies of this process, results in order, failures
raised, no child left behind."""

from __future__ import annotations

import os
import select
import signal

import pytest

from gates.forked_map import ChildFailed, forked_map


def test_results_come_back_in_chunk_order_and_the_first_chunk_runs_here() -> None:
    here = os.getpid()
    out = forked_map(lambda n: (n * n, os.getpid() == here), [1, 2, 3, 4])
    assert out == [(1, True), (4, False), (9, False), (16, False)]
    assert forked_map(lambda n: n, []) == []


def test_results_larger_than_a_pipe_buffer_do_not_deadlock() -> None:
    big = forked_map(lambda n: bytes([n]) * 3_000_000, [1, 2, 3])
    assert [len(b) for b in big] == [3_000_000] * 3
    assert [b[0] for b in big] == [1, 2, 3]


def test_what_the_first_chunk_compiled_before_the_fork_is_shared() -> None:
    compiled = {"pattern": object()}  # stands for re2 objects, which cannot be pickled
    ident = id(compiled["pattern"])
    assert forked_map(lambda _: id(compiled["pattern"]), [0, 1]) == [ident, ident]


def _fail(n: int) -> int:
    if n == 2:
        raise ValueError("bad chunk 2")
    return n


def test_a_child_that_raises_is_an_error_naming_its_exception() -> None:
    with pytest.raises(ChildFailed, match="a forked worker failed: ValueError: bad chunk 2"):
        forked_map(_fail, [1, 2, 3])


def test_a_child_that_dies_is_an_error_never_a_missing_chunk() -> None:
    def die(n: int) -> int:
        if n == 1:
            os.kill(os.getpid(), signal.SIGKILL)
        return n

    with pytest.raises(ChildFailed, match="died without an answer \\(killed by signal 9\\)"):
        forked_map(die, [0, 1])


def test_children_are_stopped_when_this_process_fails() -> None:
    started_r, started_w = os.pipe()  # each child writes its pid here once it runs
    never_r, never_w = os.pipe()  # nobody writes: a child reading it waits forever

    def work(n: int) -> int:
        if n == 0:  # here: wait until both children have started, then fail
            pids = b""
            while pids.count(b"\n") < 2:
                ready, _, _ = select.select([started_r], [], [], 60)
                assert ready, "the children did not start"
                pids += os.read(started_r, 64)
            raise KeyboardInterrupt(pids.decode())
        os.write(started_w, f"{os.getpid()}\n".encode())
        os.read(never_r, 1)  # would outlive the call if nobody stopped it
        return n

    try:
        with pytest.raises(KeyboardInterrupt) as stopped:
            forked_map(work, [0, 1, 2])
        for pid in map(int, str(stopped.value).split()):
            with pytest.raises(ProcessLookupError):  # killed and reaped: no such process
                os.kill(pid, 0)
    finally:
        for fd in (started_r, started_w, never_r, never_w):
            os.close(fd)


def test_a_childs_bad_input_or_gate_error_reaches_the_caller_as_itself() -> None:
    """As if this process had run the chunk: the CLI gives it its exit code and message."""
    from gates.errors import GateCannotRun, InvalidInput

    def refuse(n: int) -> int:
        if n == 1:
            raise InvalidInput("data/events.jsonl", "file", "a symlink", "use a regular file")
        if n == 2:
            raise GateCannotRun("pii", "a tool died", "rerun")
        return n

    with pytest.raises(InvalidInput) as bad:
        forked_map(refuse, [0, 1])
    assert (bad.value.file, bad.value.field, bad.value.fix) == (
        "data/events.jsonl",
        "file",
        "use a regular file",
    )
    assert str(bad.value) == "data/events.jsonl: file: a symlink. Fix: use a regular file"
    with pytest.raises(GateCannotRun, match=r"gate pii: a tool died\. Fix: rerun"):
        forked_map(refuse, [0, 2])
