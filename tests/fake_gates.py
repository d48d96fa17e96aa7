"""Test-only gates, registered through the real entry-point group by the `plugin_gates` fixture.

They misbehave on purpose (crash, hang, die, return garbage, reject their input, start a tool
that forks and never ends) so the tests can show that the runner fails closed, and one (`marker`)
behaves, for diff, baseline and override tests.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from gates._proc import run_tool
from gates.errors import InvalidInput
from gates.fingerprint import fingerprint
from gates.model import Finding, Location, RuleInfo, Severity
from gates.registry import GateContext, GateSpec

_RULES = (
    RuleInfo(
        id="marker.forbidden",
        name="forbidden",
        summary="A FORBIDDEN marker",
        help="Remove the marker.",
        default_severity=Severity.HIGH,
    ),
    RuleInfo(
        id="marker.todo",
        name="todo",
        summary="A TODO marker",
        help="Do it.",
        default_severity=Severity.LOW,
    ),
)


def _marker(ctx: GateContext) -> Iterable[Finding]:
    words = {"FORBIDDEN": "marker.forbidden", "TODO": "marker.todo"}
    severity = {"marker.forbidden": Severity.HIGH, "marker.todo": Severity.LOW}
    for path in ctx.files:
        for n, line in enumerate(ctx.workspace.read_text(path).splitlines(), 1):
            for word, rule in words.items():
                if word in line:
                    yield Finding(
                        gate="marker",
                        rule=rule,
                        severity=severity[rule],
                        message=f"{word} marker",
                        location=Location(path=path, line=n),
                        fingerprint=fingerprint("marker", rule, path, line),
                        snippet=line.strip(),
                    )


def _boom(ctx: GateContext) -> Iterable[Finding]:
    raise RuntimeError("the gate fell over")


def _hang(ctx: GateContext) -> Iterable[Finding]:
    import tempfile

    # what a tool's scratch space looks like when its worker is killed on the timeout
    (Path(tempfile.mkdtemp(prefix="hang-scratch-")) / "partial.json").write_text("{")
    threading.Event().wait()  # blocks forever: only the runner's timeout ends it
    return ()


def _garbage(ctx: GateContext) -> Iterable[Finding]:
    return ["this is not a finding"]  # type: ignore[list-item]  # garbage on purpose


def _badprint(ctx: GateContext) -> Iterable[Finding]:
    yield Finding(
        gate="badprint",
        rule="badprint.x",
        severity=Severity.HIGH,
        message="x",
        location=Location(path=ctx.files[0]),
        fingerprint="line-42",
    )


def _dies(ctx: GateContext) -> Iterable[Finding]:
    os._exit(7)


def _interrupt(ctx: GateContext) -> Iterable[Finding]:
    os.kill(os.getppid(), signal.SIGINT)  # what Ctrl-C in the terminal does to the runner
    threading.Event().wait()
    return ()


def _outlives(ctx: GateContext) -> Iterable[Finding]:
    # Works for longer than the runner's grace between SIGTERM and SIGKILL (5 s), then leaves a
    # mark: a worker the run stopped, either way, never leaves it.
    threading.Event().wait(8)
    Path(os.environ["RG_TEST_OUTLIVED"]).write_text("the worker outlived the run\n")
    return ()


def _spawn(ctx: GateContext) -> Iterable[Finding]:
    # A tool that forks, as semgrep does: a child of the tool is no child of ours.
    run_tool(
        ["sh", "-c", "sleep 600 & sleep 600; wait"],
        gate="spawn",
        cwd=ctx.workspace.root,
        timeout_s=600,
        install_hint="install a POSIX shell",
    )
    return ()


def _meet(ctx: GateContext) -> Iterable[Finding]:
    """Says it started, waits (RG_TEST_MEET_WAIT seconds at most) for the other meeting gate
    to have started, holds on (RG_TEST_MEET_HOLD seconds), and writes down when it began and
    ended: gates run side by side overlap, gates run one after another cannot."""
    folder = Path(os.environ["RG_TEST_MEET_DIR"])
    other = {"meeta": "meetb", "meetb": "meeta"}[ctx.gate]
    began = time.time()
    (folder / f"{ctx.gate}.started").write_text("")
    deadline = began + float(os.environ.get("RG_TEST_MEET_WAIT", "5"))
    while not (folder / f"{other}.started").exists() and time.time() < deadline:
        time.sleep(0.02)
    time.sleep(float(os.environ.get("RG_TEST_MEET_HOLD", "0")))
    (folder / f"{ctx.gate}.json").write_text(json.dumps({"began": began, "ended": time.time()}))
    return ()


def _badinput(ctx: GateContext) -> Iterable[Finding]:
    raise InvalidInput("data/events.csv", "$.amount", "not a decimal", "write amounts as strings")


def _spin(ctx: GateContext) -> Iterable[Finding]:
    import re

    # Catastrophic backtracking: the match runs in C and holds the interpreter lock throughout,
    # so no other thread of the process runs until it ends (in about a century).
    re.match(r"(a+)+$", "a" * 64 + "b")
    return ()


def _stuck(ctx: GateContext) -> Iterable[Finding]:
    import signal

    # Stands for C code that never gives the interpreter back (the regex above does: `re` checks
    # for signals as it backtracks): with SIGALRM held back, no timeout handler ever runs, and
    # only the kernel can end the process.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    while True:
        pass


def _spec(
    gate_id: str, run: object, rules: tuple[RuleInfo, ...] = (), *, in_process: bool = False
) -> GateSpec:
    return GateSpec(
        id=gate_id,
        summary=f"test gate {gate_id}",
        config_schema={
            "type": "object",
            "properties": {"note": {"type": "string", "description": "free text"}},
        },
        rules=rules,
        run=run,  # type: ignore[arg-type]
        default_timeout_s=30,
        in_process=in_process,
    )


MARKER = _spec("marker", _marker, _RULES)
BOOM = _spec("boom", _boom)
HANG = _spec("hang", _hang)
GARBAGE = _spec("garbage", _garbage)
BADPRINT = _spec("badprint", _badprint)
DIES = _spec("dies", _dies)
BADINPUT = _spec("badinput", _badinput)
INTERRUPT = _spec("interrupt", _interrupt)
SPAWN = _spec("spawn", _spawn)
OUTLIVES = _spec("outlives", _outlives)
MEETA = _spec("meeta", _meet)
MEETB = _spec("meetb", _meet)
# The same misbehaviour by gates that run in the caller's process when alone (pii, secrets).
BOOMHERE = _spec("boomhere", _boom, in_process=True)
HANGHERE = _spec("hanghere", _hang, in_process=True)
SPINHERE = _spec("spinhere", _spin, in_process=True)
STUCKHERE = _spec("stuckhere", _stuck, in_process=True)
NOT_A_SPEC = "nope"
