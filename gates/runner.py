"""The runner: gates in parallel worker processes, each under a timeout, failing closed.

Each gate (or each per-path slice of a gate, when `overrides` give files different settings) runs
in a forked worker process; all side by side, or one after another in a run so large that each
gate alone keeps every core busy (budget.ONE_AT_A_TIME_BYTES), where side by side adds memory
and no speed. A run of one gate that allows it (`GateSpec.in_process`: pii, secrets) runs it
in this process instead (the pre-commit case, and `gates run --gate pii`), under the same timeout
and the same checks (`_run_here`). A worker that raises, hangs past its timeout, dies, or returns
something that is not a well-formed finding of its own gate becomes a GateError, which blocks.
On timeout the worker gets SIGTERM first, so the tool it is running is killed with it, then SIGKILL.
In `--diff` mode file-scoped gates also run on the base revision of the changed files, and only
findings whose fingerprints are new (a multiset difference) are kept.
"""

from __future__ import annotations

import os
import re
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gates import (
    __version__,
    _proc,
    _reaper,
    budget,
    coverage,
    filtering,
    globs,
    log,
    progress,
    trust,
)
from gates import policy as policy_mod
from gates.baseline import Baseline
from gates.errors import GateCannotRun, InvalidInput
from gates.fingerprint import FingerprintKey
from gates.model import (
    RAW_KINDS,
    ApprovalNote,
    ExitCode,
    Finding,
    GateError,
    RuleInfo,
    RunResult,
    Severity,
    SkippedFile,
    Verdict,
    Waiver,
)
from gates.policy import GateSettings, Policy
from gates.record import record
from gates.registry import GateContext, GateSpec, Scope
from gates.workspace import Workspace

_FINGERPRINT = re.compile(r"^[0-9a-f]{64}$")
if TYPE_CHECKING:  # multiprocessing is imported where a worker is started: a run of one small
    # task in this process (see `_runs_here`) never pays its ~5 ms of imports
    from multiprocessing.connection import Connection

_KILL_GRACE_S = 5.0

EXPIRED_RULE_INFO = RuleInfo(
    id=filtering.EXPIRED_RULE,
    name="approval-expired",
    summary="A signed approval has expired; the findings it waived block again.",
    help="Renew the approval: create a new statement with `gates approve new` and have it signed, "
    "or fix the findings it covered.",
    default_severity=Severity.HIGH,
)


@record
class RunRequest:
    policy: Policy
    specs: tuple[GateSpec, ...]
    workspace: Workspace
    key: FingerprintKey
    now: datetime
    clock_source: str = "given by the caller"
    baseline: Baseline
    waivers: tuple[Waiver, ...] = ()
    approval_notes: tuple[ApprovalNote, ...] = ()
    # Edits to the files that decide the verdict (gates.trust): block unless a sign-off clears them
    trust_findings: tuple[Finding, ...] = ()
    trust_cleared_by: str | None = None
    # The trust files were compared with the change's base (a trust ref or --diff): the run
    # checked `trust.changed`, found or not (the controls table counts it as covered).
    trust_checked: bool = False
    # Secrets and card numbers in lines the change's commits (or all history) added
    # (gates.history); those still in the tree or present at the base are dropped in `run`.
    history_findings: tuple[Finding, ...] = ()
    history_errors: tuple[GateError, ...] = ()  # the history scan failed (git): blocks, exit 3
    base_workspace: Workspace | None = None  # --diff: changed files as they were at the base
    # Repository-scope gates (signoff, reconcile) see every tracked file even when only some
    # files are scanned (pre-commit names, --diff): None means the same as `workspace`.
    repository_workspace: Workspace | None = None
    base_ref: str | None = None
    # Paths the change touches (both sides of renames), when known: --diff, or pre-commit names
    changed_files: tuple[str, ...] | None = None
    cache_root: Path | None = None
    jobs: int = 1
    partial: bool = False  # only some files scanned (pre-commit names, --diff)
    debug: bool = False
    notes: tuple[str, ...] = ()


@record
class _Task:
    spec: GateSpec
    settings: GateSettings
    ctx: GateContext
    base_side: bool = False
    mirror_base: bool = (
        False  # --diff: its findings are also the base side's (see compares_with_base)
    )


@record
class _TaskResult:
    task: _Task
    findings: tuple[Finding, ...] = ()
    error: GateError | None = None
    invalid: tuple[str, str, str, str] | None = None  # InvalidInput raised inside a gate: exit 2


# ---------------------------------------------------------------------------------------------
# Planning: which worker runs which gate on which files with which settings


def _file_tasks(req: RunRequest, spec: GateSpec, ws: Workspace, base_side: bool) -> list[_Task]:
    names = sorted((*ws.files, *ws.raw_files())) if spec.reads_raw else ws.files
    candidates = [p for p in names if not req.policy.exclude.matches(p)]
    overlays = policy_mod.overlays(req.policy, spec.id)
    groups: dict[tuple[int, ...], list[str]] = {}
    if not overlays:  # no per-path overrides for this gate: one group, without a look per path
        groups[()] = candidates
    for path in candidates if overlays else ():
        key = tuple(i for i, (pats, _) in enumerate(overlays) if pats.matches(path))
        groups.setdefault(key, []).append(path)
    tasks = []
    for key, paths in sorted(groups.items()):
        overlay: dict[str, Any] = {}
        for i in key:
            overlay = policy_mod.merge(overlay, overlays[i][1])
        gs = policy_mod.settings(req.policy, spec, overlay)
        if not gs.enabled:
            continue
        files = globs.select(paths, gs.include, gs.exclude)
        if not files:
            continue
        tasks.append(
            _Task(
                spec=spec, settings=gs, ctx=_context(req, spec, gs, ws, files), base_side=base_side
            )
        )
    return tasks


def _context(
    req: RunRequest, spec: GateSpec, gs: GateSettings, ws: Workspace, files: Sequence[str]
) -> GateContext:
    return GateContext(
        gate=spec.id,
        config=gs.config,
        workspace=ws,
        files=tuple(files),
        policy=req.policy,
        fingerprint_key=req.key,
        now=req.now,
        base_ref=req.base_ref,
        changed_files=req.changed_files,
        cache_dir=None if req.cache_root is None else req.cache_root / spec.id,
        jobs=req.jobs,
    )


def context_for(req: RunRequest, spec: GateSpec, gs: GateSettings | None = None) -> GateContext:
    """The context for a gate over the whole repository (every tracked file, even when only some
    are scanned) with its top-level settings: repository-scope gates, and `baseline import`."""
    gs = gs or policy_mod.settings(req.policy, spec)
    whole = req.repository_workspace or req.workspace
    candidates = [p for p in whole.files if not req.policy.exclude.matches(p)]
    return _context(req, spec, gs, whole, globs.select(candidates, gs.include, gs.exclude))


def _checked_rules(req: RunRequest, spec: GateSpec, tasks: Sequence[_Task]) -> tuple[RuleInfo, ...]:
    """The gate's rules that its config(s) in this run leave on (`GateSpec.active_rules`, union
    over the per-path overlays it ran with)."""
    if spec.active_rules is None:
        return spec.rules
    configs = [t.settings.config for t in tasks if t.spec.id == spec.id]
    configs = configs or [policy_mod.settings(req.policy, spec).config]
    active = frozenset().union(*(spec.active_rules(c) for c in configs))
    return tuple(r for r in spec.rules if r.id in active)


def plan(req: RunRequest) -> tuple[list[_Task], list[str]]:
    """Tasks to run, and the ids of gates the policy disables (reported, never silent)."""
    tasks: list[_Task] = []
    disabled: list[str] = []
    for spec in req.specs:
        base_settings = policy_mod.settings(req.policy, spec)
        if spec.scope is Scope.REPOSITORY:
            if not base_settings.enabled:
                disabled.append(spec.id)
                continue
            ctx = context_for(req, spec, base_settings)
            check, base_ws = spec.compares_with_base, req.base_workspace
            if check is None or base_ws is None:
                tasks.append(_Task(spec=spec, settings=base_settings, ctx=ctx))
            elif check(base_settings.config):  # its data at the merge base is another answer
                tasks.append(_Task(spec=spec, settings=base_settings, ctx=ctx))
                at_base = replace(ctx, revision=base_ws.ref)
                tasks.append(_Task(spec=spec, settings=base_settings, ctx=at_base, base_side=True))
            else:  # data outside the repository is the same at the base: this answer is both
                tasks.append(_Task(spec=spec, settings=base_settings, ctx=ctx, mirror_base=True))
            continue
        gate_tasks = _file_tasks(req, spec, req.workspace, base_side=False)
        if not base_settings.enabled and not gate_tasks:
            disabled.append(spec.id)
            continue
        tasks += gate_tasks
        if req.base_workspace is not None:
            tasks += _file_tasks(req, spec, req.base_workspace, base_side=True)
    return tasks, disabled


# ---------------------------------------------------------------------------------------------
# Execution


def _validate(task: _Task, findings: object) -> tuple[Finding, ...]:
    spec, ctx = task.spec, task.ctx
    if not isinstance(findings, tuple):
        raise GateCannotRun(spec.id, "returned something other than findings", "fix the gate")
    allowed_paths = set(ctx.files)
    for f in findings:
        problem = None
        if not isinstance(f, Finding):
            problem = f"returned a {type(f).__name__} instead of a Finding"
        elif f.gate != spec.id or not f.rule.startswith(spec.id + "."):
            problem = f"returned a finding of gate {f.gate!r} rule {f.rule!r}"
        elif not isinstance(_as_object(f.severity), Severity):
            problem = f"returned severity {f.severity!r}"
        elif not _FINGERPRINT.match(f.fingerprint):
            problem = f"returned a malformed fingerprint {f.fingerprint[:20]!r}"
        elif spec.scope is Scope.FILES and f.location.path not in allowed_paths:
            problem = f"reported a file it was not given: {f.location.path[:200]!r}"
        elif f.location.path.startswith("/") or ".." in f.location.path.split("/"):
            problem = f"reported a path outside the repository: {f.location.path[:200]!r}"
        if problem:
            raise GateCannotRun(spec.id, problem, "fix the gate, or disable it in the policy")
    return findings


def _as_object(value: object) -> object:
    """Widen a declared type: a plugin's values are checked at run time, not trusted."""
    return value


def _worker(task: _Task, conn: Connection, debug: bool, parent: int) -> None:
    """Runs in the forked child: never lets an exception escape unreported."""

    def _on_term(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)  # unwinds through run_tool, which kills its tool

    signal.signal(signal.SIGTERM, _on_term)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what Ctrl-C means
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # held back by the parent's fork
    _proc.die_with_parent(parent)  # `kill -9` of the run takes its workers along
    progress.attach(conn)  # the gate's `progress.advance()` calls report through the same pipe
    try:
        conn.send(_outcome(task, debug))
    finally:
        conn.close()


def _outcome(task: _Task, debug: bool) -> tuple[str, Any]:
    """Run the task's gate: its findings, or what stopped it, as the worker's answer. Never
    raises but for SystemExit and KeyboardInterrupt: a crash is the gate's error, it blocks."""
    spec = task.spec
    try:
        return "ok", _validate(task, tuple(spec.run(task.ctx)))
    except GateCannotRun as exc:
        return "error", GateError(gate=spec.id, reason=exc.reason, fix=exc.fix)
    except InvalidInput as exc:
        return "invalid", (exc.file, exc.field, exc.problem, exc.fix)
    except (SystemExit, KeyboardInterrupt):
        raise
    except BaseException as exc:  # a crash is this gate's error: it blocks, it never passes
        import traceback  # lazy: only a crash needs it

        detail = traceback.format_exc() if debug else ""
        return (
            "error",
            GateError(
                gate=spec.id,
                reason=f"crashed: {type(exc).__name__}: {exc}"[:500]
                + (f"\n{detail}" if detail else ""),
                fix="rerun with --debug for the traceback and report it; the release stays blocked",
            ),
        )


# A run of one task of a gate that allows it (`GateSpec.in_process`) runs in this process: the
# fork, the result pipe, the reaper and multiprocessing's imports were ~10 ms of a ~135 ms
# one-file pre-commit run and ~18 ms of a 110 ms pii run over the stripe sdist (whose gate forks
# its own chunks). What the worker gave is kept: the timeout (`_watchdog`), a crash as the gate's
# error (`_outcome`), and an exit that blocks when neither can speak.
def _runs_here(tasks: Sequence[_Task]) -> bool:
    if len(tasks) != 1 or not tasks[0].spec.in_process:
        return False
    # the watchdog's signal handlers can only be set from the main thread
    return threading.current_thread() is threading.main_thread()


def _run_here(task: _Task, debug: bool) -> _TaskResult:
    began = time.monotonic()
    if log.verbose():
        log.get().info("gate_started", gate=task.spec.id, files=len(task.ctx.files), here=True)
    display = _display_for([task])
    if display is not None:
        progress.attach_display(display)  # the gate's `advance()` calls draw the line here
    try:
        with _watchdog(task), _terminated_as_interrupt():
            kind, payload = _outcome(task, debug)
    finally:
        if display is not None:
            progress.detach()
            display.close()
    result = _answered(task, kind, payload)
    _log_finished(result, time.monotonic() - began)
    return result


@contextmanager
def _watchdog(task: _Task) -> Iterator[None]:
    """The task's timeout, in this process, without a thread (the gate may fork: pii its chunks,
    secrets its pool, and forking a process that has threads is what 3.12 warns of). At the
    deadline SIGALRM's handler prints the error a worker's timeout gives and exits 3 (no report:
    the run could not finish). A gate stuck in C code that holds the interpreter lock never lets
    that handler run: SIGPROF, due when the process has spent the timeout and a grace in CPU
    time, ends it in the kernel (a loop stuck in C spends CPU as fast as the clock runs; a process
    waiting in a system call runs the handler). Forked children inherit neither timer; they die
    with this process (`_proc.die_with_parent`)."""
    timeout_s = task.settings.timeout_s
    error = _timed_out(task)

    def expire(signum: int, frame: object) -> None:
        # The run cannot finish, so no report: the message goes where the CLI's errors go,
        # through the same masking boundary.
        text = log.redact_text(f"gates: {error.gate} {error.reason}. Fix: {error.fix}\n")
        try:
            sys.stderr.write(text)
            sys.stderr.flush()
        except (RuntimeError, OSError, ValueError):  # interrupted mid-write (the progress line)
            os.write(2, text.encode("utf-8", "replace"))
        os._exit(int(ExitCode.GATE_ERROR))

    previous = signal.signal(signal.SIGALRM, expire), signal.signal(signal.SIGPROF, signal.SIG_DFL)
    signal.setitimer(signal.ITIMER_REAL, timeout_s)
    signal.setitimer(signal.ITIMER_PROF, timeout_s + _KILL_GRACE_S)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGALRM, previous[0])
        signal.signal(signal.SIGPROF, previous[1])


def _timed_out(task: _Task) -> GateError:
    return GateError(
        gate=task.spec.id,
        reason=f"did not finish within its timeout of {task.settings.timeout_s}s",
        fix=f"raise gates.{task.spec.id}.timeout in the policy, or narrow its paths",
    )


def execute(
    tasks: Sequence[_Task], *, debug: bool = False, one_at_a_time: bool = False
) -> list[_TaskResult]:
    """Run every task in its own forked worker, side by side (`one_at_a_time`: each after the
    one before it ended); collect results in task order. A task's timeout counts from its start.

    Nothing outlives the run: workers die with this process (parent-death signal), are stopped
    on timeout, Ctrl-C and SIGTERM, and the reaper kills every tool group still running.
    """
    if not tasks:
        return []
    with _reaper.watching(), _terminated_as_interrupt(), _run_tempdir():
        return _execute(tasks, debug=debug, at_once=1 if one_at_a_time else len(tasks))


@contextmanager
def _run_tempdir() -> Iterator[None]:
    """One private temporary directory for everything the run's workers and tools write there
    (`tempfile` in the forked workers, TMPDIR for the tools they start), removed when the run
    ends: a worker killed on its timeout cannot clean up after itself, the run can."""
    import shutil
    import tempfile

    root = tempfile.mkdtemp(prefix="release-gates-run-")
    saved_dir, saved_env = tempfile.tempdir, os.environ.get("TMPDIR")
    tempfile.tempdir = root
    os.environ["TMPDIR"] = root
    try:
        yield
    finally:
        tempfile.tempdir = saved_dir
        if saved_env is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = saved_env
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def _terminated_as_interrupt() -> Iterator[None]:
    """SIGTERM (a CI job cancelled) unwinds like Ctrl-C: workers and their tools are stopped."""

    def _on_term(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, _on_term)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def _sigint_deferred() -> Iterator[None]:
    """Ctrl-C arriving inside the block is acted on when it ends, not in the middle of it.

    Blocking SIGINT in this thread is not enough: when the process has other threads (DuckDB's,
    a library's, a test runner's), the kernel hands the signal to one of them, and Python still
    runs the handler in the main thread at its next instruction, inside the block. Here the
    handler only notes the signal; on leaving, the signal is raised again under the previous
    handler (KeyboardInterrupt by default; nothing if SIGINT was ignored)."""
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        signal.raise_signal(signal.SIGINT)


def _execute(tasks: Sequence[_Task], *, debug: bool, at_once: int) -> list[_TaskResult]:
    import multiprocessing
    from multiprocessing.connection import Connection, wait

    ctx = multiprocessing.get_context("fork")
    running: dict[Connection, tuple[int, Any, float]] = {}
    results: dict[int, _TaskResult] = {}
    started: list[Any] = []  # every worker, recorded before it starts: Ctrl-C must reach them all
    began: dict[int, float] = {}
    display = _display_for(tasks)
    waiting = list(range(len(tasks)))  # not started yet, in task order

    def start_next() -> None:
        i = waiting.pop(0)
        task = tasks[i]
        parent, child = ctx.Pipe(duplex=False)
        proc = ctx.Process(
            target=_worker,
            args=(task, child, debug, os.getpid()),
            name=f"gate-{task.spec.id}",
        )
        # Ctrl-C is held back while forking, so a worker is never half-started and unrecorded:
        # an unrecorded worker (it ignores SIGINT) would keep the run waiting forever for the
        # reaper, which waits for every worker. The mask keeps it from the child until the
        # child ignores it; the deferral keeps this thread from raising mid-start when
        # another thread of the process took the signal. Not a daemon process: gates may
        # use process pools of their own.
        with _sigint_deferred():
            held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
            try:
                proc.start()
                started.append(proc)
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, held)
        child.close()
        began[i] = time.monotonic()
        running[parent] = (i, proc, began[i] + task.settings.timeout_s)
        if log.verbose():
            log.get().info(
                "gate_started",
                gate=task.spec.id,
                files=len(task.ctx.files),
                base_side=task.base_side,
            )

    try:
        while waiting and len(running) < at_once:
            start_next()
        while running:
            now = time.monotonic()
            timeout = max(0.0, min(deadline for _, _, deadline in running.values()) - now)
            if display is not None:
                timeout = min(timeout, 0.1)  # redraw the elapsed time
            ready = wait(list(running), timeout=timeout)
            for conn in ready:
                assert isinstance(conn, Connection)
                i, proc, _ = running[conn]
                message = _read(conn)
                if message is not None and message[0] == progress.PROGRESS:
                    if display is not None:
                        display.update(i, message[1])
                    continue
                running.pop(conn)
                results[i] = _answer(tasks[i], message, conn, proc)
                if display is not None:
                    display.finish(i)
                _log_finished(results[i], time.monotonic() - began[i])
            if display is not None:
                display.tick()
            now = time.monotonic()
            for conn, (i, proc, deadline) in list(running.items()):
                if now >= deadline:
                    running.pop(conn)
                    _stop(proc)
                    conn.close()
                    results[i] = _TaskResult(task=tasks[i], error=_timed_out(tasks[i]))
            while waiting and len(running) < at_once:
                start_next()
    except BaseException:
        for proc in started:
            _stop(proc)
        raise
    finally:
        if display is not None:
            display.close()
    return [results[i] for i in range(len(tasks))]


def _display_for(tasks: Sequence[_Task]) -> progress.Display | None:
    """The terminal's progress line when the CLI asked for one; repository-scope gates (whose
    work is not a count of files) show as running until they finish."""
    if not progress.wanted():
        return None
    return progress.Display(
        stream=sys.stderr,
        tasks=[(t.spec.id, len(t.ctx.files) if t.spec.scope is Scope.FILES else 0) for t in tasks],
    )


def _log_finished(result: _TaskResult, seconds: float) -> None:
    if not log.verbose():
        return
    outcome = "error" if result.error else "invalid input" if result.invalid else "ok"
    log.get().info(
        "gate_finished",
        gate=result.task.spec.id,
        files=len(result.task.ctx.files),
        findings=len(result.findings),
        seconds=round(seconds, 3),
        outcome=outcome,
        base_side=result.task.base_side,
    )


def _read(conn: Connection) -> tuple[str, Any] | None:
    """The worker's next message (progress counts, then one answer); None when it died."""
    try:
        kind, payload = conn.recv()
    except (EOFError, OSError):
        return None
    return str(kind), payload


def _answer(
    task: _Task, message: tuple[str, Any] | None, conn: Connection, proc: Any
) -> _TaskResult:
    conn.close()
    if message is None:
        proc.join(_KILL_GRACE_S)
        return _TaskResult(
            task=task,
            error=GateError(
                gate=task.spec.id,
                reason=f"worker process died without an answer (exit code {proc.exitcode})",
                fix="rerun with --debug; the release stays blocked until the gate runs",
            ),
        )
    kind, payload = message
    proc.join(_KILL_GRACE_S)
    if proc.is_alive():
        _stop(proc)
    return _answered(task, kind, payload)


def _answered(task: _Task, kind: str, payload: Any) -> _TaskResult:
    match kind:
        case "ok":
            return _TaskResult(task=task, findings=payload)
        case "error":
            return _TaskResult(task=task, error=payload)
        case _:
            return _TaskResult(task=task, invalid=payload)


def _stop(proc: Any) -> None:
    if proc.pid is None:  # interrupted before it started
        return
    if proc.is_alive():
        proc.terminate()
        proc.join(_KILL_GRACE_S)
    if proc.is_alive():
        os.kill(proc.pid, signal.SIGKILL)
        proc.join()


# ---------------------------------------------------------------------------------------------
# Combining


def _apply_severity(
    findings: Sequence[Finding], overrides: Mapping[str, Severity]
) -> list[Finding]:
    if not overrides:
        return list(findings)
    return [replace(f, severity=overrides[f.rule]) if f.rule in overrides else f for f in findings]


@record
class _DiffOutcome:
    new: list[Finding]  # what the change introduced (or made larger)
    not_worse: list[Finding]  # sized findings present at the base at least as large: not reported


def _new_only(current: Sequence[Finding], base: Sequence[Finding]) -> _DiffOutcome:
    """Multiset difference by fingerprint: the first occurrences (in sort order) are the old ones.

    A sized finding (Finding.magnitude: a reconcile class) is old only while it is no larger than
    at the base; one that grew is new, and its message says by how much.
    """
    old = Counter(f.fingerprint for f in base)
    base_size: dict[str, int] = {}
    for f in base:
        if f.magnitude is not None:
            base_size[f.fingerprint] = max(f.magnitude, base_size.get(f.fingerprint, 0))
    new: list[Finding] = []
    not_worse: list[Finding] = []
    for f in sorted(current, key=Finding.sort_key):
        if old[f.fingerprint] == 0:
            new.append(f)
            continue
        old[f.fingerprint] -= 1
        if f.magnitude is None:
            continue
        before = base_size.get(f.fingerprint, 0)
        if f.magnitude <= before:
            not_worse.append(f)
        else:
            grew = f"{f.message} (was {before} at the --diff base: +{f.magnitude - before})"
            new.append(replace(f, message=grew))
    return _DiffOutcome(new=new, not_worse=not_worse)


def _history_only(
    req: RunRequest, current: Sequence[Finding], base: Sequence[Finding]
) -> list[Finding]:
    """History findings that no gate reports otherwise: a value still at that path in the tree
    (current) or already there at the --diff base has the same fingerprint and is the gate's
    to report or to accept. (Their per-path severity overrides are applied by gates.history.)"""
    seen = {f.fingerprint for f in current} | {f.fingerprint for f in base}
    return [f for f in req.history_findings if f.fingerprint not in seen]


def _not_worse_note(findings: Sequence[Finding], base: str) -> str:
    """The run note for sized findings --diff did not report (the change did not make them worse)."""
    listed = ", ".join(f"{f.rule} {f.magnitude}" for f in findings)
    return (
        f"--diff: {len(findings)} finding(s) no worse than at the merge base {base[:12]} are not "
        f"reported: {listed}"
    )


def _unscanned(req: RunRequest) -> tuple[SkippedFile, ...]:
    """The files some gate could not scan. A binary or large file is a gap only when an enabled
    gate that skips such files (it does not read raw bytes) would have scanned it: selected by its
    paths and one it handles (`GateSpec.handles`). Submodules and unreadable files always are."""
    blind = [
        (spec, policy_mod.settings(req.policy, spec))
        for spec in req.specs
        if spec.scope is Scope.FILES and not spec.reads_raw
    ]

    def would_scan(spec: GateSpec, gs: GateSettings, path: str) -> bool:
        return (
            gs.enabled
            and (spec.handles is None or spec.handles(path))
            and not req.policy.exclude.matches(path)
            and bool(globs.select([path], gs.include, gs.exclude))
        )

    return tuple(
        f
        for f in req.workspace.skipped
        if f.kind not in RAW_KINDS or any(would_scan(s, gs, f.path) for s, gs in blind)
    )


def cap_jobs(requested: int, cpus: int | None = None) -> tuple[int, str | None]:
    """`--jobs` bounded by the CPU count (each gate may start that many processes), and the
    note saying so when a request was lowered."""
    limit = max(1, cpus or os.cpu_count() or 1)
    if requested > limit:
        return limit, f"--jobs {requested} capped at {limit} (the CPU count)"
    return max(1, requested), None


def _large(req: RunRequest) -> bool:
    """Whether the run reads enough to keep every core busy in each gate alone (budget.py)."""
    total = sum(req.workspace.sizes(req.workspace.files))
    if req.base_workspace is not None:
        total += sum(req.base_workspace.sizes(req.base_workspace.files))
    large = total >= budget.ONE_AT_A_TIME_BYTES
    if large and log.verbose():
        log.get().info("gates_one_at_a_time", bytes=total)
    return large


def run(req: RunRequest) -> RunResult:
    jobs, jobs_note = cap_jobs(req.jobs)
    if jobs != req.jobs:
        req = replace(req, jobs=jobs, notes=(*req.notes, *([jobs_note] if jobs_note else [])))
    tasks, disabled = plan(req)
    if _runs_here(tasks):
        results = [_run_here(tasks[0], req.debug)]
    else:
        results = execute(tasks, debug=req.debug, one_at_a_time=_large(req))
    invalid = sorted(r.invalid for r in results if r.invalid)
    if invalid:
        raise InvalidInput(*invalid[0])
    current: list[Finding] = []
    base: list[Finding] = []
    errors: list[GateError] = []
    for r in results:
        if r.error is not None:
            errors.append(r.error)
            continue
        adjusted = _apply_severity(r.findings, r.task.settings.severity)
        (base if r.task.base_side else current).extend(adjusted)
        if r.task.mirror_base:
            base.extend(adjusted)
    diff_notes: list[str] = []
    history = _history_only(req, current, base)
    if req.base_workspace is not None:
        outcome = _new_only(current, base)
        current = outcome.new
        if outcome.not_worse:
            diff_notes.append(_not_worse_note(outcome.not_worse, req.base_workspace.ref or ""))
    current.extend(history)
    scanned = frozenset(req.workspace.files) if req.partial else None
    filtered = filtering.apply(
        current,
        req.baseline,
        req.waivers,
        req.approval_notes,
        fail_on=req.policy.fail_on,
        scanned_paths=scanned,
        trust_findings=req.trust_findings,
        trust_cleared_by=req.trust_cleared_by,
    )
    gaps, gap_notes = coverage.submodule_gaps(req.policy, req.workspace.skipped)
    unscanned = _unscanned(req)
    errors = sorted(set(errors + gaps + list(req.history_errors)), key=lambda e: (e.gate, e.reason))
    blocked = any(f.blocking for f in filtered.findings)
    verdict, code = (
        (Verdict.ERROR, ExitCode.GATE_ERROR)
        if errors
        else (Verdict.BLOCKED, ExitCode.BLOCKED)
        if blocked
        else (Verdict.PASS, ExitCode.PASS)
    )
    rules = {rule.id: rule for spec in req.specs for rule in _checked_rules(req, spec, tasks)}
    rules[EXPIRED_RULE_INFO.id] = EXPIRED_RULE_INFO
    if req.trust_findings or req.trust_checked:
        rules[trust.RULE_INFO.id] = trust.RULE_INFO
    for rf in filtered.findings:
        if rf.finding.rule not in rules:  # dynamic rules (policy patterns, tool rules)
            rules[rf.finding.rule] = RuleInfo(
                id=rf.finding.rule,
                name=rf.finding.rule.split(".", 1)[1],
                summary=rf.finding.message.split(":")[0][:200],
                help="See the gate's documentation (`gates explain` on the gate's rules).",
                default_severity=rf.finding.severity,
            )
    notes = [*req.notes, *diff_notes, *gap_notes]
    notes += [f"gate {gid} is disabled by the policy" for gid in disabled]
    return RunResult(
        verdict=verdict,
        exit_code=code,
        gates=tuple(s.id for s in req.specs if s.id not in disabled),
        findings=filtered.findings,
        errors=tuple(errors),
        rules=tuple(sorted(rules.values(), key=lambda r: r.id)),
        skipped=unscanned,
        stale_baseline=filtered.stale_baseline,
        approvals=filtered.approvals,
        notes=tuple(notes),
        tool_versions=(("release-gates", __version__), ("python", sys.version.split()[0])),
        policy_digest=req.policy.digest,
        fail_on=req.policy.fail_on,
        # raw files every gate that would read them did read (streamed) count as scanned
        scanned_files=len(req.workspace.files) + len(req.workspace.skipped) - len(unscanned),
        clock=req.now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        clock_source=req.clock_source,
    )
