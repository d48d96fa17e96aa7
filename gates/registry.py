"""Gate discovery: every gate, built-in or third-party, comes through the entry-point group.

A gate is a `GateSpec` exposed as an entry point in the group `release_gates.gates`, whose name is
the gate id (`pii = "gates.checks.pii:GATE"`). Built-in gates are registered the same way, so
listing and full runs exercise the loading path; a run of built-in gates only (`--gate pii`, the
pre-commit hooks) may import them from `BUILT_IN` without the metadata scan. Two entry points with
one name are a load error, never last-wins. Modules are imported only for the gates a run asks
for, which keeps `gates run --gate pii` fast.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import field
from datetime import datetime
from enum import StrEnum
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gates.errors import GateCannotRun, InvalidInput
from gates.model import Finding, RuleInfo
from gates.record import record

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

    from gates.fingerprint import FingerprintKey
    from gates.policy import Policy
    from gates.workspace import Workspace

GROUP = "release_gates.gates"
# The gates this package ships, exactly as pyproject.toml registers them (tests/test_registry.py
# checks they agree). `load_built_in` imports them without the entry-point scan: importing
# importlib.metadata and reading every installed package's metadata cost a pre-commit run of
# one gate ~20 ms. Listing gates, and any run that involves a third-party gate, still scans.
BUILT_IN: Mapping[str, str] = {
    "pii": "gates.checks.pii:GATE",
    "secrets": "gates.checks.secrets:GATE",
    "sast": "gates.checks.sast:GATE",
    "signoff": "gates.checks.signoff:GATE",
    "reconcile": "gates.checks.reconcile:GATE",
    "audit-log": "gates.checks.audit_log:GATE",
}
_GATE_ID = re.compile(r"^[a-z][a-z0-9-]{0,39}$")


class Scope(StrEnum):
    """How a gate relates to the files of a change; decides how `--diff` treats it."""

    FILES = "files"  # findings come from file contents: `--diff` keeps only new fingerprints
    REPOSITORY = "repository"  # runs once on the repository or its data (signoff, reconcile)


@record
class GateContext:
    """Everything a gate may use; nothing global. Picklable, so a worker process can receive it.

    `config` is the gate's own policy section, already validated against `GateSpec.config_schema`,
    with the runner's common keys (enabled, paths, exclude, timeout, severity) removed. The gate
    turns it into its own frozen dataclass.
    """

    gate: str
    config: Mapping[str, Any]
    workspace: Workspace
    files: tuple[str, ...]  # repo-relative paths this gate must scan (after paths/exclude)
    policy: Policy
    fingerprint_key: FingerprintKey
    now: datetime
    base_ref: str | None = None  # set in --diff mode / CI: the reviewed change's base
    changed_files: tuple[str, ...] | None = None  # paths touched by the change, when known
    cache_dir: Path | None = None  # per-gate warm cache directory, when caching is on
    jobs: int = 1  # worker processes the gate may use for itself
    # The --diff base side of a repository-scope gate that `compares_with_base`: read the
    # repository's data as it was at this commit (the merge base), not from the working tree.
    revision: str | None = None


@record
class GateSpec:
    """A gate: its id, what its policy section may contain, its rules and how to run it.

    `config_schema` is a JSON Schema (draft 2020-12) object schema for the gate's own keys; the
    runner adds the common keys and forbids unknown ones, so a typo never silently disables a check.
    `run` yields findings or raises GateCannotRun/InvalidInput; any other exception is a crash that
    blocks the release.
    """

    id: str
    summary: str
    config_schema: Mapping[str, Any]
    rules: tuple[RuleInfo, ...]
    run: Callable[[GateContext], Iterable[Finding]]
    scope: Scope = Scope.FILES
    default_timeout_s: int = 300
    tools: tuple[str, ...] = field(default=())  # external executables it needs, for `gates list`
    # Checks what the schema cannot (regexes compile, named files exist, roles line up): raises
    # InvalidInput. `gates run` and `gates policy validate` both call it, so they agree.
    check_config: Callable[[Mapping[str, Any], str, Path], None] | None = None
    # True: the gate is also given binary and large files (`Workspace.raw_files`) and reads them
    # with `Workspace.open_raw` (printable strings, streamed chunks); False: they are skipped.
    reads_raw: bool = False
    # True: a run of this gate alone runs it in the caller's process instead of a forked worker
    # (the pre-commit case; `runner._runs_here`). For gates that start no tools, keep no state
    # between runs, leave SIGALRM and SIGPROF alone, compute in one thread (the backstop counts
    # the process's CPU time) and whose own children die with their process; the timeout holds.
    in_process: bool = False
    # A repository-scope gate whose findings depend on data (reconcile): under --diff only what
    # is new or larger than at the merge base (Finding.magnitude) is reported. Given the gate's
    # config, it says whether that data lives in the repository: then the gate also runs at the
    # merge base (`GateContext.revision`); else (a database, a topic) no change can alter the
    # data, the base side equals this side and the gate runs once. None: not compared.
    compares_with_base: Callable[[Mapping[str, Any]], bool] | None = None
    # Which files the gate would scan at all, by name (sast: source code in the languages its
    # engines parse); None: every file. A large or binary file that no gate able to scan it had
    # to skip is covered, not listed as unscanned (a 20 MB events.jsonl streamed by pii and
    # secrets is no gap in sast's coverage).
    handles: Callable[[str], bool] | None = None
    # The rule ids a config of this gate leaves switched on (a policy can turn off part of a gate:
    # sast without semgrep, skipped bandit tests). None: every rule in `rules`. The run reports
    # only the rules it checked, so nothing (the controls table included) claims the others.
    active_rules: Callable[[Mapping[str, Any]], frozenset[str]] | None = None


def discover() -> dict[str, EntryPoint]:
    """Every installed gate's entry point by id, without importing any (one metadata scan)."""
    from importlib.metadata import entry_points

    found: dict[str, EntryPoint] = {}
    for ep in entry_points(group=GROUP):
        if ep.name in found and found[ep.name].value != ep.value:
            raise GateCannotRun(
                ep.name,
                f"two packages register gate id {ep.name!r} ({found[ep.name].value} and {ep.value})",
                "uninstall one of them or rename its entry point",
            )
        found[ep.name] = ep
    return found


def available(eps: Mapping[str, EntryPoint] | None = None) -> tuple[str, ...]:
    """Ids of every installed gate, sorted, without importing them."""
    return tuple(sorted(discover() if eps is None else eps))


def load(
    ids: Sequence[str] | None = None, eps: Mapping[str, EntryPoint] | None = None
) -> tuple[GateSpec, ...]:
    """Import and check the named gates (all when None), in the order given (else sorted).

    `eps` is a `discover()` result to reuse: scanning package metadata costs tens of ms."""
    eps = discover() if eps is None else eps
    wanted = list(ids) if ids is not None else sorted(eps)
    specs = []
    for gate_id in wanted:
        ep = eps.get(gate_id)
        if ep is None:  # a typo on the command line or in a hook: the user's input, exit 2
            raise InvalidInput(
                "--gate",
                gate_id,
                "no installed gate has this id",
                f"use one of: {', '.join(sorted(eps)) or '(none installed)'}",
            )
        specs.append(_load_one(ep))
    return tuple(specs)


def load_built_in(ids: Sequence[str]) -> tuple[GateSpec, ...] | None:
    """The named gates, in order, when every one is built in (`BUILT_IN`); else None (the caller
    scans the entry points). Imported directly: a third-party package that registers a built-in
    id as well is reported by `discover`, on any run that scans."""
    if not ids or any(gate_id not in BUILT_IN for gate_id in ids):
        return None
    return tuple(_load(gate_id, BUILT_IN[gate_id], _import_object) for gate_id in ids)


def _import_object(value: str) -> object:
    module, _, attr = value.partition(":")
    return getattr(import_module(module), attr)


def _load_one(ep: EntryPoint) -> GateSpec:
    return _load(ep.name, ep.value, lambda _value: ep.load())


def _load(name: str, value: str, importer: Callable[[str], object]) -> GateSpec:
    try:
        spec = importer(value)
    except Exception as exc:  # a broken plugin blocks, with its own message
        raise GateCannotRun(
            name, f"could not import {value}: {type(exc).__name__}: {exc}", "reinstall it"
        ) from exc
    if not isinstance(spec, GateSpec):
        raise GateCannotRun(
            name, f"{value} is a {type(spec).__name__}, not a GateSpec", "fix the plugin"
        )
    if spec.id != name or not _GATE_ID.match(spec.id):
        raise GateCannotRun(
            name,
            f"entry point {name!r} exposes gate id {spec.id!r}",
            "make the entry point name equal the gate id (lowercase, digits, dashes)",
        )
    return spec
